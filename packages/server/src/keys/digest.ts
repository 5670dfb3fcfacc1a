/**
 * SHA-256 (FIPS 180-4) digests of messages, for proofs of what was sent (incident notices).
 * MUST: hex, lower case; text is hashed as UTF-8, bytes as they are.
 */
import { createHash } from 'node:crypto';

export function sha256Hex(text: string | Uint8Array): string {
  return typeof text === 'string' ? createHash('sha256').update(text, 'utf8').digest('hex') : createHash('sha256').update(text).digest('hex');
}
