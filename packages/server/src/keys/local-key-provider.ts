/**
 * The local KeyProvider: keys held in memory as KeyObjects, persisted sealed in keystore.json.
 *
 * MUST: private and secret key bytes leave this object only sealed (to keystore.json) or as the
 *       TLS server key PEM (tlsServerKey); the CA key leaves only as a non-extractable CryptoKey.
 * MUST: a rotation is persisted (atomically) before it takes effect in memory, and refuses with
 *       STORAGE_CONFLICT when another process changed the store since it was read, rather than
 *       overwrite (and so lose) a key that process created.
 * MUST: rotations run one at a time.
 * MUST: only the active KEK wraps; any KEK, active or retired, unwraps.
 */
import { createPublicKey, webcrypto } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AppError, type Clock } from '../kernel/index.js';
import { AES_256_KEY_BYTES, gcmOpen, gcmSeal } from './aes-256-gcm.js';
import { writeFileAtomic } from './atomic-file.js';
import { Ed25519Signer } from './ed25519-signer.js';
import { newKeyId } from './key-id.js';
import { exportKeyMaterial, generateKeyMaterial, type KeyMaterial } from './key-material.js';
import { canonicalKeyStore, serializeKeyStore, KEY_STORE_FORMAT, KEY_STORE_VERSION, type KeyStoreDocument, type StoredKey } from './key-store-document.js';
import type { KeyStorePaths } from './key-store-paths.js';
import { createKeyedHasher } from './keyed-hash.js';
import type { KeyedHasher, KeyInfo, KeyProvider, KeyPurpose, Signer, TlsServerKey, TufOnlinePurpose } from './ports.js';
import { writePublicKeyFiles } from './public-key-files.js';
import type { StoreBarrier } from './store-barrier.js';
import { encodeBase64Url } from './strict-base64url.js';

export const KEY_STORE_FILE_MODE = 0o600;

const P256_IMPORT = { name: 'ECDSA', namedCurve: 'P-256' } as const;

export interface LocalKeyProviderState {
  readonly paths: KeyStorePaths;
  readonly clock: Clock;
  readonly barrier: StoreBarrier;
  readonly document: KeyStoreDocument;
  /** The exact bytes of keystore.json as read or last written, to detect a concurrent writer. */
  readonly documentBytes: Buffer;
  readonly material: ReadonlyMap<string, KeyMaterial>;
}

export class LocalKeyProvider implements KeyProvider {
  readonly #paths: KeyStorePaths;
  readonly #clock: Clock;
  readonly #barrier: StoreBarrier;
  #document: KeyStoreDocument;
  #documentBytes: Buffer;
  readonly #material: Map<string, KeyMaterial>;
  #rotations: Promise<unknown> = Promise.resolve();

  constructor(state: LocalKeyProviderState) {
    this.#paths = state.paths;
    this.#clock = state.clock;
    this.#barrier = state.barrier;
    this.#document = state.document;
    this.#documentBytes = state.documentBytes;
    this.#material = new Map(state.material);
  }

  list(): readonly KeyInfo[] {
    return this.#document.keys.map(toKeyInfo);
  }

  active(purpose: KeyPurpose): KeyInfo {
    return toKeyInfo(this.#activeEntry(purpose));
  }

  rotate(purpose: KeyPurpose): Promise<KeyInfo> {
    const next = this.#rotations.then(() => this.#rotate(purpose));
    this.#rotations = next.catch(() => undefined);
    return next;
  }

  wrapDataKey(dataKey: Uint8Array, aad: Uint8Array): { kekId: string; wrapped: Uint8Array } {
    if (dataKey.length !== AES_256_KEY_BYTES) throw new TypeError('a data key is 32 bytes');
    const kek = this.#activeEntry('kek');
    return { kekId: kek.id, wrapped: gcmSeal(this.#materialOf(kek.id).key, dataKey, aad) };
  }

  unwrapDataKey(kekId: string, wrapped: Uint8Array, aad: Uint8Array): Uint8Array {
    const entry = this.#document.keys.find((k) => k.id === kekId && k.purpose === 'kek');
    if (entry === undefined) throw new AppError('KEYS_KEY_NOT_FOUND', { detail: `no KEK ${kekId} in the key store` });
    const dataKey = gcmOpen(this.#materialOf(entry.id).key, wrapped, aad);
    if (dataKey === undefined) throw new AppError('KEYS_CIPHERTEXT_INVALID', { detail: `wrapped data key does not authenticate under ${kekId}` });
    return dataKey;
  }

  signer(purpose: 'audit-signing' | TufOnlinePurpose): Signer {
    const entry = this.#activeEntry(purpose);
    const material = this.#materialOf(entry.id);
    return new Ed25519Signer(entry.id, material.key, publicPemOf(entry), () => this.#isActive(entry.id));
  }

  publicKeyPem(keyId: string): string {
    const entry = this.#document.keys.find((k) => k.id === keyId);
    if (entry?.publicKeyPem === undefined) throw new AppError('KEYS_KEY_NOT_FOUND', { detail: `no public key ${keyId} in the key store` });
    return entry.publicKeyPem;
  }

  async caSigningKey(keyId?: string): Promise<webcrypto.CryptoKeyPair> {
    const entry =
      keyId === undefined
        ? this.#activeEntry('ca-root')
        : this.#document.keys.find((k) => k.id === keyId && (k.purpose === 'ca-root' || k.purpose === 'ca-device'));
    if (entry === undefined) throw new AppError('KEYS_KEY_NOT_FOUND', { detail: `no CA key ${String(keyId)} in the key store` });
    const privateKey = this.#materialOf(entry.id).key;
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
    try {
      const signing = await webcrypto.subtle.importKey('pkcs8', pkcs8, P256_IMPORT, false, ['sign']);
      const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
      const verifying = await webcrypto.subtle.importKey('spki', spki, P256_IMPORT, true, ['verify']);
      return { privateKey: signing, publicKey: verifying };
    } finally {
      pkcs8.fill(0);
    }
  }

  tlsServerKey(): TlsServerKey {
    const entry = this.#activeEntry('tls-server');
    const privateKey = this.#materialOf(entry.id).key;
    return { keyId: entry.id, publicKeyPem: publicPemOf(entry), privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
  }

  keyedHasher(domain: string): KeyedHasher {
    return createKeyedHasher(domain, this.#barrier.keyedHashKey(domain));
  }

  async #rotate(purpose: KeyPurpose): Promise<KeyInfo> {
    const onDisk = await readFile(this.#paths.storeFile);
    if (!onDisk.equals(this.#documentBytes)) {
      throw new AppError('STORAGE_CONFLICT', {
        detail: `${this.#paths.storeFile} was changed by another process since it was opened; reopen the key store and retry`,
      });
    }
    const now = this.#clock.now().toISOString();
    const material = generateKeyMaterial(purpose);
    const entry = sealEntry(this.#barrier, newKeyId(purpose), purpose, material, now);
    const keys = [
      ...this.#document.keys.map((k): StoredKey => (k.purpose === purpose && k.status === 'active' ? { ...k, status: 'retired', retiredAt: now } : k)),
      entry,
    ];
    const document = buildKeyStoreDocument(this.#barrier, this.#document.salt, this.#document.verifier, keys, this.#document.hashRoot);
    const bytes = Buffer.from(serializeKeyStore(document), 'utf8');
    await writeFileAtomic(this.#paths.storeFile, bytes, KEY_STORE_FILE_MODE);
    this.#document = document;
    this.#documentBytes = bytes;
    this.#material.set(entry.id, material);
    await writePublicKeyFiles(this.#paths, keys);
    return toKeyInfo(entry);
  }

  #activeEntry(purpose: KeyPurpose): StoredKey {
    const entry = this.#document.keys.find((k) => k.purpose === purpose && k.status === 'active');
    if (entry === undefined) throw new AppError('KEYS_KEY_NOT_FOUND', { detail: `no active ${purpose} key in the key store` });
    return entry;
  }

  #isActive(keyId: string): boolean {
    return this.#document.keys.some((k) => k.id === keyId && k.status === 'active');
  }

  #materialOf(keyId: string): KeyMaterial {
    const material = this.#material.get(keyId);
    if (material === undefined) throw new AppError('KEYS_KEY_NOT_FOUND', { detail: `key ${keyId} is not loaded` });
    return material;
  }
}

/** Seals new key material into a store entry; zeroes the serialised bytes. */
export function sealEntry(barrier: StoreBarrier, id: string, purpose: KeyPurpose, material: KeyMaterial, createdAt: string): StoredKey {
  const bytes = exportKeyMaterial(material);
  try {
    const sealed = barrier.sealEntry({ id, purpose, algorithm: material.algorithm }, bytes);
    return {
      id,
      purpose,
      algorithm: material.algorithm,
      createdAt,
      status: 'active',
      ...(material.publicKeyPem !== undefined ? { publicKeyPem: material.publicKeyPem } : {}),
      sealed: encodeBase64Url(sealed),
    };
  } finally {
    bytes.fill(0);
  }
}

export function buildKeyStoreDocument(barrier: StoreBarrier, salt: string, verifier: string, keys: readonly StoredKey[], hashRoot?: string): KeyStoreDocument {
  const body = { format: KEY_STORE_FORMAT, version: KEY_STORE_VERSION, salt, verifier, keys, ...(hashRoot !== undefined ? { hashRoot } : {}) } as const;
  return { ...body, mac: encodeBase64Url(barrier.mac(canonicalKeyStore(body))) };
}

function toKeyInfo(entry: StoredKey): KeyInfo {
  return {
    id: entry.id,
    purpose: entry.purpose,
    algorithm: entry.algorithm,
    createdAt: entry.createdAt,
    status: entry.status,
    ...(entry.retiredAt !== undefined ? { retiredAt: entry.retiredAt } : {}),
  };
}

function publicPemOf(entry: StoredKey): string {
  if (entry.publicKeyPem === undefined) throw new AppError('KEYS_STORE_CORRUPT', { detail: `key ${entry.id} has no public key` });
  return entry.publicKeyPem;
}
