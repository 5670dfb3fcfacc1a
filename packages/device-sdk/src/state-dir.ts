/**
 * The device's state directory: its private key, certificate chain, identity, telemetry outbox
 * and command nonce cache. Everything a device must keep across restarts lives here.
 *
 *   <stateDir>/device-key.pem   PKCS#8 private key, mode 0600 (never leaves the device)
 *   <stateDir>/device-cert.pem  the device certificate issued by Vigil's device CA
 *   <stateDir>/chain.pem        the issuing chain (intermediate, root)
 *   <stateDir>/identity.json    { deviceId, serverUrl, mqttPort, enrolledAt }
 *   <stateDir>/outbox/          store-and-forward journal and reserved sequence numbers
 *   <stateDir>/nonces.json      command nonces seen, with their expiry
 *
 * MUST: the directory is created 0700 and the key file 0600 (the key is the device's identity).
 * MUST: files that are replaced (identity, certificates, seq reservation, nonces) are replaced
 *       atomically: write a temporary file, fsync, rename, fsync the directory; a crash leaves
 *       either the old or the new content, never a torn file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface StatePaths {
  readonly root: string;
  readonly keyFile: string;
  readonly certFile: string;
  readonly chainFile: string;
  readonly identityFile: string;
  readonly outboxDir: string;
  readonly noncesFile: string;
}

export function statePaths(stateDir: string): StatePaths {
  return {
    root: stateDir,
    keyFile: join(stateDir, 'device-key.pem'),
    certFile: join(stateDir, 'device-cert.pem'),
    chainFile: join(stateDir, 'chain.pem'),
    identityFile: join(stateDir, 'identity.json'),
    outboxDir: join(stateDir, 'outbox'),
    noncesFile: join(stateDir, 'nonces.json'),
  };
}

export async function ensurePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
}

/** Reads a file, or undefined when it does not exist. */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function fsyncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `path` atomically with `content` (mode `mode`, default 0600). */
export async function writeFileAtomic(path: string, content: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}
