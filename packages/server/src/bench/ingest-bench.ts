/**
 * `npm run bench -- ingest [--devices D] [--window W] [--seconds S]`: acknowledged telemetry
 * messages per second end to end (MQTT 3.1.1 QoS 1 over mTLS, the full ingest pipeline, group
 * commit to SQLite with synchronous=FULL, PUBACK after the commit), then, in the same run, a bare
 * in-memory aedes broker relaying the same QoS 1 traffic over TLS to a subscriber (the baseline).
 * D devices each keep W messages in flight for S seconds. Reports both rates, their ratio (goal
 * >= 0.5) and live memory per in-flight message at the peak (heap + buffers above the idle level,
 * sampled after a full GC every 500 ms, in both phases alike).
 * The clients run in a worker thread (ingest-load.ts), loopback only, so the broker under test has
 * the main thread to itself in both phases, and the memory figures are the broker's alone.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
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
import { MemorySecurityEventSink } from '../kernel/index.js';
import { initialize, openPlatform, startServer } from '../main.js';
import { createLogger } from '../observability/index.js';
import { TLS_PROFILE } from '../transports/http/index.js';
import { readFile } from 'node:fs/promises';
import { runLoadWorker, type LoadResult, type LoadSpec } from './ingest-load.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { devices: { type: 'string', default: '50' }, window: { type: 'string', default: '16' }, seconds: { type: 'string', default: '10' }, 'group-commit-ms': { type: 'string' } },
  allowPositionals: true,
});
const DEVICES = Number(values.devices);
const WINDOW = Number(values.window);
const SECONDS = Number(values.seconds);


// A full GC before each memory sample, so the figure is live memory, not garbage not yet collected.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

function memoryNow(): number {
  collect();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/**
 * Runs the load generator (ingest-load.ts) in a worker thread against 127.0.0.1:`port`, while this
 * thread, the broker's, samples its own live memory every 500 ms after a full GC.
 */
async function load(spec: Omit<LoadSpec, 'window' | 'seconds'>): Promise<LoadResult & { readonly peakBytesAboveIdle: number }> {
  const idle = memoryNow();
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, memoryNow())), 500);
  try {
    const result = await runLoadWorker({ ...spec, window: WINDOW, seconds: SECONDS });
    return { ...result, peakBytesAboveIdle: Math.max(0, peak - idle) };
  } finally {
    clearInterval(sampler);
  }
}

const root = await mkdtemp(join(tmpdir(), 'vigil-bench-ingest-'));
try {
  const pki = await makeDevicePki();
  const ids = Array.from({ length: DEVICES }, (_, i) => `bench-device-${String(i).padStart(5, '0')}`);
  const certs = await Promise.all(ids.map((id) => pki.device(id)));

  // 1. Vigil: mTLS, full pipeline, durable group commit, PUBACK after commit.
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
  const registry = new FakeDeviceRegistry(pki.deviceCa.certPem);
  for (const id of ids) registry.add(id);
  const events = new MemorySecurityEventSink();
  const server = await startServer(platform, createLogger({ level: 'silent' }), { devices: { authenticator: registry, caPem: pki.deviceCa.certPem }, securityEvents: events });
  const serverCaPem = await readFile(caPaths(platform.dataDir).rootCertFile, 'utf8');
  const vigil = await load({ mode: 'vigil', port: server.mqttPort, serverCaPem, ids, certs: certs.map((c) => ({ certPem: c.certPem, keyPem: c.keyPem })) });
  const commitStats = { ...server.telemetry.committer.stats };
  const refusals = server.broker.refusals.snapshot();
  await server.close();

  // 2. Baseline: bare aedes (in-memory), TLS, same QoS 1 traffic relayed to one subscriber.
  const bare = await Aedes.createBroker();
  const tlsServer = createServer({ ...TLS_PROFILE, cert: pki.server.certPem, key: pki.server.keyPem }, (socket) => {
    socket.setNoDelay(true); // as Vigil's broker does: the same socket options for both
    bare.handle(socket);
  });
  tlsServer.listen(0, '127.0.0.1');
  await once(tlsServer, 'listening');
  const barePort = (tlsServer.address() as AddressInfo).port;
  const baseline = await load({ mode: 'bare', port: barePort, serverCaPem: pki.serverRoot.certPem, ids });
  await new Promise<void>((resolve) => bare.close(() => resolve()));
  tlsServer.close();

  const report = {
    bench: 'ingest',
    devices: DEVICES,
    inFlightPerDevice: WINDOW,
    seconds: SECONDS,
    vigil: {
      ackedPerSecond: Math.round(vigil.rate),
      acked: vigil.acked,
      transactions: commitStats.batches,
      meanBatch: Math.round((commitStats.messages / Math.max(1, commitStats.batches)) * 10) / 10,
      largestBatch: commitStats.largestBatch,
      peakBytesAboveIdle: vigil.peakBytesAboveIdle,
      bytesPerInFlightMessageAtPeak: Math.round(vigil.peakBytesAboveIdle / Math.max(1, vigil.maxInFlight)),
      refusals,
    },
    bareAedes: {
      ackedPerSecond: Math.round(baseline.rate),
      acked: baseline.acked,
      relayedToSubscriber: baseline.relayed,
      bytesPerInFlightMessageAtPeak: Math.round(baseline.peakBytesAboveIdle / Math.max(1, baseline.maxInFlight)),
    },
    ratio: Math.round((vigil.rate / baseline.rate) * 100) / 100,
    goal: 0.5,
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  await rm(root, { recursive: true, force: true });
}
