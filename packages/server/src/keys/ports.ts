/**
 * The key-management ports. Everything outside keys/ sees only these interfaces.
 *
 * MUST: private-key bytes and data-encryption keys never leave an implementation of these
 *       interfaces, except as a TLS private key handed to the TLS stack (see TlsServerKey).
 * MUST: algorithms are pinned: Ed25519 for signatures, AES-256-GCM for sealing,
 *       ECDSA P-256 for the CA and the HTTPS server key.
 * MUST: a retired key never signs or wraps again; it stays only to verify and to unwrap.
 * A KMS or HSM replaces the local implementation by implementing `KeyProvider`.
 */
import type { webcrypto } from 'node:crypto';

/** Signs with one Ed25519 key (RFC 8032). */
export interface Signer {
  readonly keyId: string;
  readonly algorithm: 'Ed25519';
  /** Throws KEYS_KEY_NOT_FOUND once this key has been retired by a rotation. */
  sign(data: Uint8Array): Uint8Array;
  /** SPKI PEM of the public half, safe to publish. */
  publicKeyPem(): string;
}

/** Verifies Ed25519 signatures against a public key given as SPKI PEM. Pure; needs no secret. */
export interface Verifier {
  /** False on a wrong signature and on any malformed input; never throws. */
  verify(publicKeyPem: string, data: Uint8Array, signature: Uint8Array): boolean;
}

/**
 * Envelope encryption. Each seal draws a fresh data key, encrypts the payload with it
 * (AES-256-GCM), and wraps the data key with the active key-encryption key (KEK).
 * The sealed string names the KEK id, so rotation keeps old ciphertext readable.
 * `context` is bound as additional authenticated data (e.g. "patients.name:<patient id>"),
 * so a ciphertext moved to another row or column fails to open.
 */
export interface Sealer {
  seal(plaintext: Uint8Array, context: string): string;
  /** Throws KEYS_CIPHERTEXT_INVALID on any tampering, a wrong context or an unknown KEK. */
  open(sealed: string, context: string): Uint8Array;
  /** Re-wraps the data key under the active KEK without touching the payload. */
  rewrap(sealed: string, context: string): string;
  /** The KEK id a sealed value names, without opening it. */
  keyIdOf(sealed: string): string;
  activeKeyId(): string;
}

/**
 * A keyed hash (HMAC-SHA-256) bound to one domain, for blind indexes and fingerprints of
 * sensitive values (keyed-hash.ts). Deterministic; stable across KEK rotations.
 */
export interface KeyedHasher {
  readonly domain: string;
  /** 64 lower-case hex characters over the framed parts (e.g. org id, normalized MRN). */
  hash(...parts: readonly string[]): string;
  /** Constant-time check of a token against the parts. */
  verify(token: string, ...parts: readonly string[]): boolean;
}

/** TLS server credentials for a transport. The key is PEM, handed only to the TLS stack. */
export interface TlsCredentials {
  readonly certPem: string;
  /** The certificate chain above `certPem` (intermediates and root), PEM. */
  readonly chainPem: string;
  readonly keyPem: string;
}

/**
 * Key purposes the store knows about. 'ca-device' (the device CA's intermediate key) is optional:
 * stores made before it existed have none until the device CA is first created (a rotation).
 */
export type KeyPurpose = 'kek' | 'audit-signing' | 'ca-root' | 'tls-server' | 'ca-device' | TufOnlinePurpose;

/**
 * The online keys of the TUF repository (updates/): timestamp, snapshot, top-level targets, and the
 * delegated targets roles of the device models. Optional purposes, like 'ca-device': created by the
 * first rotation. The root keys are never here: they stay offline (offline-signing-key.ts).
 */
export type TufOnlinePurpose = 'tuf-timestamp' | 'tuf-snapshot' | 'tuf-targets' | 'tuf-delegation';
export const TUF_ONLINE_PURPOSES: readonly TufOnlinePurpose[] = ['tuf-timestamp', 'tuf-snapshot', 'tuf-targets', 'tuf-delegation'];

export type KeyAlgorithm = 'AES-256-GCM' | 'Ed25519' | 'ECDSA-P256';

export interface KeyInfo {
  readonly id: string;
  readonly purpose: KeyPurpose;
  readonly algorithm: KeyAlgorithm;
  readonly createdAt: string;
  readonly status: 'active' | 'retired';
  readonly retiredAt?: string;
}

/** The HTTPS server key: the one private key that may leave keys/, and only to the TLS stack. */
export interface TlsServerKey {
  readonly keyId: string;
  readonly publicKeyPem: string;
  /** PKCS#8 PEM. Hand it to `tls.createSecureContext` and nowhere else: no logs, rows or files. */
  readonly privateKeyPem: string;
}

/**
 * What a KMS or HSM must offer. The local file store implements it; a cloud KMS adapter
 * would wrap/unwrap and sign remotely and never reveal key bytes.
 */
export interface KeyProvider {
  list(): readonly KeyInfo[];
  /** The active key of a purpose; throws KEYS_KEY_NOT_FOUND if there is none. */
  active(purpose: KeyPurpose): KeyInfo;
  /** Makes a new key of this purpose active and retires the previous one (kept for opening). */
  rotate(purpose: KeyPurpose): Promise<KeyInfo>;
  /** Wraps a 32-byte data key under the active KEK (AES-256-GCM, `aad` authenticated). */
  wrapDataKey(dataKey: Uint8Array, aad: Uint8Array): { kekId: string; wrapped: Uint8Array };
  /** KEYS_KEY_NOT_FOUND for an unknown KEK id, KEYS_CIPHERTEXT_INVALID when authentication fails. */
  unwrapDataKey(kekId: string, wrapped: Uint8Array, aad: Uint8Array): Uint8Array;
  /** A signer bound to the active key of the purpose (Ed25519 purposes only). */
  signer(purpose: 'audit-signing' | TufOnlinePurpose): Signer;
  /** SPKI PEM of any asymmetric key, active or retired (to verify old signatures). */
  publicKeyPem(keyId: string): string;
  /**
   * A non-extractable WebCrypto key pair for X.509 signing by a CA: the active 'ca-root'
   * key, or the named 'ca-root' or 'ca-device' key (a CA keeps signing with the key its
   * certificate names).
   */
  caSigningKey(keyId?: string): Promise<webcrypto.CryptoKeyPair>;
  /** The active 'tls-server' key, for the HTTPS transport. */
  tlsServerKey(): TlsServerKey;
  /**
   * A keyed hash for one coded domain ('patients.mrn'). The key is derived inside the provider
   * and never leaves it; a KMS adapter would use its HMAC key operation (e.g. AWS KMS GenerateMac).
   */
  keyedHasher(domain: string): KeyedHasher;
}

/** A data key of the BulkSealer as the database keeps it: wrapped under a KEK, never in clear. */
export interface WrappedDataKey {
  /** base64url of 16 random bytes; the sealed values carry the raw bytes. */
  readonly id: string;
  readonly kekId: string;
  readonly wrapped: Uint8Array;
  readonly createdAt: string;
}

/** Where the BulkSealer keeps its wrapped data keys (a table; storage/ implements it). */
export interface WrappedDataKeyStore {
  insert(key: WrappedDataKey): Promise<void>;
  find(ids: readonly string[]): Promise<WrappedDataKey[]>;
  /** Keys wrapped under any KEK but `kekId`, at most `limit`. */
  notUnder(kekId: string, limit: number): Promise<WrappedDataKey[]>;
  /** Replaces the wrap of `id` if it is still under `fromKekId`; false when another writer got there first. */
  replaceWrap(id: string, fromKekId: string, to: { readonly kekId: string; readonly wrapped: Uint8Array }): Promise<boolean>;
  /** Counts stored data keys per KEK id. */
  countByKek(): Promise<ReadonlyMap<string, number>>;
}

/**
 * Seals many small values (vitals) under a shared, stored data key (bulk-sealer.ts). Binary output.
 * `context` is authenticated (AAD): the identity of the row the value belongs to.
 */
export interface BulkSealer {
  /** Ensures a current data key is stored and committed; call outside the write transaction, before `seal`. */
  prepare(): Promise<void>;
  seal(plaintext: Uint8Array, context: string): Buffer;
  /** Opens each value; loads the data keys they name first. KEYS_CIPHERTEXT_INVALID on any failure. */
  openMany(values: readonly { readonly sealed: Uint8Array; readonly context: string }[]): Promise<Buffer[]>;
  /** Re-wraps every stored data key that is not under the active KEK; returns how many. */
  rewrapDataKeys(): Promise<number>;
}
