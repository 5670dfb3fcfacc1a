/**
 * Key ids: `<purpose prefix>-<16 hex>`, e.g. `kek-3f9a0c1b2d4e5f60`.
 *
 * MUST: an id never contains '.', the separator of sealed values that name their KEK.
 * Ids are random, not secret; they name a key in sealed values, signatures and the audit log.
 */
import { randomBytes } from 'node:crypto';
import type { KeyPurpose } from './ports.js';

const PREFIX: Readonly<Record<KeyPurpose, string>> = {
  kek: 'kek',
  'audit-signing': 'audit',
  'ca-root': 'ca',
  'tls-server': 'tls',
  'ca-device': 'devca',
  'tuf-timestamp': 'tuftime',
  'tuf-snapshot': 'tufsnap',
  'tuf-targets': 'tuftarg',
  'tuf-delegation': 'tufdeleg',
};

const KEY_ID = /^(kek|audit|ca|tls|devca|tuftime|tufsnap|tuftarg|tufdeleg)-[0-9a-f]{16}$/;

export function newKeyId(purpose: KeyPurpose): string {
  return `${PREFIX[purpose]}-${randomBytes(8).toString('hex')}`;
}

export function isKeyId(value: string): boolean {
  return KEY_ID.test(value);
}

/** True when `id` has the prefix of `purpose` (a cheap consistency check of stored entries). */
export function keyIdMatchesPurpose(id: string, purpose: KeyPurpose): boolean {
  return isKeyId(id) && id.startsWith(`${PREFIX[purpose]}-`);
}
