/**
 * `vigil backup init-recovery|create|list|verify|restore|browse|prune`.
 *
 * MUST: the recovery key is printed once, on stdout, by init-recovery (and init); never logged
 *       or stored.
 * MUST: restore needs no live data directory: only the target and the recovery key.
 * MUST: every verb exits non-zero with a one-line reason when anything failed.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { auditKeysFromList } from '../audit/index.js';
import { initDrillIdentity, initRecoveryRecipient, restoreBackup, type BackupService } from '../backup/index.js';
import { browseBackup } from '../composition/browse.js';
import { drillIdentity, resolveAgeBinary, snapshotInspectorFor, snapshotRestorer, targetFromLocation, wireBackup } from '../composition/backup.js';
import { resolveDataDir, type Config } from '../config/index.js';
import { ed25519Verifier } from '../keys/index.js';
import { AppError, isErrorCode, systemClock } from '../kernel/index.js';
import { cliContext, openPlatform, type Platform } from '../main.js';
import type { CommonFlags } from './config-flags.js';
import { formatBytes, progressBar } from './progress-bar.js';

export interface CliHelpers {
  withStorageOptions(cmd: Command): Command;
  config(flags: CommonFlags): Config;
  action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void>;
}

interface BrowseFlags {
  reason?: string;
  patient?: string;
  device?: string;
  since?: string;
  until?: string;
  output?: string;
}

type Flags = CommonFlags & { target?: string[]; backup?: string; recoveryKey?: string; json?: boolean; rotate?: boolean; from?: string; dryRun?: boolean; publicKey?: string };

export function registerBackupCommands(program: Command, h: CliHelpers): void {
  const backup = program.command('backup').description('encrypted, signed, verified backups (docs/backup.md)');
  h.withStorageOptions(backup.command('init-recovery'))
    .description('create the recovery key pair: the recipient is kept, the recovery key is printed once')
    .option('--rotate', 'replace an existing recipient (old backups still need the old recovery key)')
    .action(h.action(async (flags: Flags) => runInitRecovery(h.config(flags), flags.rotate === true)));
  h.withStorageOptions(backup.command('create'))
    .description('take a backup now, to the configured targets (or --target)')
    .option('--target <dir...>', 'backup target directory (instead of backup.targets)')
    .action(h.action(async (flags: Flags) => runBackupCreate(h.config(flags), flags)));
  h.withStorageOptions(backup.command('list'))
    .description('list complete backups on the targets')
    .option('--target <dir...>', 'backup target directory (instead of backup.targets)')
    .option('--json', 'print JSON')
    .action(h.action(async (flags: Flags) => runBackupList(h.config(flags), flags)));
  h.withStorageOptions(backup.command('verify'))
    .description('download, decrypt and check a backup: hashes, signature, integrity, row counts, audit chain')
    .option('--target <dir...>', 'backup target directory (instead of backup.targets)')
    .option('--backup <id>', 'backup id (default: the newest)')
    .option('--recovery-key <file>', 'the recovery key file (default: the server-held drill key)')
    .action(h.action(async (flags: Flags) => runBackupVerify(h.config(flags), flags)));
  h.withStorageOptions(backup.command('prune'))
    .description('apply the grandfather-father-son retention policy to the targets')
    .option('--target <dir...>', 'backup target directory (instead of backup.targets)')
    .action(h.action(async (flags: Flags) => runBackupPrune(h.config(flags), flags)));
  h.withStorageOptions(backup.command('browse'))
    .description("read one patient's records, or one device's telemetry over a range, out of a backup as FHIR JSON; audited as a PHI access")
    .requiredOption('--reason <text>', 'why this PHI is read (recorded as a keyed fingerprint)')
    .option('--backup <id>', 'backup id (default: the newest)')
    .option('--target <dir...>', 'backup target (default: the first configured one)')
    .option('--patient <id>', 'a patient id')
    .option('--device <id>', 'a device id (with --since and --until)')
    .option('--since <iso>', 'start of the telemetry range (inclusive)')
    .option('--until <iso>', 'end of the telemetry range (exclusive)')
    .option('--recovery-key <file>', 'the recovery key file (default: the server-held drill key)')
    .option('--output <file>', 'write the FHIR Bundle to a file (mode 0600) instead of stdout')
    .action(h.action(async (flags: Flags & BrowseFlags) => runBackupBrowse(h.config(flags), flags)));
  h.withStorageOptions(backup.command('restore'))
    .description('build a NEW data directory from a backup, with only the target and the recovery key')
    .requiredOption('--from <target>', 'backup target directory')
    .requiredOption('--recovery-key <file>', 'the recovery key file (AGE-SECRET-KEY-1…)')
    .option('--backup <id>', 'backup id (default: the newest)')
    .option('--public-key <file>', "trusted audit-signing keys (public-keys.json or a PEM); default: the backup's own")
    .option('--dry-run', 'check everything a restore would do, and write nothing')
    .action(h.action(async (flags: Flags) => runBackupRestore(h.config(flags), flags)));
}

export async function runInitRecovery(config: Config, rotate: boolean): Promise<void> {
  const platform = await openPlatform({ config, env: process.env });
  try {
    const pair = await initRecoveryRecipient(platform.dataDir, { rotate, now: platform.clock.now() });
    await initDrillIdentity(platform.dataDir, platform.sealer);
    await platform.withAuditStore((store) =>
      platform.auditLog.writer(store).record(cliContext(), { action: 'backup.recovery_key.create', target: { type: 'backup_recipient', id: pair.recipient.slice(0, 64) }, outcome: 'success' }),
    );
    printRecoveryKey(pair.identity, pair.recipient, platform.keys.active('audit-signing').id);
  } finally {
    await platform.close();
  }
}

export function printRecoveryKey(identity: string, recipient: string, signingKeyId: string): void {
  process.stdout.write(
    `\nBackup recovery key (shown once; Vigil keeps only its public half):\n\n    ${identity}\n\n` +
      `Store it offline (a safe, a password manager held by two people). With it alone, any backup\n` +
      `restores on a new host:  vigil backup restore --from <target> --recovery-key <file> --data-dir <new>\n` +
      `or opens with the age tool:  age -d -i <file> <backup>/database.sqlite.age > vigil.db\n` +
      `Recipient: ${recipient}\nAudit-signing key that signs manifests: ${signingKeyId}\n\n`,
  );
}

async function withService<T>(config: Config, flags: Flags, fn: (service: BackupService, platform: Platform) => Promise<T>): Promise<T> {
  const platform = await openPlatform({ config, env: process.env });
  try {
    const targets = flags.target?.map((location) => targetFromLocation(location));
    const service = await wireBackup(platform, { env: process.env, configFile: flags.config ?? process.env['VIGIL_CONFIG'], ...(targets ? { targets } : {}) });
    return await fn(service, platform);
  } finally {
    await platform.security.alerts.flush();
    await platform.close();
  }
}

export async function runBackupCreate(config: Config, flags: Flags): Promise<void> {
  await withService(config, flags, async (service) => {
    const bar = progressBar('backup');
    const result = await service.create(cliContext(), (done, total) => bar.update(done, total));
    bar.finish();
    for (const o of result.outcomes) {
      process.stdout.write(o.ok ? `${result.id}  ${o.target}  ${formatBytes(o.bytes)}  ok\n` : `${result.id}  ${o.target}  FAILED: ${o.error ?? ''}\n`);
    }
    const failed = result.outcomes.filter((o) => !o.ok);
    if (failed.length > 0) throw new AppError('BACKUP_TARGET_FAILED', { detail: `backup ${result.id} failed on ${failed.map((o) => o.target).join(', ')}` });
  });
}

export async function runBackupList(config: Config, flags: Flags): Promise<void> {
  await withService(config, flags, async (service) => {
    const listed = await service.list();
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(listed.map((l) => ({ target: l.target, ...l.manifest })), null, 2)}\n`);
      return;
    }
    for (const { target, manifest } of listed) {
      const bytes = manifest.parts.reduce((n, p) => n + p.cipherBytes, 0);
      process.stdout.write(`${manifest.id}  ${manifest.engine}  ${formatBytes(bytes)}  audit head ${manifest.auditHead?.seq ?? 0}  ${target}\n`);
    }
  });
}

export async function runBackupVerify(config: Config, flags: Flags): Promise<void> {
  await withService(config, flags, async (service, platform) => {
    const identity = flags.recoveryKey !== undefined ? await readFile(flags.recoveryKey, 'utf8') : await drillIdentity(platform);
    if (identity === undefined) throw new AppError('BACKUP_NOT_CONFIGURED', { detail: 'no drill key in this data directory; pass --recovery-key' });
    const report = await service.verify(cliContext(), identity, { ...(flags.backup !== undefined ? { backupId: flags.backup } : {}), ...(flags.target?.[0] !== undefined ? { target: flags.target[0] } : {}) });
    if (!report.ok) throw new AppError(report.code !== undefined && isErrorCode(report.code) ? report.code : 'INTERNAL', { detail: `backup ${report.backupId} on ${report.target}: ${report.reason}` });
    process.stdout.write(`backup ${report.backupId} on ${report.target}: verified (manifest signed by ${report.signingKeyId ?? '?'}, ${report.auditEventsVerified ?? 0} audit events)\n`);
  });
}

export async function runBackupPrune(config: Config, flags: Flags): Promise<void> {
  await withService(config, flags, async (service) => {
    for (const r of await service.prune(cliContext())) process.stdout.write(`${r.target}: pruned ${r.pruned.length}, kept ${r.kept}\n`);
  });
}

export async function runBackupRestore(config: Config, flags: Flags): Promise<void> {
  if (flags.from === undefined || flags.recoveryKey === undefined) throw new AppError('VALIDATION_FAILED', { detail: 'restore needs --from and --recovery-key' });
  const target = targetFromLocation(flags.from);
  const id = flags.backup ?? (await target.listBackups()).at(-1);
  if (id === undefined) throw new AppError('BACKUP_NOT_FOUND', { detail: `no complete backup on ${target.name}` });
  const trustedKeys = flags.publicKey !== undefined ? await trustedKeysFrom(flags.publicKey) : undefined;
  const bar = progressBar('restore');
  const result = await restoreBackup(
    {
      target,
      identity: await readFile(flags.recoveryKey, 'utf8'),
      inspector: snapshotInspectorFor(config.databaseUrl),
      verifier: ed25519Verifier,
      auditPolicy: config.audit,
      ...(trustedKeys ? { trustedKeys } : {}),
      restorer: snapshotRestorer(config.databaseUrl),
      clock: systemClock,
      // backup.ageBinary: the `age` tool decrypts the database part when there is one (the library otherwise).
      ageBinary: await resolveAgeBinary(config.backup.ageBinary),
      onProgress: (done, total) => bar.update(done, total),
    },
    id,
    { dataDir: resolveDataDir(config.dataDir), dryRun: flags.dryRun === true },
  );
  bar.finish();
  const m = result.verified.manifest;
  process.stdout.write(
    result.dryRun
      ? `dry run: backup ${id} verified and restorable (manifest signed by ${result.verified.signingKeyId}); nothing was written\n`
      : `restored backup ${id} (${m.createdAt}, audit head ${m.auditHead?.seq ?? 0}) into ${result.dataDir}\n` +
          `manifest signed by ${result.verified.signingKeyId}: compare it with the key id recorded at init-recovery.\n` +
          `The restored key store opens with ${result.dataDir}/master.key (a new master key made for this backup):\n` +
          `move it to your secret store (VIGIL_MASTER_KEY) and unset any older VIGIL_MASTER_KEY before \`vigil start\`.\n`,
  );
}

async function trustedKeysFrom(file: string): Promise<Map<string, string>> {
  const text = await readFile(file, 'utf8');
  if (text.trimStart().startsWith('{')) return auditKeysFromList(text);
  throw new AppError('VALIDATION_FAILED', { detail: '--public-key must be a public-keys.json list (key ids are needed to match the manifest)' });
}

export async function runBackupBrowse(config: Config, flags: Flags & BrowseFlags): Promise<void> {
  if (flags.device !== undefined && (flags.since === undefined || flags.until === undefined || Number.isNaN(Date.parse(flags.since)) || Number.isNaN(Date.parse(flags.until)))) {
    throw new AppError('VALIDATION_FAILED', { detail: '--device needs --since and --until (ISO 8601 times)' });
  }
  await withService(config, flags, async (service, platform) => {
    const target = service.target(flags.target?.[0]);
    const id = flags.backup ?? (await target.listBackups()).at(-1);
    if (id === undefined) throw new AppError('BACKUP_NOT_FOUND', { detail: `no complete backup on ${target.name}` });
    const identity = flags.recoveryKey !== undefined ? await readFile(flags.recoveryKey, 'utf8') : await drillIdentity(platform);
    if (identity === undefined) throw new AppError('BACKUP_NOT_CONFIGURED', { detail: 'no drill key in this data directory; pass --recovery-key' });
    const bundle = await browseBackup(
      platform,
      {
        target,
        identity,
        backupId: id,
        reason: flags.reason ?? '',
        patientId: flags.patient,
        device: flags.device !== undefined ? { id: flags.device, from: new Date(flags.since ?? '').toISOString(), to: new Date(flags.until ?? '').toISOString() } : undefined,
      },
      cliContext(),
    );
    const text = `${JSON.stringify(bundle, null, 2)}\n`;
    if (flags.output !== undefined) await writeFile(flags.output, text, { mode: 0o600, flag: 'wx' });
    else process.stdout.write(text);
  });
}
