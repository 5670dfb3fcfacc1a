/**
 * The console's pages: ONE list of routes, each with its navigation entry when it has one. A new
 * page is a self-contained file under pages/ plus one line here (its path, its element, and
 * `nav: { label, capability }` to appear in the main navigation for the roles that may use it).
 * The server still decides every request; the capability only hides what a role can't use.
 */
import type { ReactNode } from 'react';
import { useParams } from 'react-router';
import type { Capability } from './capabilities';
import { AccountPage } from './pages/account-page';
import { AlertRulesPage } from './pages/alert-rules-page';
import { AlertsPage } from './pages/alerts-page';
import { AuditLogPage } from './pages/audit-log-page';
import { BackupsPage } from './pages/backups-page';
import { BreakGlassPage } from './pages/break-glass-page';
import { DeliveryPage } from './pages/delivery-page';
import { DevicePage } from './pages/device-page';
import { DevicesPage } from './pages/devices-page';
import { HomePage } from './pages/home-page';
import { IncidentPage, IncidentsPage } from './pages/incidents-page';
import { DisclosuresPage } from './pages/patient-disclosures';
import { PatientPage } from './pages/patient-page';
import { PatientsPage } from './pages/patients-page';
import { DeniedPage, NotFoundPage } from './pages/problem-pages';
import { SecurityAlertPage, SecurityAlertsPage } from './pages/security-alerts-page';
import { SecurityEventsPage } from './pages/security-events-page';
import { UsagePage } from './pages/usage-page';
import { UserPage } from './pages/user-page';
import { UsersPage } from './pages/users-page';
import { WardBoardPage } from './pages/ward-board-page';
import { AuditsPage } from './pages/compliance/audits-page';
import { ChangesPage } from './pages/compliance/changes-page';
import { ReportPage } from './pages/compliance/report-page';
import { RisksPage } from './pages/compliance/risks-page';
import { useSignedIn } from './session';

export interface ConsoleRoute {
  readonly path: string;
  readonly element: ReactNode;
  /** In the main navigation (in this order) for the roles with the capability. */
  readonly nav?: { readonly label: string; readonly capability: Capability };
  /** Other paths that mark this entry current (e.g. every /security/... page). */
  readonly navPrefix?: string;
}

/** A page of one resource: the `:id` of the path, and a fresh page when it changes. */
function WithId({ render }: { readonly render: (id: string) => ReactNode }) {
  const { id } = useParams();
  return id === undefined ? <NotFoundPage /> : render(id);
}

/** A clinician's home is the ward board; other roles get the start page. */
function HomeRoute() {
  return useSignedIn().roles.includes('clinician') ? <WardBoardPage /> : <HomePage />;
}

export const ROUTES: readonly ConsoleRoute[] = [
  { path: '/', element: <HomeRoute /> },
  { path: '/ward', element: <WardBoardPage />, nav: { label: 'Ward board', capability: 'vitals:read' } },
  { path: '/setup', element: <HomePage /> },
  { path: '/patients', element: <PatientsPage />, nav: { label: 'Patients', capability: 'patients:read' } },
  { path: '/alerts', element: <AlertsPage />, nav: { label: 'Alerts', capability: 'clinical-alerts:read' } },
  { path: '/alert-rules', element: <AlertRulesPage />, nav: { label: 'Alert rules', capability: 'alert-rules:manage' } },
  { path: '/devices', element: <DevicesPage />, nav: { label: 'Devices', capability: 'devices:read' } },
  { path: '/users', element: <UsersPage />, nav: { label: 'Users', capability: 'users:read' } },
  { path: '/break-glass', element: <BreakGlassPage />, nav: { label: 'Break-glass review', capability: 'break-glass:review' } },
  { path: '/security/alerts', element: <SecurityAlertsPage />, nav: { label: 'Security', capability: 'security:read' }, navPrefix: '/security/' },
  { path: '/usage', element: <UsagePage />, nav: { label: 'Usage', capability: 'usage:read' } },
  { path: '/incidents', element: <IncidentsPage />, nav: { label: 'Incidents', capability: 'incidents:read' } },
  { path: '/incidents/:id', element: <WithId render={(id) => <IncidentPage key={id} incidentId={id} />} /> },
  { path: '/audit', element: <AuditLogPage />, nav: { label: 'Audit log', capability: 'audit:read' } },
  { path: '/backups', element: <BackupsPage />, nav: { label: 'Backups', capability: 'backups:read' } },
  { path: '/compliance', element: <AuditsPage />, nav: { label: 'Compliance', capability: 'compliance:read' }, navPrefix: '/compliance/' },
  { path: '/changes', element: <ChangesPage />, nav: { label: 'Changes', capability: 'changes:read' } },
  { path: '/compliance/risks', element: <RisksPage /> },
  { path: '/compliance/report', element: <ReportPage /> },
  { path: '/account', element: <AccountPage /> },
  { path: '/denied', element: <DeniedPage /> },
  { path: '/security/events', element: <SecurityEventsPage /> },
  { path: '/security/delivery', element: <DeliveryPage /> },
  { path: '/users/:id', element: <WithId render={(id) => <UserPage key={id} userId={id} />} /> },
  { path: '/patients/:id', element: <WithId render={(id) => <PatientPage key={id} patientId={id} />} /> },
  { path: '/patients/:id/disclosures', element: <WithId render={(id) => <DisclosuresPage key={id} patientId={id} />} /> },
  { path: '/security/alerts/:id', element: <WithId render={(id) => <SecurityAlertPage key={id} alertId={id} />} /> },
  { path: '/devices/:id', element: <WithId render={(id) => <DevicePage key={id} deviceId={id} />} /> },
  { path: '*', element: <NotFoundPage /> },
];
