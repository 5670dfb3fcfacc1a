/**
 * The incidents bench's data: 30 days for 200 users and 1,000 devices written straight into
 * SQLite (bench data, not audit-chained), with the two incidents opened through the service
 * before the load. Seeding takes minutes, so the data directory is kept under a cache directory
 * (default /tmp/vigil-bench-incidents-cache/<scale>) and reused by the next run of the same
 * scale: a `seeded.json` marker, written last, says that the directory is complete.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { validate, type Config } from '../config/index.js';
import { ManualClock, newId, SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import { initialize, openPlatform, type Platform } from '../main.js';

export interface SeedScale {
  readonly users: number;
  readonly devices: number;
  readonly days: number;
  readonly perUserDay: number;
  readonly perDeviceDay: number;
}

export interface SeededBench {
  readonly platform: Platform;
  readonly db: BetterSqlite3.Database;
  readonly ctx: RequestContext;
  readonly smallId: string;
  readonly wideId: string;
  readonly auditRows: number;
  readonly securityEventRows: number;
  /** Seconds spent seeding in this run (0 when the cache was used). */
  readonly loadSeconds: number;
  readonly cached: boolean;
  readonly dataDir: string;
}

export const BENCH_ORG = 'bench-org';
export const ATTACKER = '198.51.100.23';
const DAY = 86_400_000;
/** Bumped when the seeded data changes shape, so an old cache is not reused. */
const DATA_VERSION = 2;

export const benchUser = (i: number): string => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
export const benchDevice = (i: number): string => `bench-dev-${String(i).padStart(5, '0')}`;

export function benchWindow(scale: SeedScale): { start: number; end: number } {
  const end = Date.UTC(2026, 11, 1);
  return { start: end - scale.days * DAY, end };
}

interface Marker {
  readonly smallId: string;
  readonly wideId: string;
  readonly auditRows: number;
  readonly securityEventRows: number;
  readonly loadSeconds: number;
}

/** Opens the cached data of this scale, or seeds it (and caches it) when there is none. */
export async function openSeeded(scale: SeedScale, cacheRoot: string, fresh: boolean): Promise<SeededBench> {
  const key = `v${DATA_VERSION}-u${scale.users}-d${scale.devices}-n${scale.days}-a${scale.perUserDay}-s${scale.perDeviceDay}`;
  const dir = join(cacheRoot, key);
  const markerPath = join(dir, 'seeded.json');
  const { end } = benchWindow(scale);
  const { config } = validate({ dataDir: join(dir, 'data'), logLevel: 'silent' });
  const clock = new ManualClock(end);
  const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'bench', source: 'local' };
  if (!fresh && existsSync(markerPath)) {
    const marker = JSON.parse(await readFile(markerPath, 'utf8')) as Marker;
    const platform = await openPlatform({ config, env: {}, clock });
    return { platform, db: handle(platform), ctx, ...marker, loadSeconds: 0, cached: true, dataDir: dir };
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const marker = await seed(scale, config, clock, ctx);
  await writeFile(markerPath, `${JSON.stringify(marker)}\n`);
  const platform = await openPlatform({ config, env: {}, clock });
  return { platform, db: handle(platform), ctx, ...marker, cached: false, dataDir: dir };
}

function handle(platform: Platform): BetterSqlite3.Database {
  const db = platform.database.sqliteHandle;
  if (!db) throw new Error('the incidents bench runs on SQLite');
  return db;
}

async function seed(scale: SeedScale, config: Config, clock: ManualClock, ctx: RequestContext): Promise<Marker> {
  const { start, end } = benchWindow(scale);
  const { users: USERS, devices: DEVICES, days: DAYS, perUserDay: PER_USER_DAY, perDeviceDay: PER_DEVICE_DAY } = scale;
  await initialize({ config, env: {}, clock });
  const platform = await openPlatform({ config, env: {}, clock });
  try {
    const small = await platform.incidents.service.open(ctx, { orgId: BENCH_ORG, title: 'bench small', type: 'credential-compromise', seeds: { userIds: [benchUser(7)], deviceIds: [benchDevice(7)], sources: [ATTACKER] } });
    const wide = await platform.incidents.service.open(ctx, {
      orgId: BENCH_ORG,
      title: 'bench wide',
      type: 'device-compromise',
      seeds: { userIds: Array.from({ length: 10 }, (_, i) => benchUser(i * 20)), deviceIds: Array.from({ length: 50 }, (_, i) => benchDevice(i * 20)), sources: [ATTACKER] },
    });
    const db = handle(platform);
    const loadStarted = performance.now();
    // The load only: no fsync per transaction and a 1 GiB page cache, so that the eight indexes of
    // audit_events stay in memory while millions of rows go in. Restored before the data is used.
    const synchronous = db.pragma('synchronous', { simple: true }) as number;
    const cacheSize = db.pragma('cache_size', { simple: true }) as number;
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -1048576');
    let seq = Number((db.prepare('SELECT max(seq) AS m FROM audit_events').get() as { m: number | null }).m ?? 0);
    const audit = db.prepare(
      "INSERT INTO audit_events (seq, event_id, time, actor_kind, actor_id, org_id, action, target_type, target_id, outcome, reason, request_id, source, details, prev_hash, hash) VALUES (?, ?, ?, 'user', ?, ?, ?, ?, ?, ?, ?, 'bench', ?, '{}', '', '')",
    );
    const event = db.prepare("INSERT INTO security_events (id, time, type, severity, reason, org_id, user_id, device_id, patient_id, source, request_id, details) VALUES (?, ?, ?, 'info', ?, ?, ?, ?, NULL, ?, NULL, '{}')");
    let auditRows = 0;
    let eventRows = 0;
    const iso = (ms: number) => new Date(ms).toISOString();
    for (let day = 0; day < DAYS; day += 1) {
      db.transaction(() => {
        for (let u = 0; u < USERS; u += 1) {
          const address = `10.20.${u % 250}.${(u * 7) % 250}`;
          const id = benchUser(u);
          for (let k = 0; k < PER_USER_DAY; k += 1) {
            const time = iso(start + day * DAY + Math.floor((k / PER_USER_DAY) * DAY) + u);
            seq += 1;
            if (k === 0) audit.run(seq, newId(), time, id, BENCH_ORG, 'identity.login.attempt', 'user', id, 'success', null, address);
            else audit.run(seq, newId(), time, id, BENCH_ORG, 'patients.record.read', 'patient', `patient-${(u * 31 + k) % 20_000}`, 'success', 'care-team', address);
            auditRows += 1;
          }
          event.run(newId(), iso(start + day * DAY + u), 'identity.login.succeeded', 'password', BENCH_ORG, id, null, address);
          eventRows += 1;
        }
        for (let d = 0; d < DEVICES; d += 1) {
          const id = benchDevice(d);
          const address = `10.30.${d % 250}.1`;
          for (let k = 0; k < PER_DEVICE_DAY; k += 1) {
            const time = iso(start + day * DAY + Math.floor((k / PER_DEVICE_DAY) * DAY) + d);
            event.run(newId(), time, k % 2 === 0 ? 'mqtt.connected' : 'mqtt.disconnected', k % 2 === 0 ? 'connect' : 'disconnect', BENCH_ORG, null, id, address);
            eventRows += 1;
          }
        }
      })();
    }
    // The attack: one refused then accepted login from the attacker, and 40 reads from there.
    db.transaction(() => {
      const t0 = end - 2 * DAY;
      const victim = benchUser(7);
      seq += 1;
      audit.run(seq, newId(), iso(t0), victim, BENCH_ORG, 'identity.login.attempt', 'user', victim, 'failure', 'wrong-password', ATTACKER);
      seq += 1;
      audit.run(seq, newId(), iso(t0 + 1000), victim, BENCH_ORG, 'identity.login.attempt', 'user', victim, 'success', null, ATTACKER);
      for (let p = 0; p < 40; p += 1) {
        seq += 1;
        audit.run(seq, newId(), iso(t0 + 2000 + p), victim, BENCH_ORG, 'patients.record.read', 'patient', `stolen-${p}`, 'success', 'care-team', ATTACKER);
      }
    })();
    auditRows += 42;
    db.exec('ANALYZE');
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma(`cache_size = ${cacheSize}`);
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { smallId: small.id, wideId: wide.id, auditRows, securityEventRows: eventRows, loadSeconds: Math.round((performance.now() - loadStarted) / 1000) };
  } finally {
    await platform.close();
  }
}
