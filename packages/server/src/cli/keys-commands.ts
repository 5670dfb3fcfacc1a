/**
 * `vigil keys list|rotate`. Never prints key material. Rotation is audited. Rotating the KEK
 * then re-wraps everything sealed under an older KEK (patient fields, grant texts, TOTP secrets,
 * channel secrets, clinical alert values, the vitals' data keys; composition/key-rotation.ts).
 * With a server running, rotate through it instead (POST /api/v1/keys/kek/rotate, docs/keys.md):
 * the server must be the one whose KEK changes.
 */
import { lockDataDir, type Config, type DataDirLock } from '../config/index.js';
import { AppError, isAppError } from '../kernel/index.js';
import { cliContext, openPlatform } from '../main.js';

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

export async function runKeysRotate(config: Config, purpose: string): Promise<void> {
  if (!(ROTATABLE as readonly string[]).includes(purpose)) {
    throw new AppError('VALIDATION_FAILED', { detail: `keys rotate: purpose must be one of ${ROTATABLE.join(', ')}` });
  }
  const platform = await openPlatform({ config, env: process.env });
  try {
    const ctx = cliContext();
    if (purpose === 'kek') {
      // A running server would keep wrapping under the retired KEK and could not open what this
      // process re-wraps: with a server up, the rotation must happen in it (POST /api/v1/keys/kek/rotate).
      let lock: DataDirLock;
      try {
        lock = lockDataDir(platform.dataDir);
      } catch (error) {
        if (isAppError(error) && error.code === 'DATA_DIR_LOCKED') {
          throw new AppError('DATA_DIR_LOCKED', { detail: `${error.message}; rotate the KEK through the running server instead: POST /api/v1/keys/kek/rotate (docs/keys.md)`, cause: error });
        }
        throw error;
      }
      let report;
      try {
        report = await platform.rotateKek(ctx);
      } finally {
        lock.release();
      }
      process.stdout.write(`rotated kek: ${report.previousKekId} -> ${report.kekId} (the old key stays for opening)\n`);
      const moved = Object.entries(report.rewrapped).filter(([, n]) => n > 0);
      process.stdout.write(`re-wrapped under ${report.kekId}: ${moved.length === 0 ? 'nothing was sealed' : moved.map(([t, n]) => `${t} ${n}`).join(', ')}\n`);
      if (report.remaining > 0) throw new AppError('INTERNAL', { detail: `keys rotate: ${report.remaining} values are still under a retired KEK; run it again` });
      process.stdout.write('no value is left under a retired KEK\n');
      return;
    }
    const previous = platform.keys.active(purpose as Rotatable).id;
    const info = await platform.withAuditStore(async (store) => {
      const rotated = await platform.keys.rotate(purpose as Rotatable);
      await platform.auditLog.append(store, ctx, [
        {
          action: purpose === 'audit-signing' ? 'keys.audit_signing.rotate' : 'keys.tuf.rotate',
          target: { type: 'key', id: rotated.id },
          outcome: 'success',
          details: { previousKeyId: previous },
        },
      ]);
      return rotated;
    });
    process.stdout.write(`rotated ${purpose}: ${previous} -> ${info.id} (the old key stays for opening and verifying)\n`);
    // updates: the delegation key is named by top-level targets (online), the others by the root.
    if (purpose === 'tuf-delegation') await platform.updates.tuf.publish(ctx, 'delegation-key-rotated');
    else if (purpose.startsWith('tuf-')) {
      process.stdout.write('the repository signs with the new key once a root lists it: run `vigil updates online-keys`, `vigil updates root rotate` offline, then `vigil updates root install`\n');
    }
  } finally {
    await platform.close();
  }
}
