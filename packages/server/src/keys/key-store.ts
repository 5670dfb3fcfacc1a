/**
 * Creating and opening the local key store: the KeyProvider behind a file in the data directory.
 *
 *   init: master key (VIGIL_MASTER_KEY, or a new <dataDir>/master.key, 0600), then keystore.json
 *         (0600 in keys/ 0700) with one active key per purpose: kek, audit-signing, ca-root,
 *         tls-server ('ca-device' arrives with the device CA, by rotation).
 *   open: refuses, in this order: no store (DATA_DIR_NOT_INITIALIZED), unsafe modes
 *         (DATA_DIR_INSECURE), no master key (KEYS_MASTER_KEY_MISSING), a malformed one
 *         (KEYS_MASTER_KEY_INVALID), an unparsable store (KEYS_STORE_CORRUPT), a master key that
 *         is not this store's (KEYS_MASTER_KEY_WRONG), a failed MAC or entry (KEYS_STORE_CORRUPT).
 *
 * MUST: opening never writes, creates, renames or chmods anything, whatever its outcome.
 * MUST: init never replaces an existing key store (KEYS_STORE_EXISTS): that would orphan every
 *       value sealed under it.
 * MUST: VIGIL_MASTER_KEY, when given, wins over the key file; the master key bytes are zeroed
 *       once the barrier keys are derived.
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir } from 'node:fs/promises';
import { AppError, type Clock } from '../kernel/index.js';
import { createFileAtomic } from './atomic-file.js';
import { importKeyMaterial, generateKeyMaterial, type KeyMaterial } from './key-material.js';
import { canonicalKeyStore, parseKeyStore, serializeKeyStore, REQUIRED_KEY_PURPOSES, type KeyStoreDocument } from './key-store-document.js';
import { keyStorePaths, type KeyStorePaths } from './key-store-paths.js';
import { newKeyId } from './key-id.js';
import { buildKeyStoreDocument, KEY_STORE_FILE_MODE, LocalKeyProvider, sealEntry } from './local-key-provider.js';
import { formatMasterKey, generateMasterKey, parseMasterKey } from './master-key.js';
import type { KeyProvider } from './ports.js';
import { checkPrivateDir, readPrivateFile } from './private-file.js';
import { writePublicKeyFiles } from './public-key-files.js';
import { StoreBarrier } from './store-barrier.js';
import { decodeBase64Url, encodeBase64Url } from './strict-base64url.js';

const DIR_MODE = 0o700;
const MASTER_KEY_FILE_MODE = 0o600;
const SALT_BYTES = 32;

export interface InitKeyStoreOptions {
  readonly dataDir: string;
  /** The value of VIGIL_MASTER_KEY, if set. Without it, init creates <dataDir>/master.key. */
  readonly masterKey?: string | undefined;
  readonly clock: Clock;
}

export interface OpenKeyStoreOptions {
  readonly dataDir: string;
  /** The value of VIGIL_MASTER_KEY, if set. Without it, <dataDir>/master.key is read. */
  readonly masterKey?: string | undefined;
  /** Stamps keys created by later rotations. */
  readonly clock: Clock;
}

/** True when `<dataDir>/keys/keystore.json` exists (whatever its state). */
export async function keyStoreExists(dataDir: string): Promise<boolean> {
  try {
    await lstat(keyStorePaths(dataDir).storeFile);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

export async function initKeyStore(options: InitKeyStoreOptions): Promise<KeyProvider> {
  const paths = keyStorePaths(options.dataDir);
  if (await keyStoreExists(options.dataDir)) throw exists(paths);
  await mkdir(paths.dataDir, { recursive: true, mode: DIR_MODE });
  await mkdir(paths.keysDir, { recursive: true, mode: DIR_MODE });
  await chmod(paths.keysDir, DIR_MODE);

  const masterKey = options.masterKey !== undefined ? parseMasterKey(options.masterKey) : await createOrReuseMasterKeyFile(paths);
  const salt = randomBytes(SALT_BYTES);
  const barrier = StoreBarrier.derive(masterKey, salt);
  masterKey.fill(0);

  const now = options.clock.now().toISOString();
  const material = new Map<string, KeyMaterial>();
  const keys = REQUIRED_KEY_PURPOSES.map((purpose) => {
    const generated = generateKeyMaterial(purpose);
    const entry = sealEntry(barrier, newKeyId(purpose), purpose, generated, now);
    material.set(entry.id, generated);
    return entry;
  });
  const document = buildKeyStoreDocument(barrier, encodeBase64Url(salt), encodeBase64Url(barrier.verifier()), keys);
  const documentBytes = Buffer.from(serializeKeyStore(document), 'utf8');
  try {
    await createFileAtomic(paths.storeFile, documentBytes, KEY_STORE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw exists(paths, error);
    throw error;
  }
  await writePublicKeyFiles(paths, keys);
  return new LocalKeyProvider({ paths, clock: options.clock, barrier, document, documentBytes, material });
}

export async function openKeyStore(options: OpenKeyStoreOptions): Promise<KeyProvider> {
  const paths = keyStorePaths(options.dataDir);
  if (!(await keyStoreExists(options.dataDir))) {
    throw new AppError('DATA_DIR_NOT_INITIALIZED', { detail: `no key store at ${paths.storeFile}; run \`vigil init\` first` });
  }
  await checkPrivateDir(paths.keysDir);
  const documentBytes = await readPrivateFile(paths.storeFile);
  if (documentBytes === undefined) {
    throw new AppError('DATA_DIR_NOT_INITIALIZED', { detail: `no key store at ${paths.storeFile}` });
  }
  const masterKey = await resolveMasterKey(paths, options.masterKey);
  try {
    const document = parseKeyStore(documentBytes.toString('utf8'), paths.storeFile);
    const barrier = StoreBarrier.derive(masterKey, bytesOf(document.salt));
    if (!barrier.verifierMatches(bytesOf(document.verifier))) {
      throw new AppError('KEYS_MASTER_KEY_WRONG', {
        detail: `the master key ${options.masterKey !== undefined ? 'in VIGIL_MASTER_KEY' : `in ${paths.masterKeyFile}`} does not open ${paths.storeFile}`,
      });
    }
    const material = unsealAll(barrier, document, paths);
    useCarriedHashRoot(barrier, document, paths);
    return new LocalKeyProvider({ paths, clock: options.clock, barrier, document, documentBytes, material });
  } finally {
    masterKey.fill(0);
  }
}

export function unsealAll(barrier: StoreBarrier, document: KeyStoreDocument, paths: KeyStorePaths): Map<string, KeyMaterial> {
  if (!barrier.macMatches(canonicalKeyStore(document), bytesOf(document.mac))) {
    throw new AppError('KEYS_STORE_CORRUPT', { detail: `${paths.storeFile} fails its integrity check (MAC); it was altered or damaged` });
  }
  const material = new Map<string, KeyMaterial>();
  for (const entry of document.keys) {
    const bytes = barrier.openEntry(entry, bytesOf(entry.sealed));
    const loaded = bytes === undefined ? undefined : importKeyMaterial(entry.algorithm, bytes);
    bytes?.fill(0);
    if (loaded === undefined || loaded.publicKeyPem !== entry.publicKeyPem) {
      throw new AppError('KEYS_STORE_CORRUPT', { detail: `${paths.storeFile}: key ${entry.id} does not open or does not match its public key` });
    }
    material.set(entry.id, loaded);
  }
  return material;
}

/** A store re-sealed for recovery carries its original keyed-hash root (after the MAC check). */
export function useCarriedHashRoot(barrier: StoreBarrier, document: KeyStoreDocument, paths: KeyStorePaths): void {
  if (document.hashRoot === undefined) return;
  const root = barrier.openHashRoot(bytesOf(document.hashRoot));
  if (root === undefined) throw new AppError('KEYS_STORE_CORRUPT', { detail: `${paths.storeFile}: the carried keyed-hash root does not open` });
  barrier.useKeyedHashRoot(root);
  root.fill(0);
}

export async function resolveMasterKey(paths: KeyStorePaths, fromEnvironment: string | undefined): Promise<Buffer> {
  if (fromEnvironment !== undefined) return parseMasterKey(fromEnvironment);
  const text = await readPrivateFile(paths.masterKeyFile);
  if (text === undefined) {
    throw new AppError('KEYS_MASTER_KEY_MISSING', {
      detail: `set VIGIL_MASTER_KEY or restore ${paths.masterKeyFile}; the key store cannot be opened without its master key`,
    });
  }
  try {
    return parseMasterKey(text.toString('utf8'), paths.masterKeyFile);
  } finally {
    text.fill(0);
  }
}

/**
 * A master key file left by an init that stopped before it wrote the store is reused (it is
 * checked like any key file); otherwise a new one is created, never replacing an existing file.
 */
async function createOrReuseMasterKeyFile(paths: KeyStorePaths): Promise<Buffer> {
  const existing = await readPrivateFile(paths.masterKeyFile);
  if (existing !== undefined) {
    try {
      return parseMasterKey(existing.toString('utf8'), paths.masterKeyFile);
    } finally {
      existing.fill(0);
    }
  }
  const key = generateMasterKey();
  await createFileAtomic(paths.masterKeyFile, `${formatMasterKey(key)}\n`, MASTER_KEY_FILE_MODE);
  return key;
}

export function bytesOf(base64url: string): Buffer {
  const bytes = decodeBase64Url(base64url);
  if (bytes === undefined) throw new AppError('KEYS_STORE_CORRUPT', { detail: 'malformed base64url in the key store' });
  return bytes;
}

function exists(paths: KeyStorePaths, cause?: unknown): AppError {
  return new AppError('KEYS_STORE_EXISTS', {
    detail: `${paths.storeFile} already exists; open it instead (init never replaces a key store)`,
    ...(cause !== undefined ? { cause } : {}),
  });
}
