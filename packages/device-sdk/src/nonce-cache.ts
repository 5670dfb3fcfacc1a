/**
 * The nonces of the commands this device accepted, kept until their command expires: after that
 * the expiry check alone refuses a replay, so the cache stays small.
 *
 * MUST: a nonce is recorded durably (atomic file replace, fsync) BEFORE its command runs, so a
 *       crash in the handler cannot open a window for a replay after restart.
 * MUST: the cache is bounded; when full of unexpired nonces it refuses new commands rather than
 *       forget a nonce that could still be replayed.
 */
import { DeviceSdkError } from './sdk-error.js';
import { readOptional, writeFileAtomic } from './state-dir.js';

export const DEFAULT_MAX_NONCES = 10_000;

export type NonceCheck = 'fresh' | 'replayed' | 'full';

export class NonceCache {
  private readonly path: string;
  private readonly maxEntries: number;
  private readonly seen: Map<string, number>;
  private writing: Promise<void> = Promise.resolve();

  private constructor(path: string, maxEntries: number, seen: Map<string, number>) {
    this.path = path;
    this.maxEntries = maxEntries;
    this.seen = seen;
  }

  static async open(path: string, maxEntries = DEFAULT_MAX_NONCES): Promise<NonceCache> {
    const text = await readOptional(path);
    const seen = new Map<string, number>();
    if (text !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new DeviceSdkError('STATE_INVALID', `${path} is not JSON`, { cause: error });
      }
      if (typeof parsed !== 'object' || parsed === null) throw new DeviceSdkError('STATE_INVALID', `${path} is not a nonce map`);
      for (const [nonce, expiresAt] of Object.entries(parsed)) if (typeof expiresAt === 'number') seen.set(nonce, expiresAt);
    }
    return new NonceCache(path, maxEntries, seen);
  }

  /**
   * Records `nonce` (valid until `expiresAtMs`) unless it was seen; durable when it resolves
   * 'fresh'. Checks are serialized, so two deliveries of one nonce cannot both be fresh.
   */
  checkAndRecord(nonce: string, expiresAtMs: number, nowMs: number): Promise<NonceCheck> {
    const result = this.writing.then(async (): Promise<NonceCheck> => {
      for (const [n, exp] of this.seen) if (exp < nowMs) this.seen.delete(n);
      if (this.seen.has(nonce)) return 'replayed';
      if (this.seen.size >= this.maxEntries) return 'full';
      this.seen.set(nonce, expiresAtMs);
      try {
        await writeFileAtomic(this.path, JSON.stringify(Object.fromEntries(this.seen)));
      } catch (error) {
        // Not durable: do not run the command (its nonce could be replayed after a restart).
        this.seen.delete(nonce);
        throw error;
      }
      return 'fresh';
    });
    this.writing = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  get size(): number {
    return this.seen.size;
  }
}
