/**
 * The seeded platform of the compliance bench: N devices with certificates, N users with HIPAA
 * training, and N audit events appended through the real AuditLog (hash chain, signed checkpoint).
 *
 * Appending a million chained events takes minutes; the devices and users take seconds. So the
 * data directory with the events (and the organizations) is cached under
 * /tmp/vigil-bench-compliance-cache/<events>/ and copied for each run, while devices and users are
 * inserted fresh each run (in one transaction, prepared statements), their times relative to now
 * so that the findings do not drift with the cache's age. The copy is migrated forward when it is
 * opened; a cache with a migration this build does not know is seeded again; `--fresh` ignores
 * the cache.
 */
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditEventInput } from '../audit/index.js';
import type { Config } from '../config/index.js';
import { SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import { initialize, openPlatform, type Platform } from '../main.js';

export const CACHE_ROOT = '/tmp/vigil-bench-compliance-cache';
const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'bench-seed', source: 'local' };

export interface SeedScale {
  readonly devices: number;
  readonly users: number;
  readonly events: number;
}

export interface Seeded {
  readonly platform: Platform;
  /** Seconds spent appending audit events (0 when the cache served them). */
  readonly eventSeconds: number;
  readonly cached: boolean;
  /** Seconds spent inserting devices and users. */
  readonly rowSeconds: number;
}

/** The migrations of this build (the cached database must have no other: it is migrated forward on open). */
async function migrationNames(): Promise<string[]> {
  const dir = new URL('../storage/migrations/', import.meta.url).pathname;
  return (await readdir(dir)).filter((f) => /^\d{4}-.*\.js$/.test(f)).sort();
}

async function usableCache(cacheDir: string, names: readonly string[]): Promise<boolean> {
  if (!(await exists(join(cacheDir, 'ready')))) return false;
  try {
    const cached = JSON.parse(await readFile(join(cacheDir, 'migrations.json'), 'utf8')) as unknown;
    return Array.isArray(cached) && cached.every((n) => names.includes(String(n)));
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Opens the platform of `config.dataDir` seeded at `scale` (events from the cache when it has them). */
export async function seedPlatform(config: Config, scale: SeedScale, options: { fresh?: boolean } = {}): Promise<Seeded> {
  const cacheDir = join(CACHE_ROOT, String(scale.events));
  const names = await migrationNames();
  let eventSeconds = 0;
  const cached = options.fresh !== true && (await usableCache(cacheDir, names));
  if (cached) {
    await cp(join(cacheDir, 'data'), config.dataDir, { recursive: true });
  } else {
    await initialize({ config, env: {} });
    const platform = await openPlatform({ config, env: {} });
    const started = process.hrtime.bigint();
    await seedEvents(platform, scale.events);
    eventSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    await platform.close();
    const partial = `${cacheDir}.${process.pid}`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    await cp(config.dataDir, join(partial, 'data'), { recursive: true });
    await writeFile(join(partial, 'migrations.json'), JSON.stringify(names));
    await writeFile(join(partial, 'ready'), new Date().toISOString());
    await rm(cacheDir, { recursive: true, force: true });
    await rename(partial, cacheDir);
  }
  const platform = await openPlatform({ config, env: {} });
  const started = process.hrtime.bigint();
  seedRows(platform, scale);
  // A checkpoint now: the cached chain's newest one may be older than the check's 24 hours.
  await platform.withAuditStore((store) => platform.auditLog.checkpointIfDue(store, true));
  return { platform, eventSeconds, cached, rowSeconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** Organizations, and the audit events through the real AuditLog, 5,000 per transaction. */
async function seedEvents(platform: Platform, events: number): Promise<void> {
  const db = platform.database.sqliteHandle;
  if (!db) throw new Error('the compliance bench seeds SQLite');
  const created = new Date(platform.clock.now().getTime() - 400 * 86_400_000).toISOString();
  db.transaction(() => {
    const org = db.prepare('INSERT INTO organizations (id, name, name_key, created_at) VALUES (?, ?, ?, ?)');
    for (let o = 0; o < 10; o++) org.run(`org-${o}`, `Bench Hospital ${o}`, `bench hospital ${o}`, created);
  })();
  const event = (i: number): AuditEventInput => ({ action: 'telemetry.vitals.read', target: { type: 'patient', id: `patient-${i % 5000}` }, outcome: 'success', orgId: 'org-1', details: { rows: i % 300 } });
  for (let start = 0; start < events; start += 5000) {
    const batch = Array.from({ length: Math.min(5000, events - start) }, (_, k) => event(start + k));
    await platform.withAuditStore((store) => platform.auditLog.append(store, ctx, batch));
  }
  await platform.withAuditStore((store) => platform.auditLog.checkpointIfDue(store, true));
}

/**
 * Devices (1% with certificates expiring soon, 0.5% silent, 0.1% quarantined long ago) and users
 * (2% privileged, half of them without MFA; 1% inactive; 1% with lapsed training): findings to
 * reconcile. One transaction.
 */
function seedRows(platform: Platform, scale: SeedScale): void {
  const db = platform.database.sqliteHandle;
  if (!db) throw new Error('the compliance bench seeds SQLite');
  const now = platform.clock.now();
  const iso = (daysAgo: number) => new Date(now.getTime() - daysAgo * 86_400_000).toISOString();
  db.transaction(() => {
    const dev = db.prepare(`INSERT INTO devices (id, org_id, model, serial, udi, firmware_version, status, status_reason, status_changed_at, groups, created_at, last_seen_at, last_seen_address, cert_serial, cert_not_after, cert_fingerprint)
      VALUES (?, ?, 'bench-monitor', ?, NULL, '1.0.0', ?, NULL, ?, '[]', ?, ?, '10.0.0.1', ?, ?, ?)`);
    const cert = db.prepare('INSERT INTO device_certificates (serial, org_id, device_id, fingerprint, not_before, not_after, issued_at, revoked_at, revocation_reason) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)');
    for (let i = 0; i < scale.devices; i++) {
      const id = `bench-device-${String(i).padStart(7, '0')}`;
      const org = `org-${i % 10}`;
      const notAfter = i % 100 === 0 ? iso(-10) : iso(-60);
      dev.run(id, org, `SN-${i}`, i % 1000 === 0 ? 'quarantined' : 'active', iso(i % 1000 === 0 ? 30 : 40), iso(40), i % 200 === 1 ? iso(2) : iso(0.001), `S${i}`, notAfter, `F${i}`);
      cert.run(`S${i}`, org, id, `F${i}`, iso(30), notAfter, iso(30));
    }
    const user = db.prepare(`INSERT INTO users (id, org_id, username, username_key, display_name, roles, status, password_hash, password_changed_at, must_change_password, failed_count, lock_level, locked_until, last_login_at, created_at, totp_secret_sealed, totp_confirmed_at, totp_last_step)
      VALUES (?, ?, ?, ?, ?, ?, 'active', 'x', ?, 0, 0, 0, NULL, ?, ?, NULL, ?, NULL)`);
    const training = db.prepare('INSERT INTO training_records (id, org_id, user_id, course, completed_at, expires_at, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    for (let i = 0; i < scale.users; i++) {
      const id = `bench-user-${i}`;
      const org = `org-${i % 10}`;
      const privileged = i % 50 === 0;
      user.run(id, org, `user${i}`, `user${i}`, `User ${i}`, JSON.stringify(privileged ? ['org-admin'] : ['clinician']), iso(10), i % 97 === 0 ? iso(120) : iso(1), iso(200), privileged && i % 100 !== 0 ? iso(100) : null);
      training.run(`t-${i}`, org, id, 'hipaa', iso(100), i % 89 === 0 ? iso(1) : iso(-200), iso(100), 'bench');
    }
  })();
}
