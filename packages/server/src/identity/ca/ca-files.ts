/**
 * Where the CA keeps its certificates in the data directory, and how they are written.
 *
 *   <dataDir>/ca/            0700
 *   <dataDir>/ca/root.pem    0644  the root certificate (public)
 *   <dataDir>/ca/server.pem  0644  the HTTPS server certificate Vigil issued itself (public)
 *   <dataDir>/ca/device-ca.pem  0644  the device CA (intermediate) certificate (public)
 *   <dataDir>/ca/devices.crl    0644  the device CA's latest CRL, PEM (public)
 *
 * MUST: only certificates (public) are written here; their private keys stay in the key store.
 * MUST: writes are atomic (temp file, fsync, rename), so a reader never sees half a certificate;
 *       `createCaFile` never replaces an existing file (a root is created once).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createFileAtomic, writeFileAtomic } from '../../keys/index.js';

const CA_DIR_MODE = 0o700;
const CERT_FILE_MODE = 0o644;

export interface CaPaths {
  readonly caDir: string;
  readonly rootCertFile: string;
  readonly serverCertFile: string;
  readonly deviceCaCertFile: string;
  readonly deviceCrlFile: string;
}

export function caPaths(dataDir: string): CaPaths {
  const caDir = join(dataDir, 'ca');
  return {
    caDir,
    rootCertFile: join(caDir, 'root.pem'),
    serverCertFile: join(caDir, 'server.pem'),
    deviceCaCertFile: join(caDir, 'device-ca.pem'),
    deviceCrlFile: join(caDir, 'devices.crl'),
  };
}

/** The file's text; undefined when it does not exist. */
export async function readCaFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Creates the file; fails with EEXIST, changing nothing, if it exists. */
export async function createCaFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: CA_DIR_MODE });
  await createFileAtomic(path, text, CERT_FILE_MODE);
}

/** Replaces the file atomically. */
export async function replaceCaFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: CA_DIR_MODE });
  await writeFileAtomic(path, text, CERT_FILE_MODE);
}
