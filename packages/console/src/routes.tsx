/**
 * The console's pages: ONE list of routes, each with its navigation entry when it has one. A new
 * page is a self-contained file under pages/ plus one line here (its path, its element, and
 * `nav: { label, capability }` to appear in the main navigation for the roles that may use it).
 * The server still decides every request; the capability only hides what a role can't use.
 */
import { lazy, type ReactNode } from 'react';
import { useParams } from 'react-router';
import type { Capability } from './capabilities';
import { DeniedPage, NotFoundPage } from './pages/problem-pages';
import { WardBoardPage } from './pages/ward-board-page';
import { useSignedIn } from './session';

// Pages load on first use (code splitting): the first screen (sign-in, or a clinician's ward
// board) parses only the shell and its own page. The ward board stays in the main chunk: it is a
// clinician's first screen, and its first render is measured (issue 16: under 1 s).
const AuditsPage = lazy(() => import('./pages/compliance/audits-page').then((m) => ({ default: m.AuditsPage })));
const ChangesPage = lazy(() => import('./pages/compliance/changes-page').then((m) => ({ default: m.ChangesPage })));
const ReportPage = lazy(() => import('./pages/compliance/report-page').then((m) => ({ default: m.ReportPage })));
const RisksPage = lazy(() => import('./pages/compliance/risks-page').then((m) => ({ default: m.RisksPage })));
const AccountPage = lazy(() => import('./pages/account-page').then((m) => ({ default: m.AccountPage })));
const AlertRulesPage = lazy(() => import('./pages/alert-rules-page').then((m) => ({ default: m.AlertRulesPage })));
const AlertsPage = lazy(() => import('./pages/alerts-page').then((m) => ({ default: m.AlertsPage })));
const AuditLogPage = lazy(() => import('./pages/audit-log-page').then((m) => ({ default: m.AuditLogPage })));
const BackupsPage = lazy(() => import('./pages/backups-page').then((m) => ({ default: m.BackupsPage })));
const BreakGlassPage = lazy(() => import('./pages/break-glass-page').then((m) => ({ default: m.BreakGlassPage })));
const DeliveryPage = lazy(() => import('./pages/delivery-page').then((m) => ({ default: m.DeliveryPage })));
const DevicePage = lazy(() => import('./pages/device-page').then((m) => ({ default: m.DevicePage })));
const DevicesPage = lazy(() => import('./pages/devices-page').then((m) => ({ default: m.DevicesPage })));
const FirmwareIntegrityPage = lazy(() => import('./pages/firmware-integrity-page').then((m) => ({ default: m.FirmwareIntegrityPage })));
const FirmwarePage = lazy(() => import('./pages/firmware-page').then((m) => ({ default: m.FirmwarePage })));
const FirmwareReleasePage = lazy(() => import('./pages/firmware-page').then((m) => ({ default: m.FirmwareReleasePage })));
const HomePage = lazy(() => import('./pages/home-page').then((m) => ({ default: m.HomePage })));
const IncidentPage = lazy(() => import('./pages/incidents-page').then((m) => ({ default: m.IncidentPage })));
const IncidentsPage = lazy(() => import('./pages/incidents-page').then((m) => ({ default: m.IncidentsPage })));
const DisclosuresPage = lazy(() => import('./pages/patient-disclosures').then((m) => ({ default: m.DisclosuresPage })));
const PatientPage = lazy(() => import('./pages/patient-page').then((m) => ({ default: m.PatientPage })));
const PatientsPage = lazy(() => import('./pages/patients-page').then((m) => ({ default: m.PatientsPage })));
const RolloutPage = lazy(() => import('./pages/rollouts-page').then((m) => ({ default: m.RolloutPage })));
const RolloutsPage = lazy(() => import('./pages/rollouts-page').then((m) => ({ default: m.RolloutsPage })));
const SecurityAlertPage = lazy(() => import('./pages/security-alerts-page').then((m) => ({ default: m.SecurityAlertPage })));
const SecurityAlertsPage = lazy(() => import('./pages/security-alerts-page').then((m) => ({ default: m.SecurityAlertsPage })));
const SecurityEventsPage = lazy(() => import('./pages/security-events-page').then((m) => ({ default: m.SecurityEventsPage })));
const UsagePage = lazy(() => import('./pages/usage-page').then((m) => ({ default: m.UsagePage })));
const UserPage = lazy(() => import('./pages/user-page').then((m) => ({ default: m.UserPage })));
const UsersPage = lazy(() => import('./pages/users-page').then((m) => ({ default: m.UsersPage })));

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

/** A firmware release: the `:model` and `:version` of the path (then /details: a last segment with a dot, 1.1.0, would be taken for a file). */
function ReleaseRoute() {
  const { model, version } = useParams();
  return model === undefined || version === undefined ? <NotFoundPage /> : <FirmwareReleasePage key={`${model}/${version}`} model={model} version={version} />;
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
  { path: '/firmware', element: <FirmwarePage />, nav: { label: 'Firmware', capability: 'firmware:read' }, navPrefix: '/firmware/' },
  { path: '/rollouts', element: <RolloutsPage />, nav: { label: 'Rollouts', capability: 'rollouts:read' }, navPrefix: '/rollouts/' },
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
  { path: '/firmware/integrity', element: <FirmwareIntegrityPage /> },
  { path: '/firmware/:model/:version/details', element: <ReleaseRoute /> },
  { path: '/rollouts/:id', element: <WithId render={(id) => <RolloutPage key={id} rolloutId={id} />} /> },
  { path: '*', element: <NotFoundPage /> },
];
