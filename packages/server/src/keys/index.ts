/**
 * keys: the public surface. Other modules import only this file.
 *
 * MUST: this is the only module that touches private-key bytes or calls node:crypto
 *       sign/decrypt; everything else sees the ports (Signer, Verifier, Sealer, KeyProvider).
 * MUST: nothing exported here hands out key bytes, except KeyProvider.tlsServerKey() for the
 *       TLS stack and KeyProvider.caSigningKey() as a non-extractable WebCrypto key.
 */
export type {
  KeyAlgorithm,
  KeyedHasher,
  KeyInfo,
  KeyProvider,
  KeyPurpose,
  Sealer,
  Signer,
  TlsCredentials,
  TlsServerKey,
  TufOnlinePurpose,
  Verifier,
  BulkSealer,
  WrappedDataKey,
  WrappedDataKeyStore,
} from './ports.js';
export { createBulkSealer } from './bulk-sealer.js';
export { TUF_ONLINE_PURPOSES } from './ports.js';
/** Ed25519 key files for offline ceremonies (the TUF root keys). */
export { generateOfflineSigningKey, openOfflineSigner } from './offline-signing-key.js';
export { initKeyStore, openKeyStore, keyStoreExists, type InitKeyStoreOptions, type OpenKeyStoreOptions } from './key-store.js';
export { keyStorePaths, type KeyStorePaths } from './key-store-paths.js';
export { createEnvelopeSealer } from './envelope-sealer.js';
export { ed25519Verifier } from './ed25519-verifier.js';
export { ecdsaP256Verifier } from './ecdsa-p256-verifier.js';
export { newMasterKeyText } from './master-key.js';
/** Crash-safe writes (temp file, fsync, rename/link), also used for the CA's public files. */
export { writeFileAtomic, createFileAtomic } from './atomic-file.js';
/** HMAC-SHA-256 with a shared secret (webhook signatures) and constant-time secret checks. */
export { createMessageMac, secretDigestMatcher, type MessageMac } from './message-mac.js';
/** age encryption of backups to the recovery recipient (age-encryption.org/v1). */
export { ageDecryptStream, ageEncryptStream, ageRecipientOf, generateRecoveryIdentity, isAgeRecipient, parseAgeIdentity } from './age-encryption.js';
export { ageToolDecryptStream } from './age-tool-decrypt.js';
/** A whole file encrypted and hashed in a worker thread (a backup's database part), optionally with the `age` tool. */
export { ageEncryptFile, ageEncryptFileTo, findAgeBinary, type AgeFileDigests, type EncryptedFile } from './age-file-encrypt.js';
/** The key store re-sealed under a per-backup escrow key (the master key never enters a backup). */
export { installRecoveredKeyStore, publicKeysOfStore, resealKeyStoreForRecovery, type RecoveryKeyStore } from './recovery-key-store.js';
export { sha256Hex } from './digest.js';
