/**
 * Message authentication with a shared secret (HMAC-SHA-256, RFC 2104 / FIPS 198-1), for peers
 * outside Vigil that hold the same secret: a webhook receiver checks `X-Vigil-Signature` with it.
 * Unlike keyed-hash.ts (domain-derived keys, framed parts, for blind indexes), the key here IS the
 * shared secret and the message is the raw bytes, so any standard HMAC library can verify it.
 *
 * MUST: the algorithm is pinned (SHA-256); verification compares in constant time.
 * MUST: the secret stays inside the returned object (never logged, never returned).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface MessageMac {
  /** Lower-case hex HMAC-SHA-256 of the message. */
  sign(message: string | Uint8Array): string;
  /** Constant-time check of a hex tag against the message. */
  verify(message: string | Uint8Array, tagHex: string): boolean;
}

export function createMessageMac(secret: string | Uint8Array): MessageMac {
  const key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  const sign = (message: string | Uint8Array): Buffer => createHmac('sha256', key).update(message).digest();
  return {
    sign: (message) => sign(message).toString('hex'),
    verify: (message, tagHex) => {
      const expected = sign(message);
      const given = /^[0-9a-f]{64}$/i.test(tagHex) ? Buffer.from(tagHex, 'hex') : Buffer.alloc(0);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

/**
 * A check of a presented bearer secret against a configured one (e.g. the metrics token) that
 * keeps only the SHA-256 of the configured secret and compares digests in constant time, so
 * neither the length nor a prefix of the secret leaks through timing.
 */
export function secretDigestMatcher(configured: string): (presented: string) => boolean {
  const expected = createHash('sha256').update(configured, 'utf8').digest();
  return (presented) => timingSafeEqual(createHash('sha256').update(presented, 'utf8').digest(), expected);
}
