/**
 * Wiring of the backup module (issue 12): targets from the config, the snapshot and inspection
 * adapters of the configured engine, the recovery recipients, audit, run records and alerts.
 * The only place backup/ meets storage/ and the platform.
 */
import { join } from 'node:path';
import { auditKeysFromList } from '../audit/index.js';
import { S3Client } from '@aws-sdk/client-s3';
import { BackupService, LocalDirectoryTarget, S3Target, TIER_LOCK_DAYS, openDrillIdentity, readRecipient, requireRecipient, collectCarriedFiles, type BackupEngine, type BackupFailure, type BackupTarget, type SnapshotInspector, type SnapshotRestorer, type SnapshotSource } from '../backup/index.js';
import type { Config } from '../config/index.js';
import { ed25519Verifier, findAgeBinary, keyStorePaths, resealKeyStoreForRecovery } from '../keys/index.js';
import { AppError } from '../kernel/index.js';
import { CronJobs } from '../jobs/index.js';
import { drillNow } from './drill.js';
import { masterKeyFromEnv, systemRequestContext, type Platform } from '../main.js';
import { backupRunStore, createScratchDatabase, inspectPostgresCopy, inspectSqliteCopy, postgresSnapshotSource, restorePostgresCopy, restoreSqliteCopy, sqliteSnapshotSource } from '../storage/index.js';
import { readFile } from 'node:fs/promises';

export const VIGIL_VERSION = '0.1.0';

/** The configured targets, plus VIGIL_BACKUP_DIR (a local directory) when set. */
export function backupTargets(config: Config, env: NodeJS.ProcessEnv): BackupTarget[] {
  const targets: BackupTarget[] = [];
  for (const t of config.backup.targets) {
    if (t.kind === 'directory') targets.push(new LocalDirectoryTarget(t.path));
    else targets.push(s3Target({ bucket: t.bucket, prefix: t.prefix, region: t.region, endpoint: t.endpoint, forcePathStyle: t.forcePathStyle, objectLock: t.objectLock }));
  }
  const dir = env['VIGIL_BACKUP_DIR'];
  if (dir !== undefined && dir !== '') targets.push(new LocalDirectoryTarget(dir));
  return targets;
}

/** A target named on the command line: a directory path (or `s3://bucket/prefix`). */
export function targetFromLocation(location: string, env: NodeJS.ProcessEnv = process.env): BackupTarget {
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(location);
  if (location.startsWith('s3://') && !s3) throw new AppError('VALIDATION_FAILED', { detail: `not an s3://bucket/prefix location: ${location}` });
  if (s3) {
    const endpoint = env['AWS_ENDPOINT_URL_S3'] ?? env['AWS_ENDPOINT_URL'];
    return s3Target({
      bucket: s3[1] ?? '',
      prefix: s3[2] ?? '',
      region: env['AWS_REGION'] ?? 'us-east-1',
      endpoint,
      forcePathStyle: endpoint !== undefined,
      objectLock: env['VIGIL_BACKUP_OBJECT_LOCK'] === 'off' ? 'off' : 'compliance',
    });
  }
  return new LocalDirectoryTarget(location);
}

/** An S3 target; credentials come from the SDK's default chain (AWS_ACCESS_KEY_ID…, a profile, an instance role). */
export function s3Target(t: { bucket: string; prefix: string; region: string; endpoint?: string | undefined; forcePathStyle: boolean; objectLock: 'compliance' | 'governance' | 'off' }): S3Target {
  const client = new S3Client({ region: t.region, ...(t.endpoint !== undefined ? { endpoint: t.endpoint } : {}), forcePathStyle: t.forcePathStyle, maxAttempts: 3 });
  return new S3Target({ client, bucket: t.bucket, prefix: t.prefix, objectLock: t.objectLock, initialLockDays: TIER_LOCK_DAYS.hourly, now: () => new Date() });
}

export function snapshotSource(platform: Platform): SnapshotSource {
  const url = platform.config.databaseUrl;
  return url === undefined ? sqliteSnapshotSource(platform.dataDir) : postgresSnapshotSource(url);
}

/** Opens a decrypted copy for verification: SQLite read-only; PostgreSQL restored into a scratch database on `databaseUrl`'s server. */
export function snapshotInspectorFor(databaseUrl: string | undefined): SnapshotInspector {
  return async (engine, file) => {
    if (engine === 'sqlite') return inspectSqliteCopy(file);
    if (databaseUrl !== undefined) return inspectPostgresCopy(file, databaseUrl);
    throw new AppError('BACKUP_ENGINE_MISMATCH', { detail: 'verifying a PostgreSQL backup needs a PostgreSQL server: pass --database-url' });
  };
}

export const snapshotInspector: SnapshotInspector = snapshotInspectorFor(undefined);

export function snapshotRestorer(databaseUrl: string | undefined): SnapshotRestorer {
  return async (engine, file, dataDir) => {
    if (engine === 'sqlite' && databaseUrl === undefined) return restoreSqliteCopy(file, dataDir);
    if (engine === 'postgres' && databaseUrl !== undefined) return restorePostgresCopy(file, databaseUrl);
    throw new AppError('BACKUP_ENGINE_MISMATCH', {
      detail: `a ${engine} backup cannot be restored into ${databaseUrl === undefined ? 'SQLite' : 'PostgreSQL'}; see docs/backup.md (moving between engines)`,
    });
  };
}

/**
 * Runs `work` with the database URL a backup of `engine` is restored into for scratch use (a
 * drill, browse): none for SQLite (a file in the scratch data directory); for PostgreSQL a
 * uniquely named scratch database on `serverUrl`'s server, dropped afterwards whatever happens.
 */
export async function withScratchDatabase<T>(engine: BackupEngine, serverUrl: string | undefined, prefix: 'vigil_drill' | 'vigil_browse', work: (databaseUrl: string | undefined) => Promise<T>): Promise<T> {
  if (engine === 'sqlite') return work(undefined);
  if (serverUrl === undefined) {
    throw new AppError('BACKUP_ENGINE_MISMATCH', { detail: 'a PostgreSQL backup is opened in a scratch database on a PostgreSQL server: pass --database-url (or set database.url)' });
  }
  const scratch = await createScratchDatabase(serverUrl, prefix);
  try {
    return await work(scratch.url);
  } finally {
    await scratch.drop();
  }
}

export interface BackupWiringOptions {
  readonly env: NodeJS.ProcessEnv;
  /** The config file in use, carried in each backup. */
  readonly configFile?: string | undefined;
  /** Targets to use instead of the configured ones (a CLI --target). */
  readonly targets?: readonly BackupTarget[];
  /** Longest time one target may take (tests). */
  readonly targetTimeoutMs?: number;
  /** Overrides backup.ageBinary: "auto", "library" or the tool's path (bench, tests). */
  readonly ageBinary?: string;
}

export async function wireBackup(platform: Platform, options: BackupWiringOptions): Promise<BackupService> {
  const { dataDir, config, clock } = platform;
  const targets = options.targets ?? backupTargets(config, options.env);
  if (targets.length === 0) {
    throw new AppError('BACKUP_NOT_CONFIGURED', { detail: 'no backup target: set backup.targets in the config, VIGIL_BACKUP_DIR, or pass --target' });
  }
  const recovery = await requireRecipient(dataDir);
  const drill = await openDrillIdentity(dataDir, platform.sealer);
  const alerts = platform.security.alerts;
  return new BackupService({
    create: {
      source: snapshotSource(platform),
      signer: () => platform.keys.signer('audit-signing'),
      recipients: drill ? [recovery, drill.recipient] : [recovery],
      recoveryKeyStore: () => resealKeyStoreForRecovery({ dataDir, masterKey: masterKeyFromEnv(options.env), clock }),
      carriedFiles: () => collectCarriedFiles(dataDir, options.configFile),
      stagingDir: join(dataDir, 'backup-staging'),
      clock,
      vigilVersion: VIGIL_VERSION,
      ...(options.targetTimeoutMs !== undefined ? { targetTimeoutMs: options.targetTimeoutMs } : {}),
      ageBinary: await resolveAgeBinary(options.ageBinary ?? config.backup.ageBinary),
    },
    targets,
    inspector: snapshotInspectorFor(config.databaseUrl),
    verifier: ed25519Verifier,
    auditPolicy: config.audit,
    trustedKeys: async () => auditKeysFromList(await readFile(keyStorePaths(dataDir).publicKeysFile, 'utf8')),
    runs: backupRunStore(platform.database.db),
    audit: async (ctx, event) => {
      await platform.withAuditStore((store) => platform.auditLog.writer(store).record(ctx, event));
    },
    alert: (failure) => alerts.raise(backupAlert(failure, clock.now())),
    retention: config.backup.retention,
    scratchRoot: join(dataDir, 'backup-staging'),
    clock,
  });
}

/**
 * backup.ageBinary: "auto" finds Debian's `age` at a fixed path (the library when there is none),
 * "library" is the library, anything else names the tool (a relative name is looked up on PATH by
 * spawn, as an operator chose it).
 */
export async function resolveAgeBinary(setting: string | undefined): Promise<string | undefined> {
  if (setting === undefined || setting === 'auto') return findAgeBinary();
  if (setting === 'library') return undefined;
  return setting;
}

/** The drill identity of a data directory, for server-side verification and drills. */
export async function drillIdentity(platform: Platform): Promise<string | undefined> {
  return (await openDrillIdentity(platform.dataDir, platform.sealer))?.identity;
}

export async function hasRecoveryRecipient(dataDir: string): Promise<boolean> {
  return (await readRecipient(dataDir)) !== undefined;
}

function backupAlert(failure: BackupFailure, now: Date) {
  return {
    detector: 'backup-failure',
    severity: failure.kind === 'verify' || failure.kind === 'drill' ? ('critical' as const) : ('high' as const),
    title: `Backup ${failure.kind} failed`,
    summary: `${failure.kind} on ${failure.target}${failure.backupId ? ` (${failure.backupId})` : ''} failed: ${failure.reason}`.slice(0, 500),
    orgId: null,
    subject: { kind: 'source' as const, id: failure.target.slice(0, 128) },
    count: 1,
    at: now.toISOString(),
    windowSeconds: 3600,
    eventIds: [],
    auditSeqs: [],
  };
}

/**
 * The backup jobs of a running server: backups on `backup.schedule` (retried, then pruned and
 * verified with the drill key). Nothing runs when no target or no recovery recipient is set.
 */
export async function startBackupJobs(platform: Platform, env: NodeJS.ProcessEnv, onError: (job: string, error: unknown) => void): Promise<CronJobs | undefined> {
  const { config } = platform;
  if (backupTargets(config, env).length === 0 || !(await hasRecoveryRecipient(platform.dataDir))) return undefined;
  const service = await wireBackup(platform, { env, configFile: env['VIGIL_CONFIG'] });
  const jobs = new CronJobs(onError);
  jobs.add({
    name: 'backup',
    pattern: config.backup.schedule,
    run: async () => {
      const run = await service.runScheduled(systemRequestContext('backup'), { identity: await drillIdentity(platform), attempts: 3, delayMs: 60_000 });
      if (run.failedTargets.length > 0) throw new Error(`backup failed on ${run.failedTargets.join(', ')} after 3 attempts`);
    },
  });
  // DR drills, quarterly by default, with the server-held drill key; a failed drill alerts (recordRun).
  const [first] = service.targets;
  jobs.add({
    name: 'dr-drill',
    pattern: config.backup.drillSchedule,
    run: async () => {
      const identity = await drillIdentity(platform);
      if (identity === undefined || first === undefined) throw new Error('no drill key or target');
      await drillNow(
        { target: first, identity, live: { platform, service }, objectives: config.backup.objectives, reportDir: join(platform.dataDir, 'drills'), scratchRoot: join(platform.dataDir, 'backup-staging') },
        systemRequestContext('dr-drill'),
      );
    },
  });
  if (config.backup.drillSchedule !== 'off') {
    jobs.add({ name: 'dr-drill-overdue', pattern: '17 6 * * *', run: async () => void (await service.checkDrillOverdue(config.backup.drillOverdueDays)) });
  }
  return jobs;
}
