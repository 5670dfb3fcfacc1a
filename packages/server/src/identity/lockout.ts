/**
 * Per-account lockout with growing back-off (pure). After `threshold` consecutive failures the
 * account locks for `baseSeconds`; each further lock doubles, up to `maxSeconds`. A success resets
 * both the failure count and the lock level.
 * HIPAA §164.308(a)(5)(ii)(C) (log-in monitoring); NIST SP 800-63B §5.2.2 (rate limiting).
 *
 * MUST: while locked, even the right password is refused, with the same answer as a wrong one.
 */
export interface LockoutPolicy {
  readonly threshold: number;
  readonly baseSeconds: number;
  readonly maxSeconds: number;
}

export interface LockoutState {
  readonly failedCount: number;
  readonly lockLevel: number;
  readonly lockedUntil: string | null;
}

export function isLocked(state: LockoutState, now: Date): boolean {
  return state.lockedUntil !== null && Date.parse(state.lockedUntil) > now.getTime();
}

/** The state after one more failure. */
export function afterFailure(policy: LockoutPolicy, state: LockoutState, now: Date): LockoutState {
  const failedCount = state.failedCount + 1;
  if (failedCount < policy.threshold) return { ...state, failedCount };
  const seconds = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** state.lockLevel);
  return { failedCount: 0, lockLevel: state.lockLevel + 1, lockedUntil: new Date(now.getTime() + seconds * 1000).toISOString() };
}

export const UNLOCKED: LockoutState = { failedCount: 0, lockLevel: 0, lockedUntil: null };
