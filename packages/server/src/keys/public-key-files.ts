/**
 * Public keys in plain files, so an auditor can verify checkpoints offline, without the master key.
 *
 * MUST: only public halves (SPKI PEM) are written here.
 * MUST: retired keys stay listed, so signatures made before a rotation still verify.
 * These files are conveniences derived from keystore.json, which stays the source of truth.
 */
import { writeFileAtomic } from './atomic-file.js';
import type { StoredKey } from './key-store-document.js';
import type { KeyStorePaths } from './key-store-paths.js';

const PUBLIC_FILE_MODE = 0o644;

export async function writePublicKeyFiles(paths: KeyStorePaths, keys: readonly StoredKey[]): Promise<void> {
  const listed = keys
    .filter((k) => k.publicKeyPem !== undefined)
    .map((k) => ({
      id: k.id,
      purpose: k.purpose,
      algorithm: k.algorithm,
      status: k.status,
      createdAt: k.createdAt,
      ...(k.retiredAt !== undefined ? { retiredAt: k.retiredAt } : {}),
      publicKeyPem: k.publicKeyPem,
    }));
  await writeFileAtomic(paths.publicKeysFile, `${JSON.stringify({ keys: listed }, null, 2)}\n`, PUBLIC_FILE_MODE);
  const audit = keys.find((k) => k.purpose === 'audit-signing' && k.status === 'active');
  if (audit?.publicKeyPem !== undefined) {
    await writeFileAtomic(paths.auditPublicKeyFile, audit.publicKeyPem, PUBLIC_FILE_MODE);
  }
}
