/**
 * HIPAA automatic logoff (§164.312(a)(2)(iii)), made humane: a warning shortly before the idle
 * timeout, with a countdown and "Stay signed in" (POST /api/v1/auth/session/touch).
 *
 * MUST: the server's idle timeout is the authority. Before warning, the console re-reads the
 *       session (GET does not extend it): other requests may already have extended it.
 * MUST: when the countdown ends, the console signs out and says why.
 */
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { ErrorNotice } from './components/feedback';
import { useAction } from './components/use-action';
import { useSession, useSignedIn } from './session';

export const WARN_BEFORE_MS = 2 * 60_000;

// The dialog (Mantine's Modal, its focus trap and transitions) loads when first needed: no first
// screen shows it, and its code is not parsed before the ward board's first render (issue 16).
const Dialog = lazy(() => import('./components/dialog').then((m) => ({ default: m.Dialog })));
const TICK_MS = 1000;

function formatCountdown(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

export function IdleWarning() {
  const { api, apply, signOut } = useSession();
  const session = useSignedIn();
  const idleExpiresAt = Date.parse(session.idleExpiresAt);
  const absoluteExpiresAt = Date.parse(session.absoluteExpiresAt);
  const expiresAt = Math.min(idleExpiresAt, Number.isFinite(absoluteExpiresAt) ? absoluteExpiresAt : idleExpiresAt);
  const [remaining, setRemaining] = useState(() => expiresAt - api.serverNow());
  const [checked, setChecked] = useState<number | null>(null);
  const action = useAction();

  useEffect(() => {
    const tick = () => setRemaining(expiresAt - api.serverNow());
    tick();
    const timer = window.setInterval(tick, TICK_MS);
    return () => window.clearInterval(timer);
  }, [api, expiresAt]);

  const warning = remaining <= WARN_BEFORE_MS;
  // Once shown, the dialog stays mounted (closed), so that Mantine returns focus when it closes.
  const [shown, setShown] = useState(false);
  if (warning && remaining > 0 && !shown) setShown(true);

  // Entering the warning window: re-read the session once, in case other requests extended it.
  useEffect(() => {
    if (!warning || remaining <= 0 || checked === expiresAt) return;
    setChecked(expiresAt);
    api.session().then(
      (fresh) => {
        if (fresh.idleExpiresAt !== session.idleExpiresAt) apply(fresh);
      },
      () => {
        // A 401 here is handled by the client (session ended); other failures leave the countdown running.
      },
    );
  }, [warning, remaining, checked, expiresAt, api, apply, session.idleExpiresAt]);

  const signingOut = useRef(false);
  useEffect(() => {
    if (remaining > 0 || signingOut.current) return;
    signingOut.current = true;
    void signOut('You were signed out after a period of inactivity.');
  }, [remaining, signOut]);

  const absoluteSoon = Number.isFinite(absoluteExpiresAt) && absoluteExpiresAt <= idleExpiresAt;

  const stay = async () => {
    const fresh = await action.run(() => api.touch());
    if (fresh !== undefined) apply(fresh);
  };

  if (!shown) return null;
  return (
    <Suspense fallback={null}>
      <Dialog
        open={warning && remaining > 0}
        title="Are you still there?"
        onClose={() => void stay()}
        alert
        actions={
          <>
            {!absoluteSoon && (
              <button type="button" className="primary" disabled={action.busy} onClick={() => void stay()}>
                Stay signed in
              </button>
            )}
            <button type="button" onClick={() => void signOut()}>
              Sign out now
            </button>
          </>
        }
      >
        <p>
          {absoluteSoon ? 'Your session reaches its maximum length' : 'For security, you will be signed out for inactivity'} in{' '}
          <strong className="countdown" aria-live="off">
            {formatCountdown(remaining)}
          </strong>
          .
        </p>
        <ErrorNotice error={action.error} />
      </Dialog>
    </Suspense>
  );
}
