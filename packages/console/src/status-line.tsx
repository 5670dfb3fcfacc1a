/** One line at the bottom of every page: is the server up, and is it ready. */
import { useEffect, useState } from 'react';
import { fetchServerStatus, INITIAL_STATUS, type ProbeState, type ServerStatus } from './server-status';

const REFRESH_MS = 15_000;
/**
 * The first check waits until the page is idle (at most this long): its two requests and their
 * handling are not on a first screen's critical path (issue 16: the ward board under 1 s).
 */
const FIRST_CHECK_WITHIN_MS = 2000;

const LABELS: Record<ProbeState, string> = {
  checking: 'checking…',
  up: 'yes',
  down: 'no',
  unreachable: 'unreachable',
};

export function StatusLine() {
  const [status, setStatus] = useState<ServerStatus>(INITIAL_STATUS);

  useEffect(() => {
    const controller = new AbortController();
    const refresh = () => {
      fetchServerStatus(controller.signal).then(setStatus, () => {
        // Aborted on unmount: nothing to update.
      });
    };
    const idle = typeof window.requestIdleCallback === 'function';
    const first = idle ? window.requestIdleCallback(refresh, { timeout: FIRST_CHECK_WITHIN_MS }) : window.setTimeout(refresh, 0);
    const timer = window.setInterval(refresh, REFRESH_MS);
    return () => {
      if (idle) window.cancelIdleCallback(first);
      else window.clearTimeout(first);
      window.clearInterval(timer);
      controller.abort();
    };
  }, []);

  const checks = Object.entries(status.checks);
  return (
    <p className="status-line" role="status" aria-live="polite">
      <span className={`probe probe-${status.live}`}>Server live: {LABELS[status.live]}</span>
      <span className={`probe probe-${status.ready}`}>Ready: {LABELS[status.ready]}</span>
      {checks.length > 0 && (
        <span className="checks">
          {checks.map(([name, ok]) => `${name} ${ok ? 'ok' : 'failing'}`).join(' · ')}
        </span>
      )}
      {status.checkedAt !== null && <span className="muted">checked {status.checkedAt.toLocaleTimeString()}</span>}
    </p>
  );
}
