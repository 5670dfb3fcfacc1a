/**
 * A small history-based router: the path is the state, `navigate()` pushes it, and the browser's
 * back and forward buttons work. The server answers every console path with index.html.
 *
 * MUST: only same-origin, absolute paths are navigated to (a `next=` parameter can't send the
 *       user to another site).
 */
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react';

const CHANGE = 'vigil:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(CHANGE, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(CHANGE, onChange);
  };
}

const currentPath = () => window.location.pathname;

/** The current path (without query string); re-renders on navigation. */
export function usePath(): string {
  return useSyncExternalStore(subscribe, currentPath);
}

/** A same-origin path that is safe to navigate to, or '/' for anything else. */
export function safePath(path: string | null | undefined): string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//') || path.includes('\\')) return '/';
  return path;
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  const target = safePath(path);
  if (target === window.location.pathname + window.location.search) return;
  if (options.replace === true) window.history.replaceState(null, '', target);
  else window.history.pushState(null, '', target);
  window.dispatchEvent(new Event(CHANGE));
  window.scrollTo(0, 0);
}

/**
 * Matches a pattern such as `/patients/:id` against a path; returns the decoded parameters, or
 * null when it does not match.
 */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    const w = want[i] ?? '';
    const h = have[i] ?? '';
    if (w.startsWith(':')) {
      try {
        params[w.slice(1)] = decodeURIComponent(h);
      } catch {
        return null;
      }
    } else if (w !== h) return null;
  }
  return params;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string; children: ReactNode };

/** An ordinary link (it opens in a new tab with a modifier key) that navigates in place otherwise. */
export function Link({ to, children, onClick, ...rest }: LinkProps) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={safePath(to)} onClick={handle} {...rest}>
      {children}
    </a>
  );
}
