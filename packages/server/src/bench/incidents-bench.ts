/**
 * `npm run bench -- incidents [--users U] [--devices D] [--days N] [--per-user-day A] [--per-device-day S] [--rounds R]`:
 * the incident timeline and blast radius over 30 days of data for 1,000 devices and 200 users
 * (several million audit and security events, SQLite). Rows are written straight into the tables
 * (bench data, not audit-chained); the incidents are opened through the service before the load.
 * Reports the median time of `IncidentService.timeline()` for a small incident (1 user, 1 device,
 * 1 source) and a wide one (10 users, 50 devices), and EXPLAIN QUERY PLAN of its queries.
 * Goal: < 2 s.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { validate } from '../config/index.js';
import { ManualClock, newId, SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import { initialize, openPlatform } from '../main.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    users: { type: 'string', default: '200' },
    devices: { type: 'string', default: '1000' },
    days: { type: 'string', default: '30' },
    'per-user-day': { type: 'string', default: '300' },
    'per-device-day': { type: 'string', default: '60' },
    rounds: { type: 'string', default: '3' },
  },
});
const USERS = Number(values.users);
const DEVICES = Number(values.devices);
const DAYS = Number(values.days);
const PER_USER_DAY = Number(values['per-user-day']);
const PER_DEVICE_DAY = Number(values['per-device-day']);
const ROUNDS = Number(values.rounds);
const ORG = 'bench-org';
const DAY = 86_400_000;
const end = Date.UTC(2026, 11, 1);
const start = end - DAYS * DAY;

const root = await mkdtemp(join(tmpdir(), 'vigil-bench-incidents-'));
try {
  const { config } = validate({ dataDir: join(root, 'data'), logLevel: 'silent' });
  const clock = new ManualClock(end);
  await initialize({ config, env: {}, clock });
  const platform = await openPlatform({ config, env: {}, clock });
  const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'bench', source: 'local' };
  const user = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  const device = (i: number) => `bench-dev-${String(i).padStart(5, '0')}`;
  const attacker = '198.51.100.23';
  const small = await platform.incidents.service.open(ctx, { orgId: ORG, title: 'bench small', type: 'credential-compromise', seeds: { userIds: [user(7)], deviceIds: [device(7)], sources: [attacker] } });
  const wide = await platform.incidents.service.open(ctx, {
    orgId: ORG,
    title: 'bench wide',
    type: 'device-compromise',
    seeds: { userIds: Array.from({ length: 10 }, (_, i) => user(i * 20)), deviceIds: Array.from({ length: 50 }, (_, i) => device(i * 20)), sources: [attacker] },
  });

  const db = platform.database.sqliteHandle;
  if (!db) throw new Error('the bench runs on SQLite');
  const loadStarted = performance.now();
  let seq = Number((db.prepare('SELECT max(seq) AS m FROM audit_events').get() as { m: number | null }).m ?? 0);
  const audit = db.prepare(
    "INSERT INTO audit_events (seq, event_id, time, actor_kind, actor_id, org_id, action, target_type, target_id, outcome, reason, request_id, source, details, prev_hash, hash) VALUES (?, ?, ?, 'user', ?, ?, ?, ?, ?, ?, ?, 'bench', ?, '{}', '', '')",
  );
  const event = db.prepare("INSERT INTO security_events (id, time, type, severity, reason, org_id, user_id, device_id, patient_id, source, request_id, details) VALUES (?, ?, ?, 'info', ?, ?, ?, ?, NULL, ?, NULL, '{}')");
  let auditRows = 0;
  let eventRows = 0;
  for (let day = 0; day < DAYS; day += 1) {
    db.transaction(() => {
      for (let u = 0; u < USERS; u += 1) {
        const address = `10.20.${u % 250}.${(u * 7) % 250}`;
        for (let k = 0; k < PER_USER_DAY; k += 1) {
          const time = new Date(start + day * DAY + Math.floor((k / PER_USER_DAY) * DAY) + u).toISOString();
          seq += 1;
          if (k === 0) audit.run(seq, newId(), time, user(u), ORG, 'identity.login.attempt', 'user', user(u), 'success', null, address);
          else audit.run(seq, newId(), time, user(u), ORG, 'patients.record.read', 'patient', `patient-${(u * 31 + k) % 20_000}`, 'success', 'care-team', address);
          auditRows += 1;
        }
        event.run(newId(), new Date(start + day * DAY + u).toISOString(), 'identity.login.succeeded', 'password', ORG, user(u), null, address);
        eventRows += 1;
      }
      for (let d = 0; d < DEVICES; d += 1) {
        for (let k = 0; k < PER_DEVICE_DAY; k += 1) {
          const time = new Date(start + day * DAY + Math.floor((k / PER_DEVICE_DAY) * DAY) + d).toISOString();
          event.run(newId(), time, k % 2 === 0 ? 'mqtt.connected' : 'mqtt.disconnected', k % 2 === 0 ? 'connect' : 'disconnect', ORG, null, device(d), `10.30.${d % 250}.1`);
          eventRows += 1;
        }
      }
    })();
  }
  // The attack: one refused then accepted login from the attacker, and reads from there.
  db.transaction(() => {
    const t0 = end - 2 * DAY;
    seq += 1;
    audit.run(seq, newId(), new Date(t0).toISOString(), user(7), ORG, 'identity.login.attempt', 'user', user(7), 'failure', 'wrong-password', attacker);
    seq += 1;
    audit.run(seq, newId(), new Date(t0 + 1000).toISOString(), user(7), ORG, 'identity.login.attempt', 'user', user(7), 'success', null, attacker);
    for (let p = 0; p < 40; p += 1) {
      seq += 1;
      audit.run(seq, newId(), new Date(t0 + 2000 + p).toISOString(), user(7), ORG, 'patients.record.read', 'patient', `stolen-${p}`, 'success', 'care-team', attacker);
    }
  })();
  db.exec('ANALYZE');
  const loadSeconds = (performance.now() - loadStarted) / 1000;

  const measure = async (id: string) => {
    const times: number[] = [];
    let summary = {};
    for (let r = 0; r < ROUNDS; r += 1) {
      const t = performance.now();
      const view = await platform.incidents.service.timeline(ctx, id);
      times.push(performance.now() - t);
      summary = { entries: view.entries.length, truncated: view.truncated, pointOfFailure: view.pointOfFailure.earliest?.kind ?? null, patients: view.blastRadius.patients.length, users: view.blastRadius.users.length, devices: view.blastRadius.devices.length };
    }
    times.sort((a, b) => a - b);
    return { medianMs: Math.round(times[Math.floor(times.length / 2)] ?? 0), minMs: Math.round(times[0] ?? 0), ...summary };
  };
  const plans: Record<string, string[]> = {};
  const plan = (name: string, query: string, ...params: unknown[]) => {
    plans[name] = (db.prepare(`EXPLAIN QUERY PLAN ${query}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail);
  };
  const from = new Date(start).toISOString();
  const to = new Date(end).toISOString();
  plan('audit by actor', 'SELECT * FROM audit_events WHERE org_id = ? AND time >= ? AND time <= ? AND actor_id IN (?) ORDER BY time LIMIT 20000', ORG, from, to, user(7));
  plan('audit by target', 'SELECT * FROM audit_events WHERE org_id = ? AND time >= ? AND time <= ? AND target_id IN (?) ORDER BY time LIMIT 20000', ORG, from, to, user(7));
  plan('audit by source', 'SELECT * FROM audit_events WHERE org_id = ? AND time >= ? AND time <= ? AND source IN (?) ORDER BY time LIMIT 20000', ORG, from, to, attacker);
  plan('security events by user', 'SELECT * FROM security_events WHERE org_id = ? AND time >= ? AND time <= ? AND user_id IN (?) ORDER BY time LIMIT 20000', ORG, from, to, user(7));
  plan('security events by device', 'SELECT * FROM security_events WHERE org_id = ? AND time >= ? AND time <= ? AND device_id IN (?) ORDER BY time LIMIT 20000', ORG, from, to, device(7));
  plan('security events by source', 'SELECT * FROM security_events WHERE org_id = ? AND time >= ? AND time <= ? AND source IN (?) ORDER BY time LIMIT 20000', ORG, from, to, attacker);
  const result = {
    bench: 'incidents',
    users: USERS,
    devices: DEVICES,
    days: DAYS,
    auditRows,
    securityEventRows: eventRows,
    loadSeconds: Math.round(loadSeconds),
    small: await measure(small.id),
    wide: await measure(wide.id),
    plans,
    goalMs: 2000,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  await platform.close();
} finally {
  await rm(root, { recursive: true, force: true });
}
