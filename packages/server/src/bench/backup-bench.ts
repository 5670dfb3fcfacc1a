/**
 * `npm run bench -- backup [--readings N] [--ingest-seconds S] [--devices D]`: on a SQLite
 * database holding N telemetry readings (default 5,000,000):
 *   - backup throughput (snapshot + age + hashes + write to a local target) against the engine's own
 *     unencrypted snapshot (VACUUM INTO) to the same directory, same run: ratio (goal >= 0.4);
 *     also the age-encryption (JS) and Go `age` encryption rates on the same file, for reference;
 *   - ingest rate (group commit, D devices) while a backup runs, against ingest without one:
 *     ratio (goal >= 0.7);
 *   - peak RSS growth of the process during the backup, next to the database size (flat memory);
 *   - the RTO of a DR drill of that backup.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { TelemetryEnvelope } from '@vigil/protocol';
import { initDrillIdentity, initRecoveryRecipient, LocalDirectoryTarget } from '../backup/index.js';
import { drillIdentity, wireBackup } from '../composition/backup.js';
import { drillNow } from '../composition/drill.js';
import { validate } from '../config/index.js';
import { ageEncryptStream } from '../keys/index.js';
import { SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import { createTelemetry, initialize, openPlatform, type Platform } from '../main.js';
import type { IngestDevice } from '../telemetry/index.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { readings: { type: 'string', default: '5000000' }, 'ingest-seconds': { type: 'string', default: '10' }, devices: { type: 'string', default: '50' } },
  allowPositionals: true,
});
const readings = Number(values.readings);
const ingestSeconds = Number(values['ingest-seconds']);
const deviceCount = Number(values.devices);
const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'bench', source: '127.0.0.1' };
const MiB = 1024 * 1024;

function fill(file: string, n: number): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare('insert into telemetry_readings (org_id, device_id, patient_id, seq, idx, metric, value, unit, measured_at, received_at, digest) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const t0 = Date.UTC(2026, 0, 1);
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i += 1) {
      const device = i % 1000;
      const seq = Math.floor(i / 1000) + 1;
      const at = new Date(t0 + i * 250).toISOString();
      insert.run('org-bench', `bench-dev-${device}`, `patient-${device}`, seq, 0, '8867-4', 60 + (i % 50), '/min', at, at, null);
    }
  });
  for (let from = 0; from < n; from += 100_000) batch(from, Math.min(n, from + 100_000));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
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

const root = await mkdtemp(join(tmpdir(), 'vigil-bench-backup-'));
try {
  const { config } = validate({ dataDir: join(root, 'data'), logLevel: 'silent', httpPort: 0, mqttPort: 0 });
  await initialize({ config, env: {} });
  const fillStart = performance.now();
  fill(join(root, 'data', 'vigil.db'), readings);
  const fillSeconds = (performance.now() - fillStart) / 1000;
  const platform = await openPlatform({ config, env: {} });
  const pair = await initRecoveryRecipient(platform.dataDir, { now: new Date() });
  await initDrillIdentity(platform.dataDir, platform.sealer);
  const targetDir = join(root, 'target');
  const service = await wireBackup(platform, { env: {}, targets: [new LocalDirectoryTarget(targetDir)] });
  const dbBytes = statSync(join(root, 'data', 'vigil.db')).size;

  // Baseline: the engine's own snapshot, unencrypted, to the same filesystem.
  const raw = new Database(join(root, 'data', 'vigil.db'), { readonly: true });
  const rawStart = performance.now();
  raw.prepare('VACUUM INTO ?').run(join(root, 'raw-snapshot.db'));
  const rawSeconds = (performance.now() - rawStart) / 1000;
  raw.close();
  const snapshotBytes = statSync(join(root, 'raw-snapshot.db')).size;

  // Reference encryption rates on the same file: age-encryption (JS, this process) and Go age.
  const jsStart = performance.now();
  await pipeline(await ageEncryptStream([pair.recipient], createReadStream(join(root, 'raw-snapshot.db'), { highWaterMark: MiB })), createWriteStream(join(root, 'js.age')));
  const jsSeconds = (performance.now() - jsStart) / 1000;
  let goSeconds: number | null = null;
  if (spawnSync('age', ['--version']).status === 0) {
    const goStart = performance.now();
    execFileSync('age', ['-r', pair.recipient, '-o', join(root, 'go.age'), join(root, 'raw-snapshot.db')]);
    goSeconds = (performance.now() - goStart) / 1000;
  }
  await rm(join(root, 'js.age'), { force: true });
  await rm(join(root, 'go.age'), { force: true });
  await rm(join(root, 'raw-snapshot.db'), { force: true });

  // Ingest without a backup.
  let stopAt = performance.now() + ingestSeconds * 1000;
  const alone = await ingest(platform, () => performance.now() > stopAt, 1);

  // A backup, with ingest running all along it; RSS sampled.
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  let backingUp = true;
  const during = ingest(platform, () => !backingUp, 10_000_000);
  const backupStart = performance.now();
  const created = await service.create(ctx);
  const backupSeconds = (performance.now() - backupStart) / 1000;
  backingUp = false;
  const withBackup = await during;
  clearInterval(sampler);
  if (!created.outcomes.every((o) => o.ok)) throw new Error(`backup failed: ${JSON.stringify(created.outcomes)}`);
  const backupBytes = created.outcomes[0]?.bytes ?? 0;

  // The same backup with nothing else running, for the throughput ratio.
  stopAt = 0;
  const quietStart = performance.now();
  await service.create(ctx);
  const quietSeconds = (performance.now() - quietStart) / 1000;

  // The same, encrypting the database part with the Go `age` tool (backup.ageBinary).
  let goBackupSeconds: number | null = null;
  if (goSeconds !== null) {
    const goService = await wireBackup(platform, { env: {}, targets: [new LocalDirectoryTarget(targetDir)], ageBinary: 'age' });
    const goStart = performance.now();
    const goCreated = await goService.create(ctx);
    goBackupSeconds = (performance.now() - goStart) / 1000;
    if (!goCreated.outcomes.every((o) => o.ok)) throw new Error(`backup with the age binary failed: ${JSON.stringify(goCreated.outcomes)}`);
  }

  // Drill RTO.
  const identity = await drillIdentity(platform);
  const drill = await drillNow(
    { target: new LocalDirectoryTarget(targetDir), identity: identity ?? pair.identity, live: { platform, service }, objectives: config.backup.objectives, reportDir: join(root, 'drills'), scratchRoot: join(root, 'scratch') },
    ctx,
  );
  await platform.close();

  const rate = (bytes: number, s: number) => Math.round((bytes / MiB / s) * 10) / 10;
  const aloneRate = alone.stored / alone.seconds;
  const duringRate = withBackup.stored / withBackup.seconds;
  console.log(
    JSON.stringify(
      {
        bench: 'backup',
        readings,
        fillSeconds: Math.round(fillSeconds),
        databaseMiB: Math.round(dbBytes / MiB),
        snapshotMiB: Math.round(snapshotBytes / MiB),
        engineSnapshot: { seconds: rawSeconds, MiBps: rate(snapshotBytes, rawSeconds) },
        backup: { seconds: quietSeconds, MiBps: rate(snapshotBytes, quietSeconds), encryptedMiB: Math.round(backupBytes / MiB) },
        throughputRatio: Math.round((rawSeconds / quietSeconds) * 100) / 100,
        backupWithAgeBinary: goBackupSeconds === null ? null : { seconds: goBackupSeconds, MiBps: rate(snapshotBytes, goBackupSeconds), throughputRatio: Math.round((rawSeconds / goBackupSeconds) * 100) / 100 },
        throughputGoal: 0.4,
        encryptionReference: { ageEncryptionJsMiBps: rate(snapshotBytes, jsSeconds), goAgeMiBps: goSeconds === null ? null : rate(snapshotBytes, goSeconds) },
        ingest: { alonePerSecond: Math.round(aloneRate), duringBackupPerSecond: Math.round(duringRate), backupSecondsUnderIngest: backupSeconds, ratio: Math.round((duringRate / aloneRate) * 100) / 100, goal: 0.7 },
        memory: { rssBeforeMiB: Math.round(rssBefore / MiB), rssPeakMiB: Math.round(rssPeak / MiB), growthMiB: Math.round((rssPeak - rssBefore) / MiB), databaseMiB: Math.round(dbBytes / MiB) },
        drill: { ok: drill.signed.report.ok, rtoMs: drill.signed.report.rtoMs, rpoMs: drill.signed.report.rpoMs },
      },
      null,
      2,
    ),
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
