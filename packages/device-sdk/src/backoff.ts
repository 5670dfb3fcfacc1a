/**
 * Reconnect back-off: exponential, bounded, with full jitter (delay drawn uniformly in
 * [0, min(max, initial * 2^attempt)]), so that a fleet cut off at once does not reconnect at
 * once (the thundering herd that full jitter spreads out; AWS Architecture Blog, "Exponential
 * Backoff And Jitter").
 *
 * MUST: every delay is within [minMs, maxMs]: never a tight loop, never an unbounded wait.
 */
export interface BackoffPolicy {
  /** The ceiling of the first retry's delay. */
  readonly initialMs: number;
  /** The ceiling of every delay. */
  readonly maxMs: number;
  /** The floor of every delay (protects the server from a tight reconnect loop). */
  readonly minMs?: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 60_000, minMs: 100 };

/** The delay before reconnect attempt `attempt` (0 for the first retry). `random` returns [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const minMs = Math.min(policy.minMs ?? 0, policy.maxMs);
  // 2^31 overflows nothing in float math, but capping the exponent keeps the arithmetic obvious.
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(attempt, 0), 31));
  return Math.max(minMs, Math.floor(random() * ceiling));
}
