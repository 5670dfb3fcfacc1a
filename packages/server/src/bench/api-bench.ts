/**
 * `npm run bench -- api [--seconds S] [--connections C] [--interval-seconds N] [--rounds R] [--only fhir|vitals|sealing]`:
 * the read API under load with autocannon over HTTPS on loopback, 50 connections by default. The
 * load generator runs in a worker thread, so the server's event loop does nothing else.
 *
 *  1. FHIR Observation search, 24 hours of one patient's vitals (one message every N seconds,
 *     default 5: heart rate, SpO2, systolic, diastolic), newest first, 100 per page.
 *  2. GET /api/v1/patients/:id/vitals?bucket=300 over the same 24 hours (every metric, 5-minute
 *     buckets: min, max, mean, count).
 *
 * Each route is measured WITH the audit write (the production server, startServer) and, in the
 * same run, on a second listener with the same transport options whose read scope has a no-op
 * audit writer (wired here, in the bench only: production code has no way to turn the audit off).
 * The two alternate a-b-b-a `--rounds` times (default 6, S = 6 seconds each after a 1 s warm-up;
 * the machine is shared and noisy); the report shows every run and compares medians. The goal:
 * the audit costs at most 15% of throughput.
 *
 * Vitals at rest (issue 11, ADR 0008): a second patient's 24 hours are stored in clear (written
 * without sealing, as a bench-only comparison), and a third listener serves them with plaintext
 * stores and the production audit. The 24-hour chart and the FHIR search are then measured sealed
 * (production listener, first patient) and in clear, alternating; goal: the sealed chart keeps at
 * least 0.7 of the plaintext rate. `--only sealing` runs just this comparison.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AuditWriter } from '../audit/index.js';
import { validate } from '../config/index.js';
import { cliPrincipal, newId, type RequestContext } from '../kernel/index.js';
import { PlatformMetrics, RequestCounter } from '../compliance/index.js';
import { fhirHttp, fhirReadScope, httpsCredentials, initialize, openPlatform, startServer, usageObserver, vitalsServiceWithAudit } from '../main.js';
import { createLogger } from '../observability/index.js';
import { auditStore, careTeamStore, deviceStore, telemetryStore, trainingStore, usageStore } from '../storage/index.js';
import type { ReadingRow } from '../telemetry/index.js';
import { closeHttpServer, createHttpServer, vitalsRoutes } from '../transports/http/index.js';
import { createIdentityAuthorizer } from '../transports/http/identity.js';
import { alternate, median } from './rounds.js';
import type { Platform } from '../main.js';

interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number; readonly average: number };
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    seconds: { type: 'string', default: '6' },
    connections: { type: 'string', default: '50' },
    'interval-seconds': { type: 'string', default: '5' },
    rounds: { type: 'string', default: '6' },
    only: { type: 'string' },
  },
  allowPositionals: true,
});
const seconds = Math.min(120, Math.max(2, Number(values.seconds)));
const connections = Math.min(500, Math.max(1, Number(values.connections)));
const intervalSeconds = Math.min(3600, Math.max(1, Number(values['interval-seconds'])));
const rounds = Math.min(10, Math.max(1, Number(values.rounds)));
/** `--only fhir` or `--only vitals`: one route (e.g. to profile it); the report says which ran. */
const only = values.only === 'fhir' || values.only === 'vitals' || values.only === 'sealing' ? values.only : undefined;
const PASSWORD = 'Quartz-Meadow-Lantern-93';
const cli: RequestContext = { principal: cliPrincipal('bench'), requestId: 'bench', source: 'local' };

/** The bench-only audit writer: records nothing (its result is never read by the FHIR source). */
const noAudit = (): AuditWriter => ({ record: () => Promise.resolve(undefined as never) });

const root = await mkdtemp(join(tmpdir(), 'vigil-bench-api-'));
const logger = createLogger({ level: 'silent' });
try {
  const { config: settings } = validate({ dataDir: join(root, 'data'), logLevel: 'silent', httpPort: 0, mqttPort: 0, host: '127.0.0.1', login: { rateLimitPerMinute: 1000 } });
  await initialize({ config: settings, env: {} });
  const platform = await openPlatform({ config: settings, env: {} });
  const { db } = platform.database;
  const now = platform.clock.now();
  const org = await platform.identity.createOrganization(cli, 'Bench Hospital');
  const created = await platform.identity.createUser(cli, { orgId: org.id, username: 'bench-clinician', displayName: 'Bench', roles: ['clinician'], password: PASSWORD });
  const user = created.user;
  await trainingStore(db).insert({
    id: newId(),
    orgId: org.id,
    userId: user.id,
    course: 'hipaa-privacy-security',
    completedAt: new Date(now.getTime() - 86_400_000).toISOString(),
    expiresAt: new Date(now.getTime() + 300 * 86_400_000).toISOString(),
    recordedAt: now.toISOString(),
    recordedBy: 'bench',
  });
  const userCtx: RequestContext = {
    principal: { kind: 'user', id: user.id, orgId: org.id, username: 'bench-clinician', roles: ['clinician'], sessionId: 'bench', mfa: false },
    requestId: 'bench',
    source: 'local',
  };
  const patient = await platform.patients.records.create(userCtx, { mrn: 'BENCH-1', givenName: 'Bench', familyName: 'Patient', birthDate: '1970-01-01', sex: 'unknown' });
  await careTeamStore(db).replace(org.id, patient.id, [{ userId: user.id, role: 'primary' }], now.toISOString(), 'bench');
  const plainPatient = await platform.patients.records.create(userCtx, { mrn: 'BENCH-2', givenName: 'Plain', familyName: 'Patient', birthDate: '1970-01-01', sex: 'unknown' });
  await careTeamStore(db).replace(org.id, plainPatient.id, [{ userId: user.id, role: 'primary' }], now.toISOString(), 'bench');
  const deviceId = newId();
  await deviceStore(db).insert({
    id: deviceId,
    orgId: org.id,
    model: 'vigil-sim',
    serial: 'BENCH-0001',
    udi: null,
    firmwareVersion: '1.0.0',
    status: 'active',
    statusReason: null,
    statusChangedAt: now.toISOString(),
    groups: [],
    createdAt: now.toISOString(),
    lastSeenAt: null,
    lastSeenAddress: null,
    certificate: null,
  });

  // 24 hours of vitals, one message every intervalSeconds, attributed to the patient (sealed, as
  // the platform writes them) and, for the comparison, to a second patient from a second device in clear.
  const from = new Date(now.getTime() - 86_400_000);
  const messages = Math.floor(86_400 / intervalSeconds);
  const plainDeviceId = newId();
  const { sealing } = platform.vitalsAtRest;
  for (const [target, device, sealed] of [[patient.id, deviceId, true], [plainPatient.id, plainDeviceId, false]] as const)
  for (let start = 0; start < messages; start += 2000) {
    // One insertReadings per message, as the group commit writes a device that sends every few
    // seconds: each message lands in a batch of its own, so each sealed message is its own value
    // block (ADR 0008 addendum), the reads' worst case, not one block for 2,000 messages.
    const perMessage: ReadingRow[][] = [];
    for (let i = start; i < Math.min(messages, start + 2000); i++) {
      const at = new Date(from.getTime() + i * intervalSeconds * 1000).toISOString();
      const vitals = [
        ['8867-4', 60 + (i % 40), '/min'],
        ['59408-5', 90 + (i % 10), '%'],
        ['8480-6', 110 + (i % 30), 'mm[Hg]'],
        ['8462-4', 70 + (i % 20), 'mm[Hg]'],
      ] as const;
      perMessage.push(vitals.map(([metric, value, unit], idx) => ({ orgId: org.id, deviceId: device, patientId: target, seq: i + 1, idx, metric, value, unit, measuredAt: at, receivedAt: at, digest: idx === 0 ? 'b'.repeat(64) : null })));
    }
    if (sealed) await sealing?.prepare();
    await db.transaction().execute(async (trx) => {
      const store = telemetryStore(trx, platform.database.sqliteHandle, sealed ? sealing : undefined);
      for (const rows of perMessage) await store.insertReadings(rows);
    });
  }

  const server = await startServer(platform, logger, { consoleDir: join(root, 'no-console') });
  // Bench-only: the same FHIR routes on a second listener, with a read scope whose audit writes nothing.
  const tls = await httpsCredentials(platform);
  // Everything a request meets on the production listener is mirrored (client-certificate request,
  // TLS floor, body limit, usage counters and Prometheus metrics), so the runs differ by the audit only.
  const { config } = platform;
  const unaudited = await createHttpServer({
    authorize: createIdentityAuthorizer(platform.identity).authorize,
    tls: tls.credentials,
    tlsMinVersion: config.tls.minVersion === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2',
    logger,
    acceptClientRequestId: false,
    bodyLimit: config.http.bodyLimitBytes,
    clientCa: platform.devices.clientCaPems,
    onResponse: usageObserver(new RequestCounter(() => usageStore(db), platform.clock), new PlatformMetrics({})),
    routes: [
      fhirHttp(platform, fhirReadScope(platform, noAudit)),
      vitalsRoutes({ bindings: platform.clinical.bindings, vitals: vitalsServiceWithAudit(platform, () => noAudit()) }),
    ],
  });
  await unaudited.listen({ host: '127.0.0.1', port: 0 });
  const unauditedPort = (unaudited.server.address() as AddressInfo).port;
  // Bench-only: the same routes, with the production audit, over plaintext vitals stores.
  const inClear: Platform = { ...platform, vitalsAtRest: { sealing: undefined, alertSealer: undefined } };
  const productionAudit = (executor: Parameters<typeof auditStore>[0]) => platform.auditLog.writer(auditStore(executor, platform.database.dialect));
  const plaintext = await createHttpServer({
    authorize: createIdentityAuthorizer(platform.identity).authorize,
    tls: tls.credentials,
    tlsMinVersion: config.tls.minVersion === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2',
    logger,
    acceptClientRequestId: false,
    bodyLimit: config.http.bodyLimitBytes,
    clientCa: platform.devices.clientCaPems,
    onResponse: usageObserver(new RequestCounter(() => usageStore(db), platform.clock), new PlatformMetrics({})),
    routes: [fhirHttp(inClear, fhirReadScope(inClear, productionAudit)), vitalsRoutes({ bindings: platform.clinical.bindings, vitals: vitalsServiceWithAudit(inClear, productionAudit) })],
  });
  await plaintext.listen({ host: '127.0.0.1', port: 0 });
  const plaintextPort = (plaintext.server.address() as AddressInfo).port;
  const ca = readFileSync(join(platform.dataDir, 'ca', 'root.pem'), 'utf8');

  const login = await fetchJson(server.httpPort, ca, 'POST', '/api/v1/auth/login', undefined, { username: 'bench-clinician', password: PASSWORD, mode: 'bearer' });
  const token = login.body['token'];
  if (login.status !== 200 || typeof token !== 'string') throw new Error(`login failed: ${login.status}`);

  const fhirPath =
    `/fhir/R4/Observation?patient=${patient.id}&date=ge${encodeURIComponent(from.toISOString())}` + `&date=lt${encodeURIComponent(now.toISOString())}&_sort=-date&_count=100`;
  const probe = await fetchJson(server.httpPort, ca, 'GET', fhirPath, token);
  const entries = (probe.body['entry'] as unknown[] | undefined)?.length ?? 0;
  if (probe.status !== 200 || entries !== 100) throw new Error(`FHIR probe: ${probe.status}, ${entries} entries`);

  const run = async (port: number, path: string, label: string, warmupSeconds = 1) => {
    // workers: 1 — the load generator runs in its own thread, so the server's event loop serves requests only.
    const base = { url: `https://127.0.0.1:${port}${path}`, connections, workers: 1, headers: { authorization: `Bearer ${token}` }, servername: 'localhost', tlsOptions: { ca } };
    await autocannon({ ...base, duration: warmupSeconds });
    const r = await autocannon({ ...base, duration: seconds });
    const out = { label, requestsPerSecond: Math.round(r.requests.average), p50Ms: r.latency.p50, p99Ms: r.latency.p99, requests: r.requests.total, non2xx: r.non2xx, errors: r.errors + r.timeouts };
    console.error(JSON.stringify(out));
    return out;
  };

  const audited: Awaited<ReturnType<typeof run>>[] = [];
  const plain: Awaited<ReturnType<typeof run>>[] = [];
  // The process's first seconds under load run colder code (JIT, caches): warm both listeners up on the route first.
  const warmUp = async (path: string) => {
    for (const port of [server.httpPort, unauditedPort]) await run(port, path, 'warm-up', 2);
  };
  if (only !== 'vitals' && only !== 'sealing') await warmUp(fhirPath);
  await alternate(only === 'vitals' || only === 'sealing' ? 0 : rounds, async () => void audited.push(await run(server.httpPort, fhirPath, 'fhir-observation-search audited')), async () => void plain.push(await run(unauditedPort, fhirPath, 'fhir-observation-search no-audit')));
  const auditedRps = median(audited.map((r) => r.requestsPerSecond));
  const plainRps = median(plain.map((r) => r.requestsPerSecond));
  const ratio = auditedRps / plainRps;

  // The vitals API: the same 24 hours, bucketed by 5 minutes, audited and with the no-op audit.
  const vitalsPath = `/api/v1/patients/${patient.id}/vitals?bucket=300&from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(now.toISOString())}`;
  const vitalsProbe = await fetchJson(server.httpPort, ca, 'GET', vitalsPath, token);
  if (vitalsProbe.status !== 200) throw new Error(`vitals probe: ${vitalsProbe.status} ${JSON.stringify(vitalsProbe.body)}`);
  const vitalsAudited: Awaited<ReturnType<typeof run>>[] = [];
  const vitalsPlain: Awaited<ReturnType<typeof run>>[] = [];
  if (only !== 'fhir' && only !== 'sealing') await warmUp(vitalsPath);
  await alternate(only === 'fhir' || only === 'sealing' ? 0 : rounds, async () => void vitalsAudited.push(await run(server.httpPort, vitalsPath, 'vitals bucket=300 audited')), async () => void vitalsPlain.push(await run(unauditedPort, vitalsPath, 'vitals bucket=300 no-audit')));
  const vitalsRatio = median(vitalsAudited.map((r) => r.requestsPerSecond)) / median(vitalsPlain.map((r) => r.requestsPerSecond));
  const vitals = {
    runs: vitalsAudited.flatMap((a, i) => [a, vitalsPlain[i]]),
    auditedRequestsPerSecond: Math.round(median(vitalsAudited.map((r) => r.requestsPerSecond))),
    unauditedRequestsPerSecond: Math.round(median(vitalsPlain.map((r) => r.requestsPerSecond))),
    auditedP50Ms: median(vitalsAudited.map((r) => r.p50Ms)),
    auditedP99Ms: median(vitalsAudited.map((r) => r.p99Ms)),
    unauditedP50Ms: median(vitalsPlain.map((r) => r.p50Ms)),
    unauditedP99Ms: median(vitalsPlain.map((r) => r.p99Ms)),
    throughputRatio: Math.round(vitalsRatio * 1000) / 1000,
    auditCostPercent: Math.round((1 - vitalsRatio) * 1000) / 10,
    goal: 'audit costs at most 15% of throughput',
    goalMet: 1 - vitalsRatio <= 0.15,
  };

  // Vitals at rest: sealed (production listener) against in clear (plaintext stores), both audited.
  const range = `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(now.toISOString())}`;
  const sealedChart = `/api/v1/patients/${patient.id}/vitals?bucket=300&${range}`;
  const plainChart = `/api/v1/patients/${plainPatient.id}/vitals?bucket=300&${range}`;
  const fhirOf = (p: string) => `/fhir/R4/Observation?patient=${p}&date=ge${encodeURIComponent(from.toISOString())}&date=lt${encodeURIComponent(now.toISOString())}&_sort=-date&_count=100`;
  for (const [port, path] of [[server.httpPort, sealedChart], [plaintextPort, plainChart]] as const) {
    const probe = await fetchJson(port, ca, 'GET', path, token);
    if (probe.status !== 200) throw new Error(`sealing probe ${path}: ${probe.status} ${JSON.stringify(probe.body)}`);
  }
  const compare = async (sealedPath: string, plainPath: string, label: string) => {
    const sealedRuns: Awaited<ReturnType<typeof run>>[] = [];
    const plainRuns: Awaited<ReturnType<typeof run>>[] = [];
    await run(server.httpPort, sealedPath, 'warm-up', 2);
    await run(plaintextPort, plainPath, 'warm-up', 2);
    await alternate(rounds, async () => void sealedRuns.push(await run(server.httpPort, sealedPath, `${label} sealed`)), async () => void plainRuns.push(await run(plaintextPort, plainPath, `${label} in clear`)));
    const sealedRps = median(sealedRuns.map((r) => r.requestsPerSecond));
    const plainRps = median(plainRuns.map((r) => r.requestsPerSecond));
    return {
      runs: sealedRuns.flatMap((a, i) => [a, plainRuns[i]]),
      sealedRequestsPerSecond: Math.round(sealedRps),
      plaintextRequestsPerSecond: Math.round(plainRps),
      sealedP50Ms: median(sealedRuns.map((r) => r.p50Ms)),
      plaintextP50Ms: median(plainRuns.map((r) => r.p50Ms)),
      sealedOverPlaintext: Math.round((sealedRps / plainRps) * 1000) / 1000,
    };
  };
  const sealingChart = only === undefined || only === 'sealing' ? await compare(sealedChart, plainChart, 'vitals chart 24 h bucket=300') : undefined;
  const sealingFhir = only === undefined || only === 'sealing' ? await compare(fhirOf(patient.id), fhirOf(plainPatient.id), 'fhir-observation-search') : undefined;
  const vitalsAtRest = {
    chart24h: sealingChart ? { ...sealingChart, goal: 'sealed >= 0.7 of in clear', goalMet: sealingChart.sealedOverPlaintext >= 0.7 } : 'not run',
    fhirObservationSearch: sealingFhir ?? 'not run',
  };

  const report = {
    bench: 'api',
    only: only ?? 'fhir and vitals',
    seconds,
    connections,
    data: { hours: 24, messages, readings: messages * 4, intervalSeconds, page: 100 },
    fhirObservationSearch: {
      runs: audited.flatMap((a, i) => [a, plain[i]]),
      auditedRequestsPerSecond: Math.round(auditedRps),
      unauditedRequestsPerSecond: Math.round(plainRps),
      auditedP50Ms: median(audited.map((r) => r.p50Ms)),
      auditedP99Ms: median(audited.map((r) => r.p99Ms)),
      unauditedP50Ms: median(plain.map((r) => r.p50Ms)),
      unauditedP99Ms: median(plain.map((r) => r.p99Ms)),
      throughputRatio: Math.round(ratio * 1000) / 1000,
      auditCostPercent: Math.round((1 - ratio) * 1000) / 10,
      goal: 'audit costs at most 15% of throughput',
      goalMet: 1 - ratio <= 0.15,
    },
    vitals,
    vitalsAtRest,
  };
  console.log(JSON.stringify(report, null, 2));
  await closeHttpServer(plaintext);
  await closeHttpServer(unaudited);
  await server.close();
} finally {
  await rm(root, { recursive: true, force: true });
}

async function fetchJson(port: number, ca: string, method: string, path: string, bearer?: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        ca,
        servername: 'localhost',
        agent: false,
        headers: { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...(bearer !== undefined ? { authorization: `Bearer ${bearer}` } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          let parsed: Record<string, unknown> = {};
          try {
            parsed = text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            parsed = {};
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
