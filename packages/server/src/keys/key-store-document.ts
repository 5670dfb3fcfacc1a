/**
 * The on-disk format of the local key store, `<dataDir>/keys/keystore.json`.
 *
 * {
 *   "format": "vigil-keystore", "version": 1,
 *   "salt": b64url(32),          HKDF salt for the barrier keys (store-barrier.ts)
 *   "verifier": b64url(32),      proves the master key before anything is decrypted
 *   "keys": [{ id, purpose, algorithm, createdAt, status, retiredAt?, publicKeyPem?, sealed }],
 *   "mac": b64url(32)            HMAC-SHA-256 over `canonicalKeyStore(doc)`
 * }
 *
 * MUST: parsing is an allowlist: an unknown field, a wrong type, a duplicate id or a purpose
 *       with other than exactly one active key is KEYS_STORE_CORRUPT.
 * MUST: the MAC input is a fixed-order encoding built here, not the file's own text, so that
 *       reformatting the file cannot change it and no field escapes it.
 */
import { AppError } from '../kernel/index.js';
import { ALGORITHM_OF } from './key-material.js';
import { keyIdMatchesPurpose } from './key-id.js';
import type { KeyInfo, KeyPurpose } from './ports.js';
import { decodeBase64Url } from './strict-base64url.js';

export const KEY_STORE_FORMAT = 'vigil-keystore';
export const KEY_STORE_VERSION = 1;

/** Purposes a store may hold. */
export const KEY_PURPOSES: readonly KeyPurpose[] = ['kek', 'audit-signing', 'ca-root', 'tls-server', 'ca-device', 'tuf-timestamp', 'tuf-snapshot', 'tuf-targets', 'tuf-delegation'];
/** Purposes `init` creates and every store must hold exactly one active key of; the others hold at most one. */
export const REQUIRED_KEY_PURPOSES: readonly KeyPurpose[] = ['kek', 'audit-signing', 'ca-root', 'tls-server'];

/** A key as the store file holds it: what KeyInfo says of it, its public half, and its sealed bytes. */
export interface StoredKey extends KeyInfo {
  readonly publicKeyPem?: string;
  /** b64url(IV || ciphertext || tag) of the key bytes under the barrier's entry key. */
  readonly sealed: string;
}

export interface KeyStoreDocument {
  readonly format: typeof KEY_STORE_FORMAT;
  readonly version: typeof KEY_STORE_VERSION;
  readonly salt: string;
  readonly verifier: string;
  readonly keys: readonly StoredKey[];
  /**
   * Only in a store re-sealed for recovery (recovery-key-store.ts): the original keyed-hash root,
   * sealed under the entry key, b64url. Absent, the root is derived from the master key.
   */
  readonly hashRoot?: string;
  readonly mac: string;
}

export function serializeKeyStore(doc: KeyStoreDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The exact bytes the MAC covers: every field but `mac`, in a fixed order. */
export function canonicalKeyStore(doc: Omit<KeyStoreDocument, 'mac'>): string {
  const fields: unknown[] = [
    doc.format,
    doc.version,
    doc.salt,
    doc.verifier,
    doc.keys.map((k) => [k.id, k.purpose, k.algorithm, k.createdAt, k.status, k.retiredAt ?? null, k.publicKeyPem ?? null, k.sealed]),
  ];
  // Appended only when present, so the MAC of every store without it is unchanged.
  if (doc.hashRoot !== undefined) fields.push(doc.hashRoot);
  return JSON.stringify(fields);
}

export function parseKeyStore(text: string, path: string): KeyStoreDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw corrupt(path, 'is not valid JSON', error);
  }
  const doc = record(value, ['format', 'version', 'salt', 'verifier', 'keys', 'mac'], ['hashRoot'], path, 'the document');
  if (doc['format'] !== KEY_STORE_FORMAT) throw corrupt(path, 'is not a Vigil key store');
  if (doc['version'] !== KEY_STORE_VERSION) throw corrupt(path, `has unsupported version ${String(doc['version'])}`);
  const salt = bytes32(doc['salt'], path, 'salt');
  const verifier = bytes32(doc['verifier'], path, 'verifier');
  const mac = bytes32(doc['mac'], path, 'mac');
  const rawKeys = doc['keys'];
  if (!Array.isArray(rawKeys)) throw corrupt(path, 'has no key list');
  const keys = rawKeys.map((entry: unknown, index) => parseStoredKey(entry, path, index));
  checkKeySet(keys, path);
  const hashRoot = doc['hashRoot'];
  if (hashRoot !== undefined && (typeof hashRoot !== 'string' || decodeBase64Url(hashRoot) === undefined)) throw corrupt(path, 'has a malformed hashRoot');
  return { format: KEY_STORE_FORMAT, version: KEY_STORE_VERSION, salt, verifier, keys, ...(hashRoot !== undefined ? { hashRoot } : {}), mac };
}

function parseStoredKey(value: unknown, path: string, index: number): StoredKey {
  const where = `key #${index}`;
  const entry = record(value, ['id', 'purpose', 'algorithm', 'createdAt', 'status', 'sealed'], ['retiredAt', 'publicKeyPem'], path, where);
  const { id, purpose, algorithm, createdAt, status, retiredAt, publicKeyPem, sealed } = entry;
  if (typeof purpose !== 'string' || !(KEY_PURPOSES as readonly string[]).includes(purpose)) throw corrupt(path, `${where} has an unknown purpose`);
  const keyPurpose = purpose as KeyPurpose;
  if (typeof id !== 'string' || !keyIdMatchesPurpose(id, keyPurpose)) throw corrupt(path, `${where} has a malformed id`);
  if (algorithm !== ALGORITHM_OF[keyPurpose]) throw corrupt(path, `${id} has the wrong algorithm for ${keyPurpose}`);
  if (!isTimestamp(createdAt)) throw corrupt(path, `${id} has a malformed createdAt`);
  if (status !== 'active' && status !== 'retired') throw corrupt(path, `${id} has a malformed status`);
  if (retiredAt !== undefined && (!isTimestamp(retiredAt) || status !== 'retired')) throw corrupt(path, `${id} has a malformed retiredAt`);
  const asymmetric = algorithm !== 'AES-256-GCM';
  if (asymmetric !== (typeof publicKeyPem === 'string')) throw corrupt(path, `${id} has a malformed publicKeyPem`);
  if (typeof sealed !== 'string' || decodeBase64Url(sealed) === undefined) throw corrupt(path, `${id} has malformed sealed bytes`);
  return {
    id,
    purpose: keyPurpose,
    algorithm: ALGORITHM_OF[keyPurpose],
    createdAt,
    status,
    ...(retiredAt !== undefined ? { retiredAt } : {}),
    ...(typeof publicKeyPem === 'string' ? { publicKeyPem } : {}),
    sealed,
  };
}

function checkKeySet(keys: readonly StoredKey[], path: string): void {
  const ids = new Set<string>();
  for (const key of keys) {
    if (ids.has(key.id)) throw corrupt(path, `lists ${key.id} twice`);
    ids.add(key.id);
  }
  for (const purpose of KEY_PURPOSES) {
    const active = keys.filter((k) => k.purpose === purpose && k.status === 'active').length;
    const required = REQUIRED_KEY_PURPOSES.includes(purpose);
    if (required ? active !== 1 : active > 1) {
      throw corrupt(path, `has ${active} active ${purpose} keys; ${required ? 'exactly' : 'at most'} one is required`);
    }
  }
}

function record(
  value: unknown,
  required: readonly string[],
  optional: readonly string[],
  path: string,
  where: string,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw corrupt(path, `${where} is not an object`);
  const fields = value as Record<string, unknown>;
  for (const name of Object.keys(fields)) {
    if (!required.includes(name) && !optional.includes(name)) throw corrupt(path, `${where} has an unknown field ${JSON.stringify(name)}`);
  }
  for (const name of required) {
    if (!Object.hasOwn(fields, name)) throw corrupt(path, `${where} has no ${name}`);
  }
  return fields;
}

function bytes32(value: unknown, path: string, name: string): string {
  if (typeof value !== 'string' || decodeBase64Url(value)?.length !== 32) throw corrupt(path, `has a malformed ${name}`);
  return value;
}

function isTimestamp(value: unknown): value is string {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/.test(value) && !Number.isNaN(Date.parse(value));
}

function corrupt(path: string, what: string, cause?: unknown): AppError {
  return new AppError('KEYS_STORE_CORRUPT', { detail: `${path} ${what}`, ...(cause !== undefined ? { cause } : {}) });
}
