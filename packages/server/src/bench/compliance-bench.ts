/**
 * `npm run bench -- compliance [--devices N] [--users N] [--events N] [--load-devices D]
 * [--window W] [--seconds S] [--rounds R] [--fresh]`: a full security audit (every check, audit
 * chain verification included) over a seeded platform on SQLite: by default 100,000 devices with
 * certificates, 10,000 users with training, and 1,000,000 audit events appended through the real
 * AuditLog (cached between runs: compliance-seed.ts). Goal: under one minute, wall clock, for the
 * first audit (which opens the findings) and the second (which reconciles against them); the
 * report gives CPU seconds too.
 *
 * Then its effect on concurrent ingest, in the same process and run: the server of the seeded
 * platform takes the ingest bench's MQTT QoS 1 load (D devices in a worker thread, mTLS, W in
 * flight each, the full pipeline with durable group commit) for S seconds without an audit, and S
 * seconds while full audits run back to back, alternating R times (rounds.ts) so that drift of the
 * shared machine falls on both. Goal: ingest rate during the audit >= 0.9 x without.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { validate } from '../config/index.js';
import { caPaths } from '../identity/ca/index.js';
import { FakeDeviceRegistry, makeDevicePki } from '../integration/device-pki.js';
import { SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import { startServer } from '../main.js';
import { createLogger } from '../observability/index.js';
import { runLoadWorker } from './ingest-load.js';
import { seedPlatform } from './compliance-seed.js';
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
    fresh: { type: 'boolean', default: false },
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
  const seeded = await seedPlatform(config, { devices, users, events }, { fresh: values.fresh === true });
  const { platform } = seeded;

  /** One full audit: wall and CPU seconds (CPU of the whole process: the verification worker's too). */
  const timedAudit = async () => {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    const run = await platform.compliance.audits.run(ctx, 'full');
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    const used = process.cpuUsage(cpu);
    const checksMs = run.results.reduce((sum, r) => sum + r.durationMs, 0);
    return {
      run,
      wallSeconds: Number(wall.toFixed(2)),
      cpuSeconds: Number(((used.user + used.system) / 1e6).toFixed(2)),
      checksSeconds: Number((checksMs / 1000).toFixed(2)),
      slowest: [...run.results].sort((a, b) => b.durationMs - a.durationMs).slice(0, 4).map((r) => `${r.checkId} ${r.durationMs} ms`),
    };
  };
  const first = await timedAudit();
  const second = await timedAudit();

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
        seed: { eventsFromCache: seeded.cached, eventSeconds: Number(seeded.eventSeconds.toFixed(1)), deviceAndUserSeconds: Number(seeded.rowSeconds.toFixed(1)) },
        goalSeconds: 60,
        firstAudit: { wallSeconds: first.wallSeconds, cpuSeconds: first.cpuSeconds, checksSeconds: first.checksSeconds, slowest: first.slowest, counts: first.run.counts },
        secondAudit: { wallSeconds: second.wallSeconds, cpuSeconds: second.cpuSeconds, checksSeconds: second.checksSeconds, slowest: second.slowest, counts: second.run.counts },
        pass: first.wallSeconds < 60 && second.wallSeconds < 60,
        loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
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
