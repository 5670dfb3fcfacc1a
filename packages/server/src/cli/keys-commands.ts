/**
 * `vigil keys list|rotate`. Never prints key material. Rotation is audited. Rotating the KEK
 * then re-wraps every sealed patient field and grant text under the new KEK (audited per batch).
 */
import type { Config } from '../config/index.js';
import { AppError } from '../kernel/index.js';
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
    const previous = platform.keys.active(purpose as Rotatable).id;
    const info = await platform.withAuditStore(async (store) => {
      const rotated = await platform.keys.rotate(purpose as Rotatable);
      await platform.auditLog.append(store, ctx, [
        {
          action: purpose === 'kek' ? 'keys.kek.rotate' : purpose === 'audit-signing' ? 'keys.audit_signing.rotate' : 'keys.tuf.rotate',
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
    if (purpose === 'kek') {
      const report = await platform.patients.rewrap(ctx);
      process.stdout.write(`re-wrapped sealed PHI under ${report.kekId}: ${report.rewrapped} values (${report.patients} patients, ${report.grants} break-glass grants)\n`);
    }
  } finally {
    await platform.close();
  }
}
