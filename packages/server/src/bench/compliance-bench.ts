/**
 * `npm run bench -- compliance [--devices N] [--users N] [--events N] [--load-devices D]
 * [--window W] [--seconds S] [--rounds R]`: a full security audit (every check, audit chain
 * verification included) over a seeded platform on SQLite: by default 100,000 devices with
 * certificates, 10,000 users with training, and 1,000,000 audit events appended through the real
 * AuditLog. Goal: under one minute.
 *
 * Then its effect on concurrent ingest, in the same process and run: the server of the seeded
 * platform takes the ingest bench's MQTT QoS 1 load (D devices in a worker thread, mTLS, W in
 * flight each, the full pipeline with durable group commit) for S seconds without an audit, and S
 * seconds while full audits run back to back, alternating R times (rounds.ts) so that drift of the
 * shared machine falls on both. Goal: ingest rate during the audit >= 0.9 x without.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AuditEventInput } from '../audit/index.js';
import { validate } from '../config/index.js';
import { caPaths } from '../identity/ca/index.js';
import { FakeDeviceRegistry, makeDevicePki } from '../integration/device-pki.js';
import { SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import { initialize, openPlatform, startServer } from '../main.js';
import { createLogger } from '../observability/index.js';
import { runLoadWorker } from './ingest-load.js';
import { alternate, median } from './rounds.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    devices: { type: 'string', default: '100000' },
    users: { type: 'string', default: '10000' },
    events: { type: 'string', default: '1000000' },
    'load-devices': { type: 'string', default: '20' },
    window: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
  },
  allowPositionals: true,
});
const devices = Number(values.devices);
const users = Number(values.users);
const events = Number(values.events);
const LOAD_DEVICES = Number(values['load-devices']);
const WINDOW = Number(values.window);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'bench', source: 'local' };

const root = await mkdtemp(join(tmpdir(), 'vigil-bench-compliance-'));
try {
  const { config } = validate({
    dataDir: join(root, 'data'),
    logLevel: 'silent',
    httpPort: 0,
    mqttPort: 0,
    mqtt: { messagesPerSecond: 10_000, burst: 100_000, sourceConnectionsPerMinute: 100_000, sourceConnectionBurst: 100_000 },
  });
  await initialize({ config, env: {} });
  const platform = await openPlatform({ config, env: {} });
  const db = platform.database.sqliteHandle;
  if (!db) throw new Error('the compliance bench seeds SQLite');
  const now = platform.clock.now();
  const iso = (daysAgo: number) => new Date(now.getTime() - daysAgo * 86_400_000).toISOString();

  const seedStart = process.hrtime.bigint();
  db.transaction(() => {
    const org = db.prepare('INSERT INTO organizations (id, name, name_key, created_at) VALUES (?, ?, ?, ?)');
    for (let o = 0; o < 10; o++) org.run(`org-${o}`, `Bench Hospital ${o}`, `bench hospital ${o}`, iso(400));
    const dev = db.prepare(`INSERT INTO devices (id, org_id, model, serial, udi, firmware_version, status, status_reason, status_changed_at, groups, created_at, last_seen_at, last_seen_address, cert_serial, cert_not_after, cert_fingerprint)
      VALUES (?, ?, 'bench-monitor', ?, NULL, '1.0.0', ?, NULL, ?, '[]', ?, ?, '10.0.0.1', ?, ?, ?)`);
    const cert = db.prepare('INSERT INTO device_certificates (serial, org_id, device_id, fingerprint, not_before, not_after, issued_at, revoked_at, revocation_reason) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)');
    for (let i = 0; i < devices; i++) {
      const id = `bench-device-${String(i).padStart(7, '0')}`;
      const org = `org-${i % 10}`;
      // 1% of devices expire soon, 0.5% are silent, 0.1% quarantined long ago: findings to reconcile.
      const notAfter = i % 100 === 0 ? iso(-10) : iso(-60);
      dev.run(id, org, `SN-${i}`, i % 1000 === 0 ? 'quarantined' : 'active', iso(i % 1000 === 0 ? 30 : 40), iso(40), i % 200 === 1 ? iso(2) : iso(0.001), `S${i}`, notAfter, `F${i}`);
      cert.run(`S${i}`, org, id, `F${i}`, iso(30), notAfter, iso(30));
    }
    const user = db.prepare(`INSERT INTO users (id, org_id, username, username_key, display_name, roles, status, password_hash, password_changed_at, must_change_password, failed_count, lock_level, locked_until, last_login_at, created_at, totp_secret_sealed, totp_confirmed_at, totp_last_step)
      VALUES (?, ?, ?, ?, ?, ?, 'active', 'x', ?, 0, 0, 0, NULL, ?, ?, NULL, ?, NULL)`);
    const training = db.prepare('INSERT INTO training_records (id, org_id, user_id, course, completed_at, expires_at, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    for (let i = 0; i < users; i++) {
      const id = `bench-user-${i}`;
      const org = `org-${i % 10}`;
      const privileged = i % 50 === 0;
      user.run(id, org, `user${i}`, `user${i}`, `User ${i}`, JSON.stringify(privileged ? ['org-admin'] : ['clinician']), iso(10), i % 97 === 0 ? iso(120) : iso(1), iso(200), privileged && i % 100 !== 0 ? iso(100) : null);
      training.run(`t-${i}`, org, id, 'hipaa', iso(100), i % 89 === 0 ? iso(1) : iso(-200), iso(100), 'bench');
    }
  })();
  const event = (i: number): AuditEventInput => ({ action: 'telemetry.vitals.read', target: { type: 'patient', id: `patient-${i % 5000}` }, outcome: 'success', orgId: 'org-1', details: { rows: i % 300 } });
  for (let start = 0; start < events; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, events - start) }, (_, k) => event(start + k));
    await platform.withAuditStore((store) => platform.auditLog.append(store, ctx, batch));
  }
  await platform.withAuditStore((store) => platform.auditLog.checkpointIfDue(store, true));
  const seedSeconds = Number(process.hrtime.bigint() - seedStart) / 1e9;

  const auditStart = process.hrtime.bigint();
  const run = await platform.compliance.audits.run(ctx, 'full');
  const auditSeconds = Number(process.hrtime.bigint() - auditStart) / 1e9;
  const slowest = [...run.results].sort((a, b) => b.durationMs - a.durationMs).slice(0, 3).map((r) => `${r.checkId} ${r.durationMs} ms`);
  const againStart = process.hrtime.bigint();
  const second = await platform.compliance.audits.run(ctx, 'full');
  const againSeconds = Number(process.hrtime.bigint() - againStart) / 1e9;

  // --- the effect on concurrent ingest: the same server, load without and during audits ---
  const pki = await makeDevicePki();
  const ids = Array.from({ length: LOAD_DEVICES }, (_, i) => `bench-load-${String(i).padStart(5, '0')}`);
  const certs = await Promise.all(ids.map((id) => pki.device(id)));
  const registry = new FakeDeviceRegistry(pki.deviceCa.certPem);
  for (const id of ids) registry.add(id);
  const server = await startServer(platform, createLogger({ level: 'silent' }), { devices: { authenticator: registry, caPem: pki.deviceCa.certPem } });
  const serverCaPem = await readFile(caPaths(platform.dataDir).rootCertFile, 'utf8');
  const without: number[] = [];
  const during: number[] = [];
  const auditsDuring: number[] = [];
  let firstSeq = 0;
  const load = async () => {
    const result = await runLoadWorker({ mode: 'vigil', port: server.mqttPort, serverCaPem, ids, certs: certs.map((c) => ({ certPem: c.certPem, keyPem: c.keyPem })), window: WINDOW, seconds: SECONDS, firstSeq });
    firstSeq += 1_000_000;
    return result.rate;
  };
  await alternate(
    ROUNDS,
    async () => void without.push(await load()),
    async () => {
      // Full audits back to back for the whole load window (the first starts with the load).
      let loading = true;
      const audits = (async () => {
        while (loading) {
          const started = process.hrtime.bigint();
          await platform.compliance.audits.run(ctx, 'full');
          auditsDuring.push(Number(process.hrtime.bigint() - started) / 1e9);
        }
      })();
      during.push(await load());
      loading = false;
      await audits;
    },
  );
  await server.close();
  await platform.security.alerts.flush();
  await platform.close();
  const ratio = median(during) / Math.max(1, median(without));
  console.log(
    JSON.stringify(
      {
        bench: 'compliance',
        devices,
        users,
        auditEvents: events,
        seedSeconds: Number(seedSeconds.toFixed(1)),
        fullAuditSeconds: Number(auditSeconds.toFixed(2)),
        secondAuditSeconds: Number(againSeconds.toFixed(2)),
        goalSeconds: 60,
        pass: auditSeconds < 60,
        counts: run.counts,
        secondCounts: second.counts,
        slowest,
        ingest: {
          loadDevices: LOAD_DEVICES,
          inFlightPerDevice: WINDOW,
          secondsPerPhase: SECONDS,
          rounds: ROUNDS,
          withoutAudit: { ackedPerSecond: without.map(Math.round), median: Math.round(median(without)) },
          duringAudit: { ackedPerSecond: during.map(Math.round), median: Math.round(median(during)), auditSeconds: auditsDuring.map((x) => Number(x.toFixed(1))) },
          ratio: Math.round(ratio * 100) / 100,
          goal: 0.9,
          pass: ratio >= 0.9,
        },
      },
      null,
      2,
    ),
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
