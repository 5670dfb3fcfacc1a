/**
 * Keyed hashes (HMAC-SHA-256, RFC 2104 / FIPS 198-1) for blind indexes and fingerprints: a
 * deterministic, non-reversible token of a sensitive value that can be looked up and compared
 * (e.g. a patient's MRN, unique within an organization) without storing the value itself.
 *
 * MUST: each domain has its own key (HKDF from the key store's keyed-hash root, RFC 5869 §3.2),
 *       so a token of one domain says nothing about another, and the key never leaves keys/.
 * MUST: the value is framed (domain-free length prefix per part), so ["ab","c"] and ["a","bc"]
 *       give different tokens.
 * MUST: a token is stable for the life of the key store: KEK rotation does not change it (a blind
 *       index must not), and `verify` compares in constant time.
 */
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { AppError } from '../kernel/index.js';
import type { KeyedHasher } from './ports.js';

/** Lower-case dotted words: 'patients.mrn', 'patients.break_glass_reason'. */
export const KEYED_HASH_DOMAIN_RE = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*){1,4}$/;

export function createKeyedHasher(domain: string, key: KeyObject): KeyedHasher {
  if (!KEYED_HASH_DOMAIN_RE.test(domain)) {
    throw new AppError('INTERNAL', { detail: `keyed hash domain ${JSON.stringify(domain)} is not a coded name` });
  }
  const digest = (parts: readonly string[]): Buffer => {
    const mac = createHmac('sha256', key);
    for (const part of parts) {
      const bytes = Buffer.from(part, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      mac.update(length).update(bytes);
    }
    return mac.digest();
  };
  return {
    domain,
    hash: (...parts) => digest(parts).toString('hex'),
    verify: (token, ...parts) => {
      const expected = digest(parts);
      const given = /^[0-9a-f]{64}$/.test(token) ? Buffer.from(token, 'hex') : Buffer.alloc(0);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
