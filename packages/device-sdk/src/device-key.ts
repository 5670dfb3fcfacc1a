/**
 * The device key pair and its certificate signing request (PKCS#10, RFC 2986).
 *
 * MUST: the key is ECDSA P-256 (FIPS 186-5; what Vigil's device CA accepts), generated on the
 *       device (FDA premarket guidance App. 1 A: unique, device-held credentials).
 * MUST: the private key never leaves the device: it is written once, PKCS#8 PEM, mode 0600, in
 *       the state directory, and never sent, logged or put in an error. Only the CSR (public key
 *       and a self-signature proving possession) goes to the server.
 * MUST: an existing key is never overwritten (O_EXCL): a half-finished enrolment retried after a
 *       crash reuses the same key.
 * MUST: the CSR carries no extensions: the subject and every extension of the certificate are
 *       Vigil's to set (the server ignores the requested subject).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, webcrypto } from 'node:crypto';
import { chmod, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DeviceSdkError } from './sdk-error.js';
import { ensurePrivateDir, fsyncDir, readOptional, statePaths } from './state-dir.js';
import { x509 } from './x509-library.js';

const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface DeviceKey {
  /** The private key as a node KeyObject: sign with it, never export it. */
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public key, SPKI PEM. */
  readonly publicKeyPem: string;
}

/** Loads the device key from the state directory, creating it (0600) when there is none. */
export async function loadOrCreateDeviceKey(stateDir: string): Promise<DeviceKey> {
  await ensurePrivateDir(stateDir);
  return loadOrCreateKeyFile(statePaths(stateDir).keyFile);
}

/** Loads the key at `path`, or generates one there (O_EXCL, 0600, fsync'd with its directory). */
export async function loadOrCreateKeyFile(path: string): Promise<DeviceKey> {
  const existing = await loadKeyFile(path);
  if (existing !== undefined) return existing;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    // A concurrent enrolment created it first: use that key, never replace it.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await loadKeyFile(path)) as DeviceKey;
    throw error;
  }
  try {
    // The umask could have narrowed the mode further but never widened it; make it exact.
    await handle.chmod(0o600);
    await handle.writeFile(pem);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsyncDir(dirname(path));
  return keyFromPem(pem);
}

/** Loads the device key, or undefined when the device has none yet. */
export async function loadDeviceKey(stateDir: string): Promise<DeviceKey | undefined> {
  return loadKeyFile(statePaths(stateDir).keyFile);
}

export async function loadKeyFile(path: string): Promise<DeviceKey | undefined> {
  const pem = await readOptional(path);
  if (pem === undefined) return undefined;
  // Refuse to run with a key other users can read: fix the mode rather than ignore it.
  await chmod(path, 0o600);
  try {
    return keyFromPem(pem);
  } catch (error) {
    throw new DeviceSdkError('STATE_INVALID', `${path} is not a PKCS#8 P-256 private key`, { cause: error });
  }
}

function keyFromPem(pem: string): DeviceKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new TypeError('the device key must be ECDSA P-256');
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

/**
 * A PKCS#10 CSR for the device key, self-signed with ECDSA P-256 / SHA-256. The subject is only a
 * hint (CN=serial); Vigil sets the certificate subject to the device id it assigns.
 */
export async function createCsr(key: DeviceKey, subjectHint: string): Promise<string> {
  const pkcs8 = key.privateKey.export({ type: 'pkcs8', format: 'der' });
  const spki = key.publicKey.export({ type: 'spki', format: 'der' });
  const keys = {
    privateKey: await webcrypto.subtle.importKey('pkcs8', pkcs8, P256, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', spki, P256, true, ['verify']),
  };
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    { name: [{ CN: [subjectHint] }], keys, signingAlgorithm: ECDSA_SHA256, extensions: [] },
    webcrypto,
  );
  return csr.toString('pem') + '\n';
}
