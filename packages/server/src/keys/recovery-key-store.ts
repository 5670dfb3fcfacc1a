/**
 * The key store re-sealed for recovery: what a backup carries instead of the master key.
 *
 * A backup must restore on a new host from the recovery key alone, yet the master key never
 * enters a backup. So each backup carries a copy of the key store whose every entry is re-sealed
 * under a fresh, random master key made for that backup (the "escrow key"), together with that
 * escrow key; the backup part holding both is encrypted to the recovery recipient (age), so only
 * the recovery key opens it. The original keyed-hash root travels sealed in the copy (`hashRoot`),
 * so blind indexes made under the original master key still match after a restore.
 *
 * MUST: the live master key is never written out; the escrow key is random and used only by
 *       the re-sealed copy.
 * MUST: the copy holds the same entries (ids, purposes, status, public halves) as the live store,
 *       whatever their purposes, so data keys added later are carried too.
 * MUST: the copy is opened and checked with the escrow key before it is handed out.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { AppError, type Clock } from '../kernel/index.js';
import { createFileAtomic } from './atomic-file.js';
import { exportKeyMaterial } from './key-material.js';
import { parseKeyStore, serializeKeyStore, type KeyStoreDocument, type StoredKey } from './key-store-document.js';
import { bytesOf, keyStoreExists, openKeyStore, resolveMasterKey, unsealAll, useCarriedHashRoot } from './key-store.js';
import { keyStorePaths } from './key-store-paths.js';
import { buildKeyStoreDocument, KEY_STORE_FILE_MODE } from './local-key-provider.js';
import { formatMasterKey, generateMasterKey, parseMasterKey } from './master-key.js';
import { readPrivateFile } from './private-file.js';
import { writePublicKeyFiles } from './public-key-files.js';
import { StoreBarrier } from './store-barrier.js';
import { encodeBase64Url } from './strict-base64url.js';

export interface RecoveryKeyStore {
  /** keystore.json re-sealed under `escrowKey`. */
  readonly keyStore: string;
  /** The escrow master key (text form, as in master.key) that opens `keyStore`. */
  readonly escrowKey: string;
}

/** Re-seals the live key store of `dataDir` under a fresh escrow key. */
export async function resealKeyStoreForRecovery(options: { dataDir: string; masterKey?: string | undefined; clock: Clock }): Promise<RecoveryKeyStore> {
  const paths = keyStorePaths(options.dataDir);
  const bytes = await readPrivateFile(paths.storeFile);
  if (bytes === undefined) throw new AppError('DATA_DIR_NOT_INITIALIZED', { detail: `no key store at ${paths.storeFile}` });
  const document = parseKeyStore(bytes.toString('utf8'), paths.storeFile);
  const masterKey = await resolveMasterKey(paths, options.masterKey);
  const escrow = generateMasterKey();
  try {
    const barrier = StoreBarrier.derive(masterKey, bytesOf(document.salt));
    if (!barrier.verifierMatches(bytesOf(document.verifier))) {
      throw new AppError('KEYS_MASTER_KEY_WRONG', { detail: `the master key does not open ${paths.storeFile}` });
    }
    const material = unsealAll(barrier, document, paths);
    useCarriedHashRoot(barrier, document, paths);
    const salt = randomBytes(32);
    const target = StoreBarrier.derive(escrow, salt);
    const keys = document.keys.map((entry): StoredKey => {
      const loaded = material.get(entry.id);
      if (loaded === undefined) throw new AppError('KEYS_STORE_CORRUPT', { detail: `key ${entry.id} did not load` });
      const raw = exportKeyMaterial(loaded);
      try {
        return { ...entry, sealed: encodeBase64Url(target.sealEntry(entry, raw)) };
      } finally {
        raw.fill(0);
      }
    });
    const root = barrier.keyedHashRootBytes();
    const hashRoot = encodeBase64Url(target.sealHashRoot(root));
    root.fill(0);
    const copy: KeyStoreDocument = buildKeyStoreDocument(target, encodeBase64Url(salt), encodeBase64Url(target.verifier()), keys, hashRoot);
    const result = { keyStore: serializeKeyStore(copy), escrowKey: formatMasterKey(escrow) };
    checkCopy(result, paths.storeFile);
    return result;
  } finally {
    masterKey.fill(0);
    escrow.fill(0);
  }
}

function checkCopy(copy: RecoveryKeyStore, path: string): void {
  const document = parseKeyStore(copy.keyStore, `${path} (recovery copy)`);
  const key = parseMasterKey(copy.escrowKey, 'escrow key');
  try {
    const barrier = StoreBarrier.derive(key, bytesOf(document.salt));
    if (!barrier.verifierMatches(bytesOf(document.verifier))) throw new AppError('KEYS_STORE_CORRUPT', { detail: 'the recovery copy does not open with its escrow key' });
    unsealAll(barrier, document, keyStorePaths('(recovery copy)'));
    useCarriedHashRoot(barrier, document, keyStorePaths('(recovery copy)'));
  } finally {
    key.fill(0);
  }
}

/**
 * Installs a recovered key store into a NEW data directory: master.key (the escrow key, 0600),
 * keys/keystore.json (0600) and the public key files; then opens it to prove it works.
 * Refuses (KEYS_STORE_EXISTS) when the directory already holds a key store.
 */
export async function installRecoveredKeyStore(options: { dataDir: string; copy: RecoveryKeyStore; clock: Clock }): Promise<void> {
  const paths = keyStorePaths(options.dataDir);
  if (await keyStoreExists(options.dataDir)) throw new AppError('KEYS_STORE_EXISTS', { detail: `${paths.storeFile} already exists; a restore never replaces a key store` });
  const document = parseKeyStore(options.copy.keyStore, 'recovered key store');
  await mkdir(paths.keysDir, { recursive: true, mode: 0o700 });
  await createFileAtomic(paths.masterKeyFile, `${options.copy.escrowKey.trim()}\n`, 0o600);
  await createFileAtomic(paths.storeFile, options.copy.keyStore, KEY_STORE_FILE_MODE);
  await writePublicKeyFiles(paths, document.keys);
  await openKeyStore({ dataDir: options.dataDir, clock: options.clock });
}

/** Public keys of a recovered (or any) key store text, without opening it: id -> SPKI PEM. */
export function publicKeysOfStore(keyStore: string): Map<string, string> {
  const document = parseKeyStore(keyStore, 'key store');
  return new Map(document.keys.flatMap((k) => (k.publicKeyPem !== undefined ? [[k.id, k.publicKeyPem] as const] : [])));
}
