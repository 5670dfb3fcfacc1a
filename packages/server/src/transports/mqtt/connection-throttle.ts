/**
 * Connection rate limits at the TLS edge, per device certificate and per source address, with
 * exponential back-off (issue 11 item 5: one device with a valid certificate reconnecting in a
 * tight loop made 123 connections a second and filled the disk with security events).
 *
 * Each key has a token bucket (`perMinute` sustained, `burst` at most). A connection that finds
 * the bucket empty is refused and starts a block: 60/perMinute seconds, doubled at each further
 * block (a "strike") up to `backoffMaxSeconds`. During a block every connection of the key is
 * refused at once, before a byte of MQTT is read. Strikes are forgiven after a quiet period as
 * long as the longest block.
 *
 * MUST: O(1) per connection and bounded memory (at most `maxKeys` keys, least recently used evicted).
 * MUST: only the first refusal of each block is reported (`report: true`), so that a loop of
 *       refused connections yields one security event per block, not one per attempt.
 */
export interface ThrottleLimits {
  readonly perMinute: number;
  readonly burst: number;
  readonly backoffMaxSeconds: number;
}

export type ThrottleDecision =
  | { readonly ok: true }
  | { readonly ok: false; readonly retryAfterMs: number; readonly strikes: number; readonly report: boolean };

interface KeyState {
  tokens: number;
  last: number;
  strikes: number;
  blockedUntil: number;
  lastRefusal: number;
}

export class ConnectionThrottle {
  readonly #keys = new Map<string, KeyState>();
  /** Connections refused by this throttle, since start. */
  refused = 0;

  constructor(
    private readonly limits: ThrottleLimits,
    private readonly maxKeys = 100_000,
  ) {}

  check(key: string, now: number): ThrottleDecision {
    const { perMinute, burst, backoffMaxSeconds } = this.limits;
    const maxBlockMs = backoffMaxSeconds * 1000;
    let state = this.#keys.get(key);
    if (state === undefined) {
      state = { tokens: burst, last: now, strikes: 0, blockedUntil: 0, lastRefusal: 0 };
      if (this.#keys.size >= this.maxKeys) {
        const oldest = this.#keys.keys().next().value;
        if (oldest !== undefined) this.#keys.delete(oldest);
      }
    } else {
      this.#keys.delete(key); // re-inserted below: Map order is recency order
    }
    this.#keys.set(key, state);
    if (now < state.blockedUntil) {
      this.refused += 1;
      state.lastRefusal = now;
      return { ok: false, retryAfterMs: state.blockedUntil - now, strikes: state.strikes, report: false };
    }
    state.tokens = Math.min(burst, state.tokens + (Math.max(0, now - state.last) / 60_000) * perMinute);
    state.last = Math.max(now, state.last);
    if (state.strikes > 0 && now - state.lastRefusal > maxBlockMs) state.strikes = 0;
    if (state.tokens >= 1) {
      state.tokens -= 1;
      return { ok: true };
    }
    state.strikes += 1;
    const blockMs = Math.min(maxBlockMs, (60_000 / perMinute) * 2 ** (state.strikes - 1));
    state.blockedUntil = now + blockMs;
    state.lastRefusal = now;
    // Nothing refills during a block; at its end exactly one connection is allowed, so a loop that
    // ignores the refusals gets one connection per block.
    state.tokens = 1;
    state.last = state.blockedUntil;
    this.refused += 1;
    return { ok: false, retryAfterMs: blockMs, strikes: state.strikes, report: true };
  }

  get size(): number {
    return this.#keys.size;
  }
}
