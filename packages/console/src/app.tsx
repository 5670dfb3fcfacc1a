/**
 * The app shell: the session gate (sign-in and its steps come before anything else), the header
 * with role-aware navigation, the page for the current path, and the server status line.
 *
 * The gate follows the server's session state: `mfa-required` shows the second-factor step,
 * `mfa-enrollment-required` the MFA enrolment, `password-change-required` the forced password
 * change; only `authenticated` reaches the pages. Navigation hides what a role can't use, but the
 * server decides every request, and a refusal shows the "Access denied" page.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { can, type Capability } from './capabilities';
import { Loading } from './components/feedback';
import { IdleWarning } from './idle-warning';
import { AccountPage } from './pages/account-page';
import { AlertRulesPage } from './pages/alert-rules-page';
import { AlertsPage } from './pages/alerts-page';
import { DeliveryPage } from './pages/delivery-page';
import { DisclosuresPage } from './pages/patient-disclosures';
import { SecurityAlertPage, SecurityAlertsPage } from './pages/security-alerts-page';
import { SecurityEventsPage } from './pages/security-events-page';
import { UsagePage } from './pages/usage-page';
import { BreakGlassPage } from './pages/break-glass-page';
import { DevicePage } from './pages/device-page';
import { DevicesPage } from './pages/devices-page';
import { HomePage } from './pages/home-page';
import { IncidentPage, IncidentsPage } from './pages/incidents-page';
import { MfaEnrollmentPage } from './pages/mfa-enrollment-page';
import { MfaStepPage } from './pages/mfa-step-page';
import { PasswordChangePage } from './pages/password-change-page';
import { PatientPage } from './pages/patient-page';
import { PatientsPage } from './pages/patients-page';
import { DeniedPage, NotFoundPage } from './pages/problem-pages';
import { SetupPage } from './pages/setup-page';
import { SignInPage } from './pages/sign-in-page';
import { UserPage } from './pages/user-page';
import { UsersPage } from './pages/users-page';
import { Link, matchPath, navigate, usePath } from './router';
import { SessionProvider, useSession, useSignedIn } from './session';
import { StatusLine } from './status-line';

export function App() {
  return (
    <SessionProvider>
      <Gate />
    </SessionProvider>
  );
}

function Frame({ children, nav, wide = false, stage }: { readonly children: ReactNode; readonly nav?: ReactNode; readonly wide?: boolean; readonly stage: string }) {
  const path = usePath();
  const main = useRef<HTMLElement>(null);
  const shown = useRef({ path, stage });
  // After in-app navigation, move focus to the new page so screen readers announce it. After a
  // sign-in step, only when focus was lost with the old step (a step may focus its own field).
  useEffect(() => {
    const before = shown.current;
    shown.current = { path, stage };
    const lost = document.activeElement === null || document.activeElement === document.body;
    if (before.path !== path || (before.stage !== stage && lost)) main.current?.focus();
  }, [path, stage]);
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="shell-header">
        <span className="brand">Vigil</span>
        {nav ?? <span className="tagline">Secure cloud for connected medical devices</span>}
      </header>
      <main id="main" ref={main} tabIndex={-1} className={wide ? 'shell-main shell-main-wide' : 'shell-main'}>
        {children}
      </main>
      <footer className="shell-footer">
        <StatusLine />
      </footer>
    </div>
  );
}

function Gate() {
  const { auth } = useSession();
  const path = usePath();
  const [afterSetup, setAfterSetup] = useState<string | null>(null);

  if (auth.status === 'loading') {
    return (
      <Frame stage="loading">
        <Loading what="your session" />
      </Frame>
    );
  }
  if (auth.status === 'signed-out') {
    if (path === '/setup') {
      return (
        <Frame stage="setup">
          <SetupPage
            onDone={(username) => {
              setAfterSetup(username);
              navigate('/', { replace: true });
            }}
          />
        </Frame>
      );
    }
    const message = auth.message ?? (afterSetup !== null ? `Vigil is set up. Sign in as ${afterSetup} to enrol your second factor.` : undefined);
    return (
      <Frame stage="signed-out">
        <SignInPage message={message} {...(afterSetup !== null ? { username: afterSetup } : {})} />
      </Frame>
    );
  }
  const stage = auth.session.state;
  switch (stage) {
    case 'mfa-required':
      return (
        <Frame stage={stage}>
          <MfaStepPage />
        </Frame>
      );
    case 'mfa-enrollment-required':
      return (
        <Frame stage={stage}>
          <MfaEnrollmentPage />
        </Frame>
      );
    case 'password-change-required':
      return (
        <Frame stage={stage}>
          <PasswordChangePage />
        </Frame>
      );
    case 'authenticated':
      return (
        <Frame stage={stage} nav={<Navigation />} wide>
          <IdleWarning />
          <Page path={path} />
        </Frame>
      );
  }
}

const NAV: readonly { readonly to: string; readonly label: string; readonly capability: Capability }[] = [
  { to: '/patients', label: 'Patients', capability: 'patients:read' },
  { to: '/alerts', label: 'Alerts', capability: 'clinical-alerts:read' },
  { to: '/alert-rules', label: 'Alert rules', capability: 'alert-rules:manage' },
  { to: '/devices', label: 'Devices', capability: 'devices:read' },
  { to: '/users', label: 'Users', capability: 'users:read' },
  { to: '/break-glass', label: 'Break-glass review', capability: 'break-glass:review' },
  { to: '/security/alerts', label: 'Security', capability: 'security:read' },
  { to: '/usage', label: 'Usage', capability: 'usage:read' },
  { to: '/incidents', label: 'Incidents', capability: 'incidents:read' },
];

function Navigation() {
  const { signOut } = useSession();
  const session = useSignedIn();
  const path = usePath();
  // The security pages share one entry: any /security/... path marks it current.
  const current = (to: string) => (path === to || path.startsWith(`${to}/`) || (to === '/security/alerts' && path.startsWith('/security/')) ? 'page' : undefined);
  return (
    <>
      <nav aria-label="Main" className="nav">
        <ul>
          <li>
            <Link to="/" aria-current={path === '/' ? 'page' : undefined}>
              Home
            </Link>
          </li>
          {NAV.filter((item) => can(session.roles, item.capability)).map((item) => (
            <li key={item.to}>
              <Link to={item.to} aria-current={current(item.to)}>
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="user-menu">
        <Link to="/account" aria-current={current('/account')}>
          {session.user.displayName}
        </Link>
        <button type="button" onClick={() => void signOut('You signed out.')}>
          Sign out
        </button>
      </div>
    </>
  );
}

/** The page for a path. Unknown paths are "Not found"; `/denied` is the plain denied page. */
function Page({ path }: { readonly path: string }) {
  if (path === '/' || path === '/setup') return <HomePage />;
  if (path === '/account') return <AccountPage />;
  if (path === '/users') return <UsersPage />;
  if (path === '/patients') return <PatientsPage />;
  if (path === '/devices') return <DevicesPage />;
  if (path === '/break-glass') return <BreakGlassPage />;
  if (path === '/alerts') return <AlertsPage />;
  if (path === '/alert-rules') return <AlertRulesPage />;
  if (path === '/security/alerts') return <SecurityAlertsPage />;
  if (path === '/security/events') return <SecurityEventsPage />;
  if (path === '/security/delivery') return <DeliveryPage />;
  if (path === '/usage') return <UsagePage />;
  if (path === '/denied') return <DeniedPage />;
  if (path === '/incidents') return <IncidentsPage />;
  let params = matchPath('/users/:id', path);
  if (params?.['id'] !== undefined) return <UserPage key={params['id']} userId={params['id']} />;
  params = matchPath('/patients/:id', path);
  if (params?.['id'] !== undefined) return <PatientPage key={params['id']} patientId={params['id']} />;
  params = matchPath('/patients/:id/disclosures', path);
  if (params?.['id'] !== undefined) return <DisclosuresPage key={params['id']} patientId={params['id']} />;
  params = matchPath('/security/alerts/:id', path);
  if (params?.['id'] !== undefined) return <SecurityAlertPage key={params['id']} alertId={params['id']} />;
  params = matchPath('/incidents/:id', path);
  if (params?.['id'] !== undefined) return <IncidentPage key={params['id']} incidentId={params['id']} />;
  params = matchPath('/devices/:id', path);
  if (params?.['id'] !== undefined) return <DevicePage key={params['id']} deviceId={params['id']} />;
  return <NotFoundPage />;
}
