/**
 * Reconnect back-off: exponential, bounded, with full jitter (delay drawn uniformly in
 * [0, min(max, initial * 2^attempt)]), so that a fleet cut off at once does not reconnect at
 * once (the thundering herd that full jitter spreads out; AWS Architecture Blog, "Exponential
 * Backoff And Jitter").
 *
 * MUST: every delay is within [minMs, maxMs]: never a tight loop, never an unbounded wait; after a
 *       CONNACK "server unavailable", at least serverUnavailableMinMs (and below 2x it, or maxMs).
 */
export interface BackoffPolicy {
  /** The ceiling of the first retry's delay. */
  readonly initialMs: number;
  /** The ceiling of every delay. */
  readonly maxMs: number;
  /** The floor of every delay (protects the server from a tight reconnect loop). */
  readonly minMs?: number;
  /**
   * The floor of the delay after a CONNACK "server unavailable" (MQTT 3.1.1 §3.2.2.3, return code 3):
   * Vigil answers it while its storage cannot commit, and asks devices to wait, not hammer.
   */
  readonly serverUnavailableMinMs?: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 60_000, minMs: 100, serverUnavailableMinMs: 5_000 };

/** True for mqtt.js's error on a CONNACK with return code 3 ("Server unavailable"). */
export function isServerUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 3 || (typeof message === 'string' && /server unavailable/i.test(message));
}

/** The delay before the next attempt, after a refusal; a "server unavailable" waits at least its floor. */
export function reconnectDelay(attempt: number, policy: BackoffPolicy, serverUnavailable: boolean, random: () => number = Math.random): number {
  const delay = backoffDelay(attempt, policy, random);
  if (!serverUnavailable) return delay;
  const floor = Math.min(policy.serverUnavailableMinMs ?? DEFAULT_BACKOFF.serverUnavailableMinMs ?? 0, policy.maxMs);
  // Jitter above the floor as well, so that a fleet refused at once does not return at once.
  return Math.max(delay, Math.min(policy.maxMs, floor + Math.floor(random() * floor)));
}

/** The delay before reconnect attempt `attempt` (0 for the first retry). `random` returns [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const minMs = Math.min(policy.minMs ?? 0, policy.maxMs);
  // 2^31 overflows nothing in float math, but capping the exponent keeps the arithmetic obvious.
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(attempt, 0), 31));
  return Math.max(minMs, Math.floor(random() * ceiling));
}
