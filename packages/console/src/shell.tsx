/**
 * The console's frame on Mantine: a header (brand, the signed-in user, Sign out), the main
 * navigation (a sidebar from 62em up; a burger that opens a drawer below it), the page, and the
 * server status line.
 *
 * Mantine's AppShell is not used: it writes its layout in a <style> element, which the server's
 * CSP refuses (ADR 0009). The layout is a CSS grid in styles.css (`.shell`).
 *
 * MUST: Sign out is in the header at every width (390 px included), never only in a menu.
 * MUST: one <nav aria-label="Main"> is in the accessibility tree at a time (the sidebar, or the
 *       open drawer), and the current page's entry carries aria-current="page".
 * MUST: after in-app navigation, focus moves to <main> so screen readers announce the page.
 */
import { Burger, Button, NavLink, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { lazy, Suspense, useEffect, useRef, useState, type ReactNode } from 'react';
import { can } from './capabilities';
import { Link, usePath } from './router';
import { ROUTES } from './routes';
import { useSession, useSignedIn } from './session';
import { StatusLine } from './status-line';

// Loaded when the burger is first pressed (shell-drawer.tsx).
const NavigationDrawer = lazy(() => import('./shell-drawer').then((m) => ({ default: m.NavigationDrawer })));

export function Frame({ children, signedIn = false, stage }: { readonly children: ReactNode; readonly signedIn?: boolean; readonly stage: string }) {
  const path = usePath();
  const main = useRef<HTMLElement>(null);
  const shown = useRef({ path, stage });
  const [drawer, { toggle, close }] = useDisclosure(false);
  // Once opened, the drawer stays mounted (closed), so that Mantine returns focus to the burger.
  const [drawerUsed, setDrawerUsed] = useState(false);
  if (drawer && !drawerUsed) setDrawerUsed(true);
  // After in-app navigation, move focus to the new page so screen readers announce it. After a
  // sign-in step, only when focus was lost with the old step (a step may focus its own field).
  useEffect(() => {
    const before = shown.current;
    shown.current = { path, stage };
    const lost = document.activeElement === null || document.activeElement === document.body;
    // Not when the session check ends ('loading' has no focus to lose): focusing forces a layout
    // of the whole page before the first screen is drawn (issue 16), and a fresh load starts at the top.
    if (before.path !== path || (before.stage !== stage && before.stage !== 'loading' && lost)) main.current?.focus();
    close();
  }, [path, stage, close]);
  return (
    <div className={signedIn ? 'shell shell-signed-in' : 'shell'}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="shell-header">
        {signedIn && <Burger opened={drawer} onClick={toggle} hiddenFrom="md" size="sm" aria-label={drawer ? 'Close navigation' : 'Open navigation'} aria-expanded={drawer} />}
        <span className="brand">Vigil</span>
        {signedIn ? <UserMenu /> : <span className="tagline">Secure cloud for connected medical devices</span>}
      </header>
      {signedIn && (
        <>
          <aside className="shell-sidebar mantine-visible-from-md">
            <Navigation />
          </aside>
          {drawerUsed && (
            <Suspense fallback={null}>
              <NavigationDrawer opened={drawer} onClose={close}>
                <Navigation />
              </NavigationDrawer>
            </Suspense>
          )}
        </>
      )}
      <main id="main" ref={main} tabIndex={-1} className={signedIn ? 'shell-main shell-main-wide' : 'shell-main'}>
        {children}
      </main>
      <footer className="shell-footer">
        <StatusLine />
      </footer>
    </div>
  );
}

function UserMenu() {
  const { signOut } = useSession();
  const session = useSignedIn();
  const path = usePath();
  return (
    <div className="user-menu">
      <Link to="/account" className="user-name" aria-current={path === '/account' ? 'page' : undefined}>
        {session.user.displayName}
      </Link>
      <Button variant="default" size="xs" onClick={() => void signOut('You signed out.')}>
        Sign out
      </Button>
    </div>
  );
}

function Navigation() {
  const session = useSignedIn();
  const path = usePath();
  // An entry is current on its path, below it, and on its navPrefix (every /security/... page).
  const current = (to: string, prefix?: string) => path === to || path.startsWith(`${to}/`) || (prefix !== undefined && path.startsWith(prefix));
  const entries = ROUTES.flatMap((route) => (route.nav !== undefined && can(session.roles, route.nav.capability) ? [{ path: route.path, label: route.nav.label, active: current(route.path, route.navPrefix) }] : []));
  return (
    <nav aria-label="Main" className="nav">
      <NavLink component={Link} to="/" label="Home" active={path === '/'} aria-current={path === '/' ? 'page' : undefined} />
      {entries.map((entry) => (
        <NavLink key={entry.path} component={Link} to={entry.path} label={entry.label} active={entry.active} aria-current={entry.active ? 'page' : undefined} />
      ))}
      <Text size="xs" c="dimmed" mt="md" px="sm" className="nav-footnote">
        Signed in as {session.user.username}
      </Text>
    </nav>
  );
}
