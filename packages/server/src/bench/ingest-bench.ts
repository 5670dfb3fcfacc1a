/**
 * `npm run bench -- ingest [--devices D] [--window W] [--seconds S] [--rounds R] [--group-commit-ms M] [--bound]`:
 * acknowledged telemetry messages per second end to end (MQTT 3.1.1 QoS 1 over mTLS, the full
 * ingest pipeline, group commit to SQLite with synchronous=FULL, PUBACK after the commit), against
 * a bare in-memory aedes broker relaying the same QoS 1 traffic over TLS to a subscriber (the
 * baseline). D devices each keep W messages in flight for S seconds per phase. Both brokers run
 * for the whole bench; the phases alternate over R rounds (Vigil, bare, bare, Vigil, ...), so a
 * slow stretch of this shared machine weighs on both alike. Reports each phase, the medians, their
 * ratio (goal >= 0.5) and live memory per in-flight message at the peak (heap + buffers above the
 * idle level, sampled after a full GC every 500 ms, in every phase alike).
 * --bound binds each device to a patient first, so that every reading is attributed and also
 * writes the patient indexes and the minute rollups, and goes to the clinical alert evaluation.
 * The clients run in a worker thread (ingest-load.ts), loopback only, so the broker under test has
 * the main thread to itself in both phases, and the memory figures are the broker's alone.
 * Vitals at rest (issue 11, ADR 0008): Vigil runs twice, as configured (values sealed) and with
 * sealing off (a second platform opened with `sealVitals: false`, bench only); the three phases
 * alternate and the report gives both ratios to bare aedes and sealed / plaintext.
 * Each phase also reports the broker thread's CPU time per acknowledged message (utime + stime of
 * the main thread from /proc, Linux only; the memory sampler's forced GCs left out): on a shared machine the rates swing with the neighbours'
 * load, the CPU cost per message much less, so it says where a change helped when the rates cannot.
 * --only vigil|plain|bare runs one kind of phase (for profiling with `node --cpu-prof`).
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Aedes } from 'aedes';
import { validate } from '../config/index.js';
import { caPaths } from '../identity/ca/index.js';
import { FakeDeviceRegistry, makeDevicePki } from '../integration/device-pki.js';
import { MemorySecurityEventSink, newId } from '../kernel/index.js';
import { initialize, openPlatform, startServer } from '../main.js';
import { createLogger } from '../observability/index.js';
import { TLS_PROFILE } from '../transports/http/index.js';
import { runLoadWorker, type LoadResult, type LoadSpec } from './ingest-load.js';
import { alternateAll, median } from './rounds.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { devices: { type: 'string', default: '50' }, window: { type: 'string', default: '16' }, seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '4' }, 'group-commit-ms': { type: 'string' }, bound: { type: 'boolean', default: false }, only: { type: 'string' } },
  allowPositionals: true,
});
const DEVICES = Number(values.devices);
const WINDOW = Number(values.window);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);

// A full GC before each memory sample, so the figure is live memory, not garbage not yet collected.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** CPU seconds (user + system) this process's main thread has used; NaN where /proc is absent. */
function mainThreadCpuSeconds(): number {
  try {
    // Fields after the parenthesized command name: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

/** Main-thread CPU seconds spent in memoryNow()'s forced GCs: not the broker's, left out of its CPU figure. */
let samplerCpuSeconds = 0;

function memoryNow(): number {
  const before = mainThreadCpuSeconds();
  collect();
  samplerCpuSeconds += mainThreadCpuSeconds() - before;
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/**
 * Runs the load generator (ingest-load.ts) in a worker thread against 127.0.0.1:`port`, while this
 * thread, the broker's, samples its own live memory every 500 ms after a full GC.
 */
async function load(spec: Omit<LoadSpec, 'window' | 'seconds'>): Promise<Phase> {
  const idle = memoryNow();
  let peak = idle;
  // The next sample 500 ms after the last one ENDED: a forced full GC takes 0.4-0.6 s on this
  // machine under load, and at a fixed interval the samples alone held the broker's thread ~90%
  // of the time (50 devices then missed their CONNACK within 30 s).
  let sampler: NodeJS.Timeout | undefined;
  const sample = (): void => {
    peak = Math.max(peak, memoryNow());
    sampler = setTimeout(sample, 500);
  };
  sampler = setTimeout(sample, 500);
  try {
    const cpuBefore = mainThreadCpuSeconds() - samplerCpuSeconds;
    const result = await runLoadWorker({ ...spec, window: WINDOW, seconds: SECONDS });
    const cpu = mainThreadCpuSeconds() - samplerCpuSeconds - cpuBefore;
    return { ...result, peakBytesAboveIdle: Math.max(0, peak - idle), cpuMicrosPerMessage: (cpu * 1e6) / Math.max(1, result.acked) };
  } finally {
    clearTimeout(sampler);
  }
}

type Phase = LoadResult & { readonly peakBytesAboveIdle: number; readonly cpuMicrosPerMessage: number };

const root = await mkdtemp(join(tmpdir(), 'vigil-bench-ingest-'));
try {
  const pki = await makeDevicePki();
  const ids = Array.from({ length: DEVICES }, (_, i) => `bench-device-${String(i).padStart(5, '0')}`);
  const certs = await Promise.all(ids.map((id) => pki.device(id)));

  // Vigil: mTLS, full pipeline, durable group commit, PUBACK after commit.
  const { config } = validate({
    dataDir: join(root, 'data'),
    logLevel: 'silent',
    httpPort: 0,
    mqttPort: 0,
    mqtt: { messagesPerSecond: 10_000, burst: 100_000 },
    ...(values['group-commit-ms'] !== undefined ? { telemetry: { groupCommitMs: Number(values['group-commit-ms']) } } : {}),
  });
  await initialize({ config, env: {} });
  const platform = await openPlatform({ config, env: {} });
  const plainConfig = { ...config, dataDir: join(root, 'data-plain') };
  await initialize({ config: plainConfig, env: {} });
  const plainPlatform = await openPlatform({ config: plainConfig, env: {}, sealVitals: false });
  const registry = new FakeDeviceRegistry(pki.deviceCa.certPem);
  for (const id of ids) registry.add(id);
  if (values.bound) {
    const startAt = new Date(Date.now() - 3_600_000).toISOString();
    for (const p of [platform, plainPlatform]) {
      await p.database.db
        .insertInto('patient_bindings')
        .values(ids.map((deviceId) => ({ id: newId(), org_id: 'org-test-1', device_id: deviceId, patient_id: newId(), start_at: startAt, end_at: null, created_at: startAt, created_by: 'bench', ended_by: null })))
        .execute();
    }
  }
  const events = new MemorySecurityEventSink();
  const server = await startServer(platform, createLogger({ level: 'silent' }), { devices: { authenticator: registry, caPem: pki.deviceCa.certPem }, securityEvents: events });
  const plainServer = await startServer(plainPlatform, createLogger({ level: 'silent' }), { devices: { authenticator: registry, caPem: pki.deviceCa.certPem }, securityEvents: new MemorySecurityEventSink() });
  const serverCaPem = await readFile(caPaths(platform.dataDir).rootCertFile, 'utf8');
  const plainServerCaPem = await readFile(caPaths(plainPlatform.dataDir).rootCertFile, 'utf8');

  // Baseline: bare aedes (in-memory), TLS, the same QoS 1 traffic relayed to one subscriber.
  const bare = await Aedes.createBroker();
  const tlsServer = createServer({ ...TLS_PROFILE, cert: pki.server.certPem, key: pki.server.keyPem }, (socket) => {
    socket.setNoDelay(true); // as Vigil's broker does: the same socket options for both
    bare.handle(socket);
  });
  tlsServer.listen(0, '127.0.0.1');
  await once(tlsServer, 'listening');
  const barePort = (tlsServer.address() as AddressInfo).port;

  const vigilRuns: Phase[] = [];
  const plainRuns: Phase[] = [];
  const bareRuns: Phase[] = [];
  const deviceCerts = certs.map((c) => ({ certPem: c.certPem, keyPem: c.keyPem }));
  const runVigil = async () => {
    // Each run continues the devices' sequence numbers above the last run's (replay protection).
    vigilRuns.push(await load({ mode: 'vigil', port: server.mqttPort, serverCaPem, ids, certs: deviceCerts, firstSeq: vigilRuns.length * 10_000_000 }));
  };
  const runPlain = async () => {
    plainRuns.push(await load({ mode: 'vigil', port: plainServer.mqttPort, serverCaPem: plainServerCaPem, ids, certs: deviceCerts, firstSeq: plainRuns.length * 10_000_000 }));
  };
  const runBare = async () => {
    bareRuns.push(await load({ mode: 'bare', port: barePort, serverCaPem: pki.serverRoot.certPem, ids }));
  };
  const phases = { vigil: runVigil, plain: runPlain, bare: runBare };
  await alternateAll(ROUNDS, values.only !== undefined ? [phases[values.only as keyof typeof phases]] : [runVigil, runPlain, runBare]);
  const commitStats = { ...server.telemetry.committer.stats };
  const refusals = server.broker.refusals.snapshot();
  const sealedInClear = await platform.database.db.selectFrom('telemetry_readings').select((eb) => eb.fn.countAll<number>().as('n')).where('value', 'is not', null).executeTakeFirst();
  await server.close();
  await plainServer.close();
  await new Promise<void>((resolve) => bare.close(() => resolve()));
  tlsServer.close();

  const vigilRate = median(vigilRuns.map((r) => r.rate));
  const plainRate = median(plainRuns.map((r) => r.rate));
  const bareRate = median(bareRuns.map((r) => r.rate));
  const cpuPerMessage = (runs: readonly Phase[]) => Math.round(median(runs.map((r) => r.cpuMicrosPerMessage)));
  const perMessage = (runs: readonly Phase[]) => Math.round(Math.max(...runs.map((r) => r.peakBytesAboveIdle / Math.max(1, r.maxInFlight))));
  const report = {
    bench: 'ingest',
    devices: DEVICES,
    boundToPatients: values.bound,
    inFlightPerDevice: WINDOW,
    secondsPerPhase: SECONDS,
    rounds: ROUNDS,
    vigil: {
      ackedPerSecond: Math.round(vigilRate),
      runs: vigilRuns.map((r) => Math.round(r.rate)),
      acked: vigilRuns.reduce((sum, r) => sum + r.acked, 0),
      transactions: commitStats.batches,
      meanBatch: Math.round((commitStats.messages / Math.max(1, commitStats.batches)) * 10) / 10,
      largestBatch: commitStats.largestBatch,
      bytesPerInFlightMessageAtPeak: perMessage(vigilRuns),
      refusals,
      vitalsSealed: true,
      readingsStoredInClear: Number(sealedInClear?.n ?? 0),
      brokerCpuMicrosPerMessage: cpuPerMessage(vigilRuns),
    },
    vigilPlaintext: {
      ackedPerSecond: Math.round(plainRate),
      runs: plainRuns.map((r) => Math.round(r.rate)),
      acked: plainRuns.reduce((sum, r) => sum + r.acked, 0),
      bytesPerInFlightMessageAtPeak: perMessage(plainRuns),
      vitalsSealed: false,
      brokerCpuMicrosPerMessage: cpuPerMessage(plainRuns),
    },
    bareAedes: {
      ackedPerSecond: Math.round(bareRate),
      runs: bareRuns.map((r) => Math.round(r.rate)),
      acked: bareRuns.reduce((sum, r) => sum + r.acked, 0),
      relayedToSubscriber: bareRuns.reduce((sum, r) => sum + r.relayed, 0),
      bytesPerInFlightMessageAtPeak: perMessage(bareRuns),
      brokerCpuMicrosPerMessage: cpuPerMessage(bareRuns),
    },
    ratio: Math.round((vigilRate / bareRate) * 100) / 100,
    ratioPerRound: vigilRuns.map((r, i) => Math.round((r.rate / (bareRuns[i]?.rate ?? Number.NaN)) * 100) / 100),
    goal: 0.5,
    plaintextRatio: Math.round((plainRate / bareRate) * 100) / 100,
    sealedOverPlaintext: Math.round((vigilRate / plainRate) * 100) / 100,
    // The inverse ratio of broker CPU per message: what the rates' ratio would be if the broker's thread were the only limit.
    cpuRatio: Math.round((cpuPerMessage(bareRuns) / cpuPerMessage(vigilRuns)) * 100) / 100,
    plaintextCpuRatio: Math.round((cpuPerMessage(bareRuns) / cpuPerMessage(plainRuns)) * 100) / 100,
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  await rm(root, { recursive: true, force: true });
}
