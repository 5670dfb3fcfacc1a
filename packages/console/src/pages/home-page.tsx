/**
 * The start page after sign-in, per role: the security officer's dashboard (alerts, devices,
 * break-glass, failed logins, audit chain), the administrator's (fleet, users without MFA or
 * training, delivery channels), and for everyone the places their roles usually go.
 * A clinician's home is the ward board instead (routes.tsx).
 */
import { Anchor, List, Text } from '@mantine/core';
import { can, type Capability } from '../capabilities';
import { Page, Section } from '../components/page';
import { Link } from '../router';
import { useSignedIn } from '../session';
import { AdminDashboardView } from './dashboards/admin-dashboard';
import { SecurityDashboardView } from './dashboards/security-dashboard';

const PLACES: ReadonlyArray<{ readonly to: string; readonly label: string; readonly what: string; readonly capability?: Capability }> = [
  { to: '/patients', label: 'Patients', what: 'records and care teams', capability: 'patients:read' },
  { to: '/alerts', label: 'Clinical alerts', what: 'the alerts inbox of your patients', capability: 'clinical-alerts:read' },
  { to: '/alert-rules', label: 'Alert rules', what: 'clinical thresholds for the organization and per patient', capability: 'alert-rules:manage' },
  { to: '/security/alerts', label: 'Security alerts', what: 'suspicious events from people and devices, with evidence', capability: 'security:read' },
  { to: '/usage', label: 'Usage', what: 'logins, API calls, devices and messages over time', capability: 'usage:read' },
  { to: '/devices', label: 'Devices', what: 'the fleet, enrolment and containment', capability: 'devices:read' },
  { to: '/users', label: 'Users', what: 'accounts, roles and training', capability: 'users:read' },
  { to: '/break-glass', label: 'Break-glass review', what: 'emergency access to review', capability: 'break-glass:review' },
  { to: '/account', label: 'Your account', what: 'password and second factors' },
];

export function HomePage() {
  const session = useSignedIn();
  const roles = session.roles;
  const officer = roles.includes('security-officer');
  const admin = roles.includes('org-admin') || roles.includes('platform-admin');
  return (
    <Page title={`Welcome, ${session.user.displayName}`} description={officer ? 'Security overview of your organization.' : admin ? 'Administration overview of your organization.' : undefined}>
      {officer && <SecurityDashboardView withAudit={can(roles, 'audit:read')} />}
      {admin && <AdminDashboardView withChannels={can(roles, 'delivery:manage')} />}
      <Section title="Go to">
        <List spacing={4} className="places">
          {PLACES.filter((place) => place.capability === undefined || can(roles, place.capability)).map((place) => (
            <List.Item key={place.to}>
              <Anchor component={Link} to={place.to}>
                {place.label}
              </Anchor>
              <Text span c="dimmed">
                {' '}
                — {place.what}
              </Text>
            </List.Item>
          ))}
        </List>
      </Section>
    </Page>
  );
}
