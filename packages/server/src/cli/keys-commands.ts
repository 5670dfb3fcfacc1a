/**
 * `vigil keys list|rotate`. Never prints key material. Rotation is audited. Rotating the KEK
 * then re-wraps everything sealed under an older KEK (patient fields, grant texts, TOTP secrets,
 * channel secrets, clinical alert values, the vitals' data keys; composition/key-rotation.ts).
 * With a server running, rotate through it instead (POST /api/v1/keys/kek/rotate, docs/keys.md):
 * the server must be the one whose KEK changes.
 */
import { lockDataDir, type Config, type DataDirLock } from '../config/index.js';
import { AppError, isAppError } from '../kernel/index.js';
import { cliContext, openPlatform, type Platform } from '../main.js';
import { findSealedUnderKek } from '../storage/index.js';

const ROTATABLE = ['kek', 'audit-signing', 'tuf-timestamp', 'tuf-snapshot', 'tuf-targets', 'tuf-delegation'] as const;
type Rotatable = (typeof ROTATABLE)[number];

export async function runKeysList(config: Config): Promise<void> {
  const platform = await openPlatform({ config, env: process.env });
  try {
    const rows = platform.keys.list().map((k) => `${k.id}\t${k.purpose}\t${k.algorithm}\t${k.status}\t${k.createdAt}`);
    process.stdout.write(`id\tpurpose\talgorithm\tstatus\tcreated\n${rows.join('\n')}\n`);
  } finally {
    await platform.close();
  }
}

export async function runKeysRotate(config: Config, purpose: string, changeId: string | undefined): Promise<void> {
  if (!(ROTATABLE as readonly string[]).includes(purpose)) {
    throw new AppError('VALIDATION_FAILED', { detail: `keys rotate: purpose must be one of ${ROTATABLE.join(', ')}` });
  }
  // Change control (issue 14): a key rotates only as the application of an approved key-rotation
  // change (requested and approved by two people with MFA, POST /api/v1/changes); here the host
  // applies one whose application failed or was left, e.g. while the server was stopped.
  if (changeId === undefined || changeId === '') {
    throw new AppError('COMPLIANCE_CHANGE_REQUIRED', { detail: `keys rotate: rotating ${purpose} needs an approved key-rotation change request (POST /api/v1/changes {kind: "key-rotation", target: "${purpose}"}, approved by a second person); pass its id with --change` });
  }
  const platform = await openPlatform({ config, env: process.env });
  try {
    const ctx = cliContext();
    const before = platform.keys.active(purpose as Rotatable).id;
    let lock: DataDirLock | undefined;
    if (purpose === 'kek') {
      // A running server would keep wrapping under the retired KEK and could not open what this
      // process re-wraps: with a server up, the rotation must happen in it (the change is applied there on approval).
      try {
        lock = lockDataDir(platform.dataDir);
      } catch (error) {
        if (isAppError(error) && error.code === 'DATA_DIR_LOCKED') {
          throw new AppError('DATA_DIR_LOCKED', { detail: `${error.message}; with the server running, the KEK rotates in it when the change is approved (POST /api/v1/changes/:id/approve; docs/keys.md)`, cause: error });
        }
        throw error;
      }
    }
    let change;
    try {
      change = await platform.compliance.changes.retry(ctx, changeId, { kind: 'key-rotation', target: purpose });
    } finally {
      lock?.release();
    }
    const after = platform.keys.active(purpose as Rotatable).id;
    process.stdout.write(`rotated ${purpose}: ${before} -> ${after} (change ${change.id} ${change.status}; the old key stays for opening${purpose === 'kek' ? '' : ' and verifying'})\n`);
    if (purpose === 'kek') {
      const left = await findSealedUnderRetired(platform);
      if (left > 0) throw new AppError('INTERNAL', { detail: `keys rotate: ${left} values are still under a retired KEK` });
      process.stdout.write('no value is left under a retired KEK\n');
      return;
    }
    // updates: the delegation key is named by top-level targets (online), the others by the root.
    if (purpose === 'tuf-delegation') await platform.updates.tuf.publish(ctx, 'delegation-key-rotated');
    else if (purpose.startsWith('tuf-')) {
      process.stdout.write('the repository signs with the new key once a root lists it: run `vigil updates online-keys`, `vigil updates root rotate` offline, then `vigil updates root install`\n');
    }
  } finally {
    await platform.close();
  }
}

/** Values still sealed under a KEK that is no longer active (after a rotation: none). */
async function findSealedUnderRetired(platform: Platform): Promise<number> {
  const active = platform.keys.active('kek').id;
  let left = 0;
  for (const k of platform.keys.list()) if (k.purpose === 'kek' && k.id !== active) left += (await findSealedUnderKek(platform.database, k.id)).length;
  return left;
}
