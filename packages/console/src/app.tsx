/**
 * The app shell: the session gate (sign-in and its steps come before anything else), the header
 * with role-aware navigation, the page for the current path, and the server status line.
 *
 * The gate follows the server's session state: `mfa-required` shows the second-factor step,
 * `mfa-enrollment-required` the MFA enrolment, `password-change-required` the forced password
 * change; only `authenticated` reaches the pages. Navigation hides what a role can't use, but the
 * server decides every request, and a refusal shows the "Access denied" page.
 */
import { useMemo, useState } from 'react';
import { Outlet, RouterProvider } from 'react-router';
import { Loading } from './components/feedback';
import { IdleWarning } from './idle-warning';
import { MfaEnrollmentPage } from './pages/mfa-enrollment-page';
import { MfaStepPage } from './pages/mfa-step-page';
import { PasswordChangePage } from './pages/password-change-page';
import { SetupPage } from './pages/setup-page';
import { SignInPage } from './pages/sign-in-page';
import { createConsoleRouter, navigate, usePath } from './router';
import { ROUTES } from './routes';
import { SessionProvider, useSession } from './session';
import { Frame } from './shell';

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
        <Frame stage={stage} signedIn>
          <IdleWarning />
          <Outlet />
        </Frame>
      );
  }
}
