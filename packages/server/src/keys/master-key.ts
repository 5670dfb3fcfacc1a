/**
 * The master key: 32 random bytes that seal every key in the local key store.
 * It comes from VIGIL_MASTER_KEY (the caller passes the string in) or from `<dataDir>/master.key`.
 *
 * MUST: accept exactly 32 bytes, spelt as 64 hex characters or as base64/base64url (padded or
 *       not); anything else is refused with KEYS_MASTER_KEY_INVALID.
 * MUST: never put the key, or any part of it, into an error, a log line or a detail text.
 * MUST: the key file is written 0600 and never read when group or others may access it
 *       (see private-file.ts).
 */
import { randomBytes } from 'node:crypto';
import { AppError } from '../kernel/index.js';

export const MASTER_KEY_BYTES = 32;

const HEX = /^[0-9a-fA-F]{64}$/;
// 32 bytes are 43 base64 characters (the last one carrying 2 unused bits) plus one '='.
const BASE64 = /^[A-Za-z0-9+/]{43}=?$/;
const BASE64URL = /^[A-Za-z0-9_-]{43}=?$/;

const EXPECTED = 'must be 32 bytes, written as base64, base64url or 64 hex characters';

/**
 * Parses a master key. `source` names where it came from ("VIGIL_MASTER_KEY", a file path)
 * for the operator; the value itself is never echoed.
 */
export function parseMasterKey(text: string, source = 'VIGIL_MASTER_KEY'): Buffer {
  const value = text.trim();
  let key: Buffer | undefined;
  if (HEX.test(value)) {
    key = Buffer.from(value, 'hex');
  } else if (BASE64.test(value) || BASE64URL.test(value)) {
    const unpadded = value.replace(/=$/, '');
    const bytes = Buffer.from(unpadded, BASE64.test(value) ? 'base64' : 'base64url');
    const canonical = BASE64.test(value) ? bytes.toString('base64').replace(/=$/, '') : bytes.toString('base64url');
    if (canonical === unpadded) key = bytes;
  }
  if (key?.length !== MASTER_KEY_BYTES) {
    throw new AppError('KEYS_MASTER_KEY_INVALID', { detail: `${source} ${EXPECTED}` });
  }
  return key;
}

/** A fresh master key from the CSPRNG. */
export function generateMasterKey(): Buffer {
  return randomBytes(MASTER_KEY_BYTES);
}

/** The text form written to the key file and printed by `vigil keys generate-master-key`. */
export function formatMasterKey(key: Uint8Array): string {
  if (key.length !== MASTER_KEY_BYTES) throw new TypeError('a master key is 32 bytes');
  return Buffer.from(key).toString('base64url');
}

/** A new master key in its text form, for an operator to put into VIGIL_MASTER_KEY. */
export function newMasterKeyText(): string {
  const key = generateMasterKey();
  try {
    return formatMasterKey(key);
  } finally {
    key.fill(0);
  }
}
