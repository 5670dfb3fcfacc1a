/**
 * The app shell: the session gate (sign-in and its steps come before anything else), the header
 * with role-aware navigation, the page for the current path, and the server status line.
 *
 * The gate follows the server's session state: `mfa-required` shows the second-factor step,
 * `mfa-enrollment-required` the MFA enrolment, `password-change-required` the forced password
 * change; only `authenticated` reaches the pages. Navigation hides what a role can't use, but the
 * server decides every request, and a refusal shows the "Access denied" page.
 */
import { lazy, Suspense, useMemo, useState } from 'react';
import { Outlet, RouterProvider } from 'react-router';
import { Loading } from './components/feedback';
import { IdleWarning } from './idle-warning';
import { SignInPage } from './pages/sign-in-page';
import { createConsoleRouter, navigate, usePath } from './router';
import { ROUTES } from './routes';
import { SessionProvider, useSession } from './session';
import { Frame } from './shell';

// The sign-in steps after the password (and first-time setup) load on use: a signed-in user's
// first screen does not parse them (nor the WebAuthn library of MFA enrolment).
const MfaEnrollmentPage = lazy(() => import('./pages/mfa-enrollment-page').then((m) => ({ default: m.MfaEnrollmentPage })));
const MfaStepPage = lazy(() => import('./pages/mfa-step-page').then((m) => ({ default: m.MfaStepPage })));
const PasswordChangePage = lazy(() => import('./pages/password-change-page').then((m) => ({ default: m.PasswordChangePage })));
const SetupPage = lazy(() => import('./pages/setup-page').then((m) => ({ default: m.SetupPage })));

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
          <Suspense fallback={<Loading what="first-time setup" />}>
            <SetupPage
              onDone={(username) => {
                setAfterSetup(username);
                navigate('/', { replace: true });
              }}
            />
          </Suspense>
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
          <Suspense fallback={<Loading what="the next step" />}>
            <MfaStepPage />
          </Suspense>
        </Frame>
      );
    case 'mfa-enrollment-required':
      return (
        <Frame stage={stage}>
          <Suspense fallback={<Loading what="the next step" />}>
            <MfaEnrollmentPage />
          </Suspense>
        </Frame>
      );
    case 'password-change-required':
      return (
        <Frame stage={stage}>
          <Suspense fallback={<Loading what="the next step" />}>
            <PasswordChangePage />
          </Suspense>
        </Frame>
      );
    case 'authenticated':
      return (
        <Frame stage={stage} signedIn>
          <IdleWarning />
          {/* Pages are loaded on first use (routes.tsx). */}
          <Suspense fallback={<Loading what="the page" />}>
            <Outlet />
          </Suspense>
        </Frame>
      );
  }
}
