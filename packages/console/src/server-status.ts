/**
 * Reads the server's liveness (/healthz) and readiness (/readyz) probes.
 * Both are public and same-origin; answers are never cached.
 */
export type ProbeState = 'checking' | 'up' | 'down' | 'unreachable';

export interface ServerStatus {
  readonly live: ProbeState;
  readonly ready: ProbeState;
  /** Names of the readiness checks and whether each passed, when the server is ready. */
  readonly checks: Readonly<Record<string, boolean>>;
  readonly checkedAt: Date | null;
}

export const INITIAL_STATUS: ServerStatus = { live: 'checking', ready: 'checking', checks: {}, checkedAt: null };

async function probe(path: string, signal: AbortSignal): Promise<{ state: ProbeState; body: unknown }> {
  try {
    const response = await fetch(path, { signal, cache: 'no-store', headers: { accept: 'application/json' } });
    const body: unknown = await response.json().catch(() => null);
    return { state: response.ok ? 'up' : 'down', body };
  } catch (error) {
    if (signal.aborted) throw error;
    return { state: 'unreachable', body: null };
  }
}

function readChecks(body: unknown): Record<string, boolean> {
  if (typeof body !== 'object' || body === null || !('checks' in body)) return {};
  const checks: unknown = body.checks;
  if (typeof checks !== 'object' || checks === null) return {};
  return Object.fromEntries(Object.entries(checks).filter((entry): entry is [string, boolean] => typeof entry[1] === 'boolean'));
}

export async function fetchServerStatus(signal: AbortSignal): Promise<ServerStatus> {
  const [live, ready] = await Promise.all([probe('/healthz', signal), probe('/readyz', signal)]);
  return { live: live.state, ready: ready.state, checks: readChecks(ready.body), checkedAt: new Date() };
}
