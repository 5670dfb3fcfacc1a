/**
 * Navigation on react-router (a data router: `createBrowserRouter`), behind the few names the
 * pages use: `Link`, `navigate`, `usePath`, `safePath`. The route table is `routes.tsx`.
 *
 * MUST: only same-origin, absolute paths are navigated to (a `next=` parameter can't send the
 *       user to another site): `Link` and `navigate` pass every target through `safePath`.
 */
import type { AnchorHTMLAttributes, ReactNode } from 'react';
import { createBrowserRouter, Link as RouterLink, useLocation, type RouteObject } from 'react-router';

/** A same-origin path that is safe to navigate to, or '/' for anything else. */
export function safePath(path: string | null | undefined): string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//') || path.includes('\\')) return '/';
  return path;
}

type ConsoleRouter = ReturnType<typeof createBrowserRouter>;
let current: ConsoleRouter | null = null;

/** The console's one router (made once by the app). */
export function createConsoleRouter(routes: RouteObject[]): ConsoleRouter {
  current = createBrowserRouter(routes);
  return current;
}

/** Navigates from an event handler (outside render), e.g. after a form was saved. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  const target = safePath(path);
  if (current === null || target === window.location.pathname + window.location.search) return;
  void current.navigate(target, { replace: options.replace === true });
  window.scrollTo(0, 0);
}

/** The current path (without query string); re-renders on navigation. */
export function usePath(): string {
  return useLocation().pathname;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string; children: ReactNode };

/** An ordinary link (it opens in a new tab with a modifier key) that navigates in place otherwise. */
export function Link({ to, children, ...rest }: LinkProps) {
  return (
    <RouterLink to={safePath(to)} {...rest}>
      {children}
    </RouterLink>
  );
}
