/**
 * The signed-in session, shared by every page: who is signed in, the session's state (the
 * server's login state machine), and the ways it changes (sign-in results, touch, sign-out).
 *
 * MUST: the server is the authority on the session; this only mirrors its SessionView. A 401 from
 *       any API call means the session ended there, and the console returns to sign-in.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { ApiClient, isApiError } from './api/client';
import type { AuthResult, Role, SessionView } from './api/types';

export type Auth =
  | { readonly status: 'loading' }
  | { readonly status: 'signed-out'; readonly message?: string }
  | { readonly status: 'signed-in'; readonly session: SessionView };

export interface SessionContextValue {
  readonly api: ApiClient;
  readonly auth: Auth;
  /** Takes a new SessionView (or a sign-in step's result) from the server. */
  apply(result: AuthResult | SessionView): void;
  /** Ends the session on the server (best effort) and returns to sign-in with an optional message. */
  signOut(message?: string): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

function sessionOf(result: AuthResult | SessionView): SessionView {
  if ('session' in result) return { ...result.session, state: result.state };
  return result;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const api = useMemo(() => new ApiClient(), []);
  // The session check's answer is often there before the console starts (boot.ts): then the
  // first render is the signed-in page, without a "loading" frame first (issue 16).
  const [auth, setAuth] = useState<Auth>(() => {
    const early = api.sessionNow();
    if (early === undefined) return { status: 'loading' };
    api.useSession(early);
    return { status: 'signed-in', session: early };
  });
  const known = useRef(auth.status !== 'loading');

  const apply = useCallback(
    (result: AuthResult | SessionView) => {
      const session = sessionOf(result);
      api.useSession(session);
      setAuth({ status: 'signed-in', session });
    },
    [api],
  );

  const signOut = useCallback(
    async (message?: string) => {
      try {
        await api.logout();
      } catch {
        // The session may already be gone on the server; signing out locally is what matters here.
      }
      api.useSession(null);
      setAuth(message === undefined ? { status: 'signed-out' } : { status: 'signed-out', message });
    },
    [api],
  );

  useEffect(() => {
    api.onSessionEnded = () => {
      api.useSession(null);
      setAuth({ status: 'signed-out', message: 'Your session has ended. Please sign in again.' });
    };
    let cancelled = false;
    // Already known from boot.ts's answer (above): nothing to ask.
    if (known.current)
      return () => {
        api.onSessionEnded = null;
      };
    api.session().then(
      (session) => {
        if (!cancelled) apply(session);
      },
      (error: unknown) => {
        if (cancelled) return;
        const unreachable = isApiError(error) && error.status === 0;
        setAuth(unreachable ? { status: 'signed-out', message: error.message } : { status: 'signed-out' });
      },
    );
    return () => {
      cancelled = true;
      api.onSessionEnded = null;
    };
  }, [api, apply]);

  const value = useMemo(() => ({ api, auth, apply, signOut }), [api, auth, apply, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (value === null) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The signed-in session; only for pages rendered after sign-in. */
export function useSignedIn(): SessionView & { readonly roles: readonly Role[] } {
  const { auth } = useSession();
  if (auth.status !== 'signed-in') throw new Error('useSignedIn before sign-in');
  return { ...auth.session, roles: auth.session.user.roles };
}
