/**
 * Offline signing keys: Ed25519 keys (RFC 8032) kept in files on a machine that holds no key
 * store, for signing ceremonies such as the TUF root (`vigil updates root init|sign|rotate`).
 *
 * MUST: a key file is PKCS#8 PEM, mode 0600, created exclusively (never overwritten: that would
 *       destroy a root key), and read only when group and others have no access to it.
 * MUST: the private key stays inside the returned Signer; only the public half is handed out.
 * These keys are meant for removable media: the server never needs them after the ceremony.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { AppError } from '../kernel/index.js';
import { createFileAtomic } from './atomic-file.js';
import { Ed25519Signer } from './ed25519-signer.js';
import type { Signer } from './ports.js';
import { readPrivateFile } from './private-file.js';

const KEY_FILE_MODE = 0o600;

/** Creates a new Ed25519 key in `path` (refusing an existing file); returns its SPKI PEM. */
export async function generateOfflineSigningKey(path: string): Promise<string> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' });
  try {
    await createFileAtomic(path, pem, KEY_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new AppError('KEYS_STORE_EXISTS', { detail: `${path} already exists; a key file is never overwritten` });
    throw error;
  }
  return publicKey.export({ format: 'pem', type: 'spki' }).toString();
}

/** A Signer over the Ed25519 key in `path`. */
export async function openOfflineSigner(path: string): Promise<Signer> {
  const bytes = await readPrivateFile(path);
  if (bytes === undefined) throw new AppError('KEYS_KEY_NOT_FOUND', { detail: `no key file at ${path}` });
  try {
    const key = createPrivateKey({ key: bytes, format: 'pem' });
    if (key.asymmetricKeyType !== 'ed25519') throw new AppError('KEYS_KEY_NOT_FOUND', { detail: `${path} is not an Ed25519 private key` });
    const publicPem = createPublicKey(key).export({ format: 'pem', type: 'spki' }).toString();
    return new Ed25519Signer(`file:${path}`, key, publicPem, () => true);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('KEYS_KEY_NOT_FOUND', { detail: `${path} is not a PEM private key`, cause: error });
  } finally {
    bytes.fill(0);
  }
}
