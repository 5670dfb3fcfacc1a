/**
 * `vigil dr drill|reports`: disaster-recovery drills and their signed reports.
 *
 * MUST: `dr drill --from TARGET --recovery-key FILE` works with no live data directory (a
 *       whole-host-loss drill): only the backup target and the recovery key.
 * MUST: a failed drill exits 1 and names the failed checks.
 */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { drillIdentity, targetFromLocation, wireBackup } from '../composition/backup.js';
import { drillNow } from '../composition/drill.js';
import { resolveDataDir, type Config } from '../config/index.js';
import { AppError } from '../kernel/index.js';
import { cliContext, isInitialized, openPlatform, type Platform } from '../main.js';
import { backupRunStore } from '../storage/index.js';
import type { CliHelpers } from './backup-commands.js';
import type { CommonFlags } from './config-flags.js';

type Flags = CommonFlags & { from?: string; recoveryKey?: string; backup?: string; reportDir?: string; json?: boolean };

export function registerDrCommands(program: Command, h: CliHelpers): void {
  const dr = program.command('dr').description('disaster recovery: drills with measured RTO and RPO (docs/backup.md)');
  h.withStorageOptions(dr.command('drill'))
    .description('restore the newest backup into scratch, start Vigil on free loopback ports, check it, measure RTO/RPO, write a signed report')
    .option('--from <target>', 'backup target (default: the first configured one); with --recovery-key and no data directory: a whole-host-loss drill')
    .option('--recovery-key <file>', 'the recovery key file (default: the server-held drill key)')
    .option('--backup <id>', 'backup id (default: the newest)')
    .option('--report-dir <dir>', 'where the JSON and HTML reports go (default: <data-dir>/drills, or the current directory)')
    .action(h.action(async (flags: Flags) => runDrillCommand(h.config(flags), flags)));
  h.withStorageOptions(dr.command('reports'))
    .description('list past drills with RTO and RPO')
    .option('--json', 'print JSON')
    .action(h.action(async (flags: Flags) => runDrillReports(h.config(flags), flags.json === true)));
}

export async function runDrillCommand(config: Config, flags: Flags): Promise<void> {
  const recoveryKey = flags.recoveryKey !== undefined ? await readFile(flags.recoveryKey, 'utf8') : undefined;
  const live = await isInitialized(config);
  if (!live) {
    if (flags.from === undefined || recoveryKey === undefined) {
      throw new AppError('VALIDATION_FAILED', { detail: `no data directory at ${resolveDataDir(config.dataDir)}: a whole-host-loss drill needs --from and --recovery-key` });
    }
    const { signed, files } = await drillNow(
      { target: targetFromLocation(flags.from), identity: recoveryKey, backupId: flags.backup, databaseUrl: config.databaseUrl, objectives: config.backup.objectives, reportDir: resolve(flags.reportDir ?? '.'), scratchRoot: join(tmpdir(), 'vigil-drill') },
      cliContext(),
    );
    return printed(signed.report, files);
  }
  const platform = await openPlatform({ config, env: process.env });
  try {
    const targets = flags.from !== undefined ? [targetFromLocation(flags.from)] : undefined;
    const service = await wireBackup(platform, { env: process.env, ...(targets ? { targets } : {}) });
    const identity = recoveryKey ?? (await drillIdentity(platform));
    const [target] = service.targets;
    if (identity === undefined || target === undefined) throw new AppError('BACKUP_NOT_CONFIGURED', { detail: 'no drill key in this data directory; pass --recovery-key' });
    const { signed, files } = await drillNow(
      {
        target,
        identity,
        backupId: flags.backup,
        live: { platform, service },
        objectives: config.backup.objectives,
        reportDir: resolve(flags.reportDir ?? join(platform.dataDir, 'drills')),
        scratchRoot: join(platform.dataDir, 'backup-staging'),
      },
      cliContext(),
    );
    printed(signed.report, files);
  } finally {
    await platform.security.alerts.flush();
    await platform.close();
  }
}

function printed(report: { ok: boolean; backupId: string; rtoMs: number | null; rpoMs: number; checks: ReadonlyArray<{ name: string; ok: boolean; detail: string }> }, files: { json: string; html: string }): void {
  for (const c of report.checks) process.stdout.write(`${c.ok ? 'pass' : 'FAIL'}  ${c.name}: ${c.detail}\n`);
  process.stdout.write(`drill of ${report.backupId}: ${report.ok ? 'PASSED' : 'FAILED'}; RTO ${report.rtoMs === null ? 'not reached' : `${report.rtoMs} ms`}, RPO ${report.rpoMs} ms\nreport: ${files.json}\n        ${files.html}\n`);
  if (!report.ok) throw new AppError('BACKUP_CONTENT_MISMATCH', { detail: `drill failed: ${report.checks.filter((c) => !c.ok).map((c) => c.name).join(', ')}` });
}

export async function runDrillReports(config: Config, json: boolean): Promise<void> {
  const platform = await openPlatform({ config, env: process.env });
  try {
    const runs = await wireBackupRuns(platform);
    if (json) {
      process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
      return;
    }
    for (const r of runs) process.stdout.write(`${r.startedAt}  ${r.outcome.padEnd(7)}  ${r.backupId ?? '-'}  ${r.detail}\n`);
  } finally {
    await platform.close();
  }
}

function wireBackupRuns(platform: Platform) {
  return backupRunStore(platform.database.db).recent('drill', 100);
}
