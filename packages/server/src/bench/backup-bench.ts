/**
 * `npm run bench -- backup [--readings N] [--ingest-seconds S] [--rounds R] [--throughput-rounds T] [--devices D] [--no-library] [--no-drill]`:
 * on a SQLite database holding N telemetry readings (default 5,000,000):
 *   - backup throughput (snapshot + age + hashes + write to a local target) against the engine's own
 *     unencrypted snapshot (the online backup API, as the backup takes it) to the same directory,
 *     same run, in T alternating rounds (engine, backup, engine, backup, …; default 3), each
 *     backup against the mean of the engine's copies around it, median over the rounds:
 *     ratio (goal >= 0.4; also against VACUUM INTO for reference), with
 *     the default encoder (backup.ageBinary "auto": the `age` tool when installed) and with the
 *     library; also the age-encryption (JS) and Go `age` encryption rates on the same file;
 *   - ingest rate (group commit, D devices) while a backup runs, against ingest without one:
 *     ratio (goal >= 0.7), with both encoders. On a shared machine the load moves, so the windows
 *     alternate: alone, during, alone, during, …, alone (--rounds R backups, default 3; each alone
 *     window S seconds); each backup's ingest is compared with the mean of the two alone windows
 *     around it, and the ratio reported is the median over the rounds (each round's is listed);
 *   - peak RSS growth of the process during the backup, next to the database size (flat memory);
 *   - the RTO of a DR drill of that backup.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { TelemetryEnvelope } from '@vigil/protocol';
import { initDrillIdentity, initRecoveryRecipient, LocalDirectoryTarget, type BackupService } from '../backup/index.js';
import { drillIdentity, wireBackup } from '../composition/backup.js';
import { drillNow } from '../composition/drill.js';
import { validate, type Config } from '../config/index.js';
import { ageEncryptFile, findAgeBinary } from '../keys/index.js';
import { SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import { createTelemetry, initialize, openPlatform, type Platform } from '../main.js';
import { encodeValues, type IngestDevice } from '../telemetry/index.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    readings: { type: 'string', default: '5000000' },
    'ingest-seconds': { type: 'string', default: '10' },
    devices: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    'throughput-rounds': { type: 'string', default: '3' },
    drill: { type: 'boolean', default: true },
    // --no-library: skip the library encoder's runs (the slow reference), e.g. at 5M readings on a busy machine.
    library: { type: 'boolean', default: true },
  },
  allowNegative: true,
  allowPositionals: true,
});
const readings = Number(values.readings);
const ingestSeconds = Number(values['ingest-seconds']);
const deviceCount = Number(values.devices);
const throughputRounds_ = Number(values['throughput-rounds']);
const rounds = Math.max(1, Number(values.rounds));
const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'bench', source: '127.0.0.1' };
const MiB = 1024 * 1024;

/**
 * N readings in SQL (a recursive CTE, the indexes dropped during the insert and built after):
 * about a minute for 5 million. Each reading has a sealed value of the real sealed size (random
 * bytes: backup treats them as opaque; nothing in the bench opens them).
 */
function fill(file: string, n: number, sealedBytes: number): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const indexes = db.prepare("select name, sql from sqlite_master where type = 'index' and tbl_name = 'telemetry_readings' and sql is not null").all() as Array<{ name: string; sql: string }>;
  for (const index of indexes) db.exec(`drop index "${index.name}"`);
  const t0 = Date.UTC(2026, 0, 1);
  db.prepare(
    `with recursive i(n) as (select 0 union all select n + 1 from i where n < ? - 1)
     insert into telemetry_readings (org_id, device_id, patient_id, seq, idx, metric, value, unit, measured_at, received_at, digest, value_sealed)
     select 'org-bench', 'bench-dev-' || (n % 1000), 'patient-' || (n % 1000), n / 1000 + 1, 0, '8867-4', null, '/min',
            strftime('%Y-%m-%dT%H:%M:%fZ', (? + n * 250) / 1000.0, 'unixepoch'), strftime('%Y-%m-%dT%H:%M:%fZ', (? + n * 250) / 1000.0, 'unixepoch'), null, randomblob(?)
     from i`,
  ).run(n, t0, t0, sealedBytes);
  for (const index of indexes) db.exec(index.sql);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/**
 * A data directory holding N readings: built once, then copied from a cache in the temp
 * directory (VIGIL_BENCH_CACHE, default <tmpdir>/vigil-bench-backup-cache) on later runs.
 */
async function prepareDataDir(dataDir: string, config: Config, n: number): Promise<{ seconds: number; cached: boolean }> {
  const cacheRoot = process.env['VIGIL_BENCH_CACHE'] ?? join(tmpdir(), 'vigil-bench-backup-cache');
  const cached = join(cacheRoot, `readings-${n}`);
  const start = performance.now();
  if (existsSync(join(cached, 'vigil.db'))) {
    execFileSync('cp', ['-a', '--reflink=auto', cached, dataDir]);
    return { seconds: (performance.now() - start) / 1000, cached: true };
  }
  await initialize({ config, env: {} });
  const platform = await openPlatform({ config, env: {} });
  const sealing = platform.vitalsAtRest.sealing;
  await sealing?.prepare();
  const sealedBytes = sealing?.seal(encodeValues(70), 'bench').length ?? 40;
  await platform.close();
  fill(join(dataDir, 'vigil.db'), n, sealedBytes);
  await mkdir(cacheRoot, { recursive: true, mode: 0o700 });
  await rm(cached, { recursive: true, force: true });
  execFileSync('cp', ['-a', '--reflink=auto', dataDir, cached]);
  return { seconds: (performance.now() - start) / 1000, cached: false };
}

/** Submits telemetry from D devices until `until()` says stop; returns messages stored per second. */
async function ingest(platform: Platform, until: () => boolean, seqBase: number): Promise<{ stored: number; seconds: number }> {
  const telemetry = createTelemetry(platform, { emit: () => undefined });
  const devices = Array.from({ length: deviceCount }, (_, n): IngestDevice => ({ deviceId: `live-dev-${n}`, orgId: 'org-bench', model: 'm', publicKeyPem: '' }));
  let stored = 0;
  const start = performance.now();
  await Promise.all(
    devices.map(async (device) => {
      for (let seq = seqBase; !until(); seq += 1) {
        const envelope: TelemetryEnvelope = { v: 1, deviceId: device.deviceId, seq, ts: new Date().toISOString(), readings: [{ metric: '8867-4', value: 70, unit: '/min' }] };
        if ((await telemetry.committer.submit(device, envelope, '127.0.0.1')) === 'stored') stored += 1;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  await telemetry.committer.close();
  return { stored, seconds };
}

/** One backup with ingest running along it: seconds, ingest rate, peak RSS growth of this process (worker threads included). */
async function backupUnderIngest(platform: Platform, service: BackupService, seqBase: number): Promise<{ id: string; seconds: number; ingestPerSecond: number; rssGrowthMiB: number; bytes: number }> {
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  let backingUp = true;
  const during = ingest(platform, () => !backingUp, seqBase);
  const start = performance.now();
  const created = await service.create(ctx);
  const seconds = (performance.now() - start) / 1000;
  backingUp = false;
  const withBackup = await during;
  clearInterval(sampler);
  if (!created.outcomes.every((o) => o.ok)) throw new Error(`backup failed: ${JSON.stringify(created.outcomes)}`);
  return { id: created.id, seconds, ingestPerSecond: withBackup.stored / withBackup.seconds, rssGrowthMiB: Math.round((rssPeak - rssBefore) / MiB), bytes: created.outcomes[0]?.bytes ?? 0 };
}

interface IngestRound {
  readonly aloneBefore: number;
  readonly during: number;
  readonly aloneAfter: number;
  readonly ratio: number;
  readonly backupSeconds: number;
}

interface Alternated {
  readonly rounds: IngestRound[];
  /** Median of the rounds' ratios (each: during / mean of the alone windows around it). */
  readonly ratio: number;
  /** All rounds pooled: mean of the during rates / mean of the alone rates. */
  readonly pooledRatio: number;
  readonly aloneMean: number;
  readonly duringMean: number;
  readonly lastAlone: number;
  readonly rssGrowthMiB: number;
  readonly bytes: number;
}

let nextSeqBase = 1;
/** Each ingest window uses its own range of sequence numbers (a device's seq must grow). */
function seqRange(): number {
  nextSeqBase += 10_000_000;
  return nextSeqBase;
}

/** Ingest with no backup for S seconds; messages stored per second. */
async function aloneWindow(platform: Platform): Promise<number> {
  const stopAt = performance.now() + ingestSeconds * 1000;
  const r = await ingest(platform, () => performance.now() > stopAt, seqRange());
  return r.stored / r.seconds;
}

/**
 * Alone, during, alone, during, …, alone: `n` backups under ingest, each bracketed by alone
 * windows (shared between neighbouring rounds), so that a change of the machine's load hits the
 * baseline and the measurement alike. Each round's backup is removed after it (flat disk use).
 */
async function alternate(platform: Platform, service: BackupService, target: LocalDirectoryTarget, n: number, firstAlone?: number): Promise<Alternated> {
  const out: IngestRound[] = [];
  let before = firstAlone ?? (await aloneWindow(platform));
  const alones = [before];
  let rss = 0;
  let bytes = 0;
  for (let i = 0; i < n; i += 1) {
    const d = await backupUnderIngest(platform, service, seqRange());
    await target.removeBackup(d.id);
    const after = await aloneWindow(platform);
    alones.push(after);
    out.push({ aloneBefore: Math.round(before), during: Math.round(d.ingestPerSecond), aloneAfter: Math.round(after), ratio: ratio(d.ingestPerSecond, (before + after) / 2), backupSeconds: Math.round(d.seconds * 10) / 10 });
    rss = Math.max(rss, d.rssGrowthMiB);
    bytes = d.bytes;
    before = after;
  }
  const middle = median(out.map((r) => r.ratio));
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const aloneMean = mean(alones);
  const duringMean = mean(out.map((r) => r.during));
  return { rounds: out, ratio: Math.round(middle * 100) / 100, pooledRatio: ratio(duringMean, aloneMean), aloneMean: Math.round(aloneMean), duringMean: Math.round(duringMean), lastAlone: before, rssGrowthMiB: rss, bytes };
}

function ratio(a: number, b: number): number {
  return Math.round((a / b) * 100) / 100;
}

/** One backup with nothing else running; removed after (flat disk use), except the last one the drill restores. */
async function quietBackup(service: BackupService, target: LocalDirectoryTarget): Promise<{ seconds: number; snapshotSeconds: number }> {
  for (const id of await target.listBackups()) await target.removeBackup(id);
  const start = performance.now();
  const created = await service.create(ctx);
  const seconds = (performance.now() - start) / 1000;
  if (!created.outcomes.every((o) => o.ok)) throw new Error(`backup failed: ${JSON.stringify(created.outcomes)}`);
  return { seconds, snapshotSeconds: created.snapshotMs / 1000 };
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

const root = await mkdtemp(join(tmpdir(), 'vigil-bench-backup-'));
try {
  const { config } = validate({ dataDir: join(root, 'data'), logLevel: 'silent', httpPort: 0, mqttPort: 0 });
  const prepared = await prepareDataDir(join(root, 'data'), config, readings);
  const platform = await openPlatform({ config, env: {} });
  const pair = await initRecoveryRecipient(platform.dataDir, { now: new Date() });
  await initDrillIdentity(platform.dataDir, platform.sealer);
  const targetDir = join(root, 'target');
  const targets = [new LocalDirectoryTarget(targetDir)];
  const service = await wireBackup(platform, { env: {}, targets, ageBinary: 'auto' });
  const library = await wireBackup(platform, { env: {}, targets, ageBinary: 'library' });
  const goAge = await findAgeBinary();
  const dbBytes = statSync(join(root, 'data', 'vigil.db')).size;

  // Ingest alone and along a backup in alternating windows (default encoder, then the library).
  const [localTarget] = targets;
  if (localTarget === undefined) throw new Error('no target');
  const underDefault = await alternate(platform, service, localTarget, rounds);
  const underLibrary = values.library ? await alternate(platform, library, localTarget, 1, underDefault.lastAlone) : undefined;

  // Baseline, measured in the same state of the database as the quiet backups beside it:
  // the engine's own snapshot (the online backup API in one read transaction, as the backup takes
  // it), unencrypted, same filesystem; and VACUUM INTO (what the backup used before) for reference.
  const raw = new Database(join(root, 'data', 'vigil.db'), { readonly: true });
  const engineSnapshot = async (): Promise<number> => {
    await rm(join(root, 'raw-snapshot.db'), { force: true });
    const rawStart = performance.now();
    raw.exec('BEGIN');
    raw.prepare('select count(*) from sqlite_master').get();
    await raw.backup(join(root, 'raw-snapshot.db'), { progress: () => 1024 });
    raw.exec('COMMIT');
    return (performance.now() - rawStart) / 1000;
  };
  const rawSeconds = await engineSnapshot();
  const vacuumStart = performance.now();
  raw.prepare('VACUUM INTO ?').run(join(root, 'vacuum-snapshot.db'));
  const vacuumSeconds = (performance.now() - vacuumStart) / 1000;
  await rm(join(root, 'vacuum-snapshot.db'), { force: true });
  const snapshotBytes = statSync(join(root, 'raw-snapshot.db')).size;

  // Reference encryption rates on the same file: age-encryption (JS, in a worker) and Go age.
  let jsSeconds: number | null = null;
  if (values.library) {
    const jsStart = performance.now();
    const jsOut = ageEncryptFile(join(root, 'raw-snapshot.db'), [pair.recipient]);
    await pipeline(jsOut.stream, createWriteStream(join(root, 'js.age')));
    jsSeconds = (performance.now() - jsStart) / 1000;
  }
  let goSeconds: number | null = null;
  if (goAge !== undefined) {
    const goStart = performance.now();
    execFileSync(goAge, ['-r', pair.recipient, '-o', join(root, 'go.age'), join(root, 'raw-snapshot.db')]);
    goSeconds = (performance.now() - goStart) / 1000;
  }
  await rm(join(root, 'js.age'), { force: true });
  await rm(join(root, 'go.age'), { force: true });

  // The same backups with nothing else running, for the throughput ratio: engine, backup, engine,
  // backup, …, engine; each backup against the mean of the engine's copies around it.
  const throughputRounds: { engineBefore: number; backup: number; snapshot: number; engineAfter: number; ratio: number }[] = [];
  let engineBefore = rawSeconds;
  let quiet = { seconds: 0, snapshotSeconds: 0 };
  for (let i = 0; i < Math.max(1, throughputRounds_); i += 1) {
    await rm(join(root, 'raw-snapshot.db'), { force: true });
    quiet = await quietBackup(service, localTarget);
    const engineAfter = await engineSnapshot();
    throughputRounds.push({ engineBefore: round1(engineBefore), backup: round1(quiet.seconds), snapshot: round1(quiet.snapshotSeconds), engineAfter: round1(engineAfter), ratio: ratio((engineBefore + engineAfter) / 2, quiet.seconds) });
    engineBefore = engineAfter;
  }
  await rm(join(root, 'raw-snapshot.db'), { force: true });
  raw.close();
  const throughputRatio = median(throughputRounds.map((r) => r.ratio));
  const quietLibrary = values.library ? await quietBackup(library, localTarget) : undefined;

  const rate = (bytes: number, seconds: number) => Math.round((bytes / MiB / seconds) * 10) / 10;
  const measured = {
    bench: 'backup',
    readings,
    setup: { seconds: Math.round(prepared.seconds), fromCache: prepared.cached },
    databaseMiB: Math.round(dbBytes / MiB),
    snapshotMiB: Math.round(snapshotBytes / MiB),
    engineSnapshot: { method: 'online backup API', seconds: rawSeconds, MiBps: rate(snapshotBytes, rawSeconds) },
    vacuumInto: { seconds: vacuumSeconds, throughputRatio: ratio(vacuumSeconds, quiet.seconds) },
    encoder: goAge === undefined ? 'age-encryption library (no age tool found)' : `age tool ${goAge}`,
    backup: { seconds: quiet.seconds, snapshotSeconds: quiet.snapshotSeconds, MiBps: rate(snapshotBytes, quiet.seconds), encryptedMiB: Math.round(underDefault.bytes / MiB) },
    throughputRatio: Math.round(throughputRatio * 100) / 100,
    throughputRounds,
    throughputGoal: 0.4,
    backupWithLibrary: quietLibrary ? { seconds: quietLibrary.seconds, snapshotSeconds: quietLibrary.snapshotSeconds, MiBps: rate(snapshotBytes, quietLibrary.seconds), throughputRatio: ratio(rawSeconds, quietLibrary.seconds) } : 'skipped (--no-library)',
    encryptionReference: { ageEncryptionJsMiBps: jsSeconds === null ? null : rate(snapshotBytes, jsSeconds), goAgeMiBps: goSeconds === null ? null : rate(snapshotBytes, goSeconds) },
    ingest: {
      method: `alternating windows: alone ${ingestSeconds} s, backup under ingest, alone ${ingestSeconds} s, … (${rounds} rounds); each round against the mean of the alone windows around it`,
      alonePerSecond: underDefault.aloneMean,
      duringBackupPerSecond: underDefault.duringMean,
      ratio: underDefault.ratio,
      pooledRatio: underDefault.pooledRatio,
      goal: 0.7,
      rounds: underDefault.rounds,
      withLibrary: underLibrary ? { ratio: underLibrary.ratio, rounds: underLibrary.rounds } : 'skipped',
    },
    memory: { rssGrowthMiB: underDefault.rssGrowthMiB, rssGrowthWithLibraryMiB: underLibrary?.rssGrowthMiB ?? null, databaseMiB: Math.round(dbBytes / MiB) },
  };
  // The drill of a large database takes long on a busy machine: what was measured so far goes to stderr first.
  console.error(`before the drill: ${JSON.stringify(measured)}`);
  // Drill RTO (--no-drill: skipped).
  if (values.drill) {
    const identity = await drillIdentity(platform);
    const drill = await drillNow(
      { target: targets[0] ?? new LocalDirectoryTarget(targetDir), identity: identity ?? pair.identity, live: { platform, service }, objectives: config.backup.objectives, reportDir: join(root, 'drills'), scratchRoot: join(root, 'scratch') },
      ctx,
    );
    const report = { ok: drill.signed.report.ok, rtoMs: drill.signed.report.rtoMs, rpoMs: drill.signed.report.rpoMs, failedChecks: drill.signed.report.checks.filter((c) => !c.ok), checks: drill.signed.report.checks.map((c) => `${c.name} ${c.ok ? 'ok' : 'FAILED'}: ${c.detail}`) };
    console.log(JSON.stringify({ ...measured, drill: report }, null, 2));
  } else console.log(JSON.stringify({ ...measured, drill: 'skipped (--no-drill)' }, null, 2));
  await platform.close();
} finally {
  await rm(root, { recursive: true, force: true });
}
