/**
 * The app shell: the session gate (sign-in and its steps come before anything else), the header
 * with role-aware navigation, the page for the current path, and the server status line.
 *
 * The gate follows the server's session state: `mfa-required` shows the second-factor step,
 * `mfa-enrollment-required` the MFA enrolment, `password-change-required` the forced password
 * change; only `authenticated` reaches the pages. Navigation hides what a role can't use, but the
 * server decides every request, and a refusal shows the "Access denied" page.
 */
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Outlet, RouterProvider } from 'react-router';
import { can } from './capabilities';
import { Loading } from './components/feedback';
import { IdleWarning } from './idle-warning';
import { MfaEnrollmentPage } from './pages/mfa-enrollment-page';
import { MfaStepPage } from './pages/mfa-step-page';
import { PasswordChangePage } from './pages/password-change-page';
import { SetupPage } from './pages/setup-page';
import { SignInPage } from './pages/sign-in-page';
import { createConsoleRouter, Link, navigate, usePath } from './router';
import { ROUTES } from './routes';
import { SessionProvider, useSession, useSignedIn } from './session';
import { StatusLine } from './status-line';

export function App() {
  // One router: the session gate is the root, the pages of ROUTES render in its outlet.
  const router = useMemo(
    () =>
      createConsoleRouter([
        {
          path: '/',
          element: (
            <SessionProvider>
              <Gate />
            </SessionProvider>
          ),
          children: ROUTES.map((route) => (route.path === '/' ? { index: true, element: route.element } : { path: route.path, element: route.element })),
        },
      ]),
    [],
  );
  return <RouterProvider router={router} />;
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
          <Outlet />
        </Frame>
      );
  }
}

function Navigation() {
  const { signOut } = useSession();
  const session = useSignedIn();
  const path = usePath();
  // An entry is current on its path, below it, and on its navPrefix (every /security/... page).
  const current = (to: string, prefix?: string) => (path === to || path.startsWith(`${to}/`) || (prefix !== undefined && path.startsWith(prefix)) ? 'page' : undefined);
  return (
    <>
      <nav aria-label="Main" className="nav">
        <ul>
          <li>
            <Link to="/" aria-current={path === '/' ? 'page' : undefined}>
              Home
            </Link>
          </li>
          {ROUTES.flatMap((route) => (route.nav !== undefined && can(session.roles, route.nav.capability) ? [{ ...route, nav: route.nav }] : [])).map((route) => (
            <li key={route.path}>
              <Link to={route.path} aria-current={current(route.path, route.navPrefix)}>
                {route.nav.label}
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
