/**
 * `npm run bench -- soak [--minutes M] [--devices D] [--interval-ms I] [--sample-seconds S]
 *  [--churn-seconds C] [--churn-percent P]`: the ten-minute memory soak of the ingest path.
 *
 * The real server (startServer: SQLite with synchronous=FULL in a temp dir, MQTT over mTLS and
 * HTTPS on 127.0.0.1, random ports) takes a steady load for M minutes (default 10): D devices
 * (default 200) each publish one QoS 1 telemetry message every I ms (default 1000; vitals from
 * the device SDK's model, seq increasing) and wait for the PUBACK; every C seconds (default 30)
 * P% of the devices (default 5) disconnect and reconnect, so that state kept per connection would
 * pile up. The devices run in a worker thread (soak-load.ts): heap and external memory are
 * reported per thread, so the main thread's figures are the server's alone (rss is the process's).
 *
 * Every S seconds (default 10), after a full GC: heapUsed, external (which includes
 * arrayBuffers), rss, messages acknowledged. Live memory = heapUsed + external. Flatness, against
 * a baseline measured in the same run:
 *   baseline = mean live memory over the second tenth of the run (minute 2 of 10, after warm-up);
 *   final    = mean live memory over the last tenth;  ratio = final / baseline;
 *   slope    = least-squares slope of live memory over the second half, bytes per minute and
 *              percent of the baseline per minute.
 * The goal: ratio <= 1.10 and the second-half slope within ±1% of the baseline per minute.
 * Unacknowledged messages, failed publishes, refusals and unexpected disconnects are reported.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { validate } from '../config/index.js';
import { caPaths } from '../identity/ca/index.js';
import { FakeDeviceRegistry, makeDevicePki } from '../integration/device-pki.js';
import type { SecurityEvent, SecurityEventSink } from '../kernel/index.js';
import { initialize, openPlatform, startServer, type RunningServer } from '../main.js';
import { createLogger } from '../observability/index.js';
import type { FromLoad, LoadSpec, LoadStats, ToLoad } from './soak-load.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    minutes: { type: 'string', default: '10' },
    devices: { type: 'string', default: '200' },
    'interval-ms': { type: 'string', default: '1000' },
    'sample-seconds': { type: 'string', default: '10' },
    'churn-seconds': { type: 'string', default: '30' },
    'churn-percent': { type: 'string', default: '5' },
  },
  allowPositionals: true,
});
const bounded = (name: string, raw: string | undefined, min: number, max: number): number => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${min} to ${max}`);
  return n;
};
const MINUTES = bounded('minutes', values.minutes, 0.5, 240);
const DEVICES = Math.round(bounded('devices', values.devices, 1, 5000));
const INTERVAL_MS = Math.round(bounded('interval-ms', values['interval-ms'], 50, 60_000));
const SAMPLE_SECONDS = bounded('sample-seconds', values['sample-seconds'], 1, 600);
const CHURN_SECONDS = bounded('churn-seconds', values['churn-seconds'], 0, 3600);
const CHURN_PERCENT = bounded('churn-percent', values['churn-percent'], 0, 100);
const CHURN_COUNT = CHURN_PERCENT > 0 ? Math.max(1, Math.round((DEVICES * CHURN_PERCENT) / 100)) : 0;
const RUN_MS = Math.round(MINUTES * 60_000);
const GOAL = { maxRatio: 1.1, maxSlopePercentPerMinute: 1 };

// A full GC before each memory sample, so the figure is live memory, not garbage not yet collected.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

interface Memory {
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly rss: number;
  readonly live: number;
  readonly gcMs: number;
}

function memoryNow(): Memory {
  const started = process.hrtime.bigint();
  collect();
  const gcMs = Number(process.hrtime.bigint() - started) / 1e6;
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss, live: m.heapUsed + m.external, gcMs: Math.round(gcMs * 10) / 10 };
}

interface Sample extends Memory {
  /** Seconds since the load started. */
  readonly t: number;
  readonly acked: number;
  readonly failed: number;
  readonly connected: number;
  readonly ackP99Ms: number;
  readonly loadHeapUsed: number;
}

/** Counts security events by type and reason (bounded: a MemorySecurityEventSink would grow with the run). */
class CountingSink implements SecurityEventSink {
  readonly counts = new Map<string, number>();
  emit(event: SecurityEvent): void {
    const key = `${event.type}:${event.reason}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
}

/** Mean of `live` over samples with from <= t < to (inclusive of `to` when last); the nearest sample if none. */
function windowMean(samples: readonly Sample[], from: number, to: number, inclusiveEnd = false): { mean: number; samples: number } {
  const inside = samples.filter((s) => s.t >= from && (s.t < to || (inclusiveEnd && s.t <= to)));
  if (inside.length > 0) return { mean: inside.reduce((sum, s) => sum + s.live, 0) / inside.length, samples: inside.length };
  const middle = (from + to) / 2;
  const nearest = samples.reduce((best, s) => (Math.abs(s.t - middle) < Math.abs(best.t - middle) ? s : best));
  return { mean: nearest.live, samples: 1 };
}

/** Least-squares slope of `value` against t (minutes). */
function slopePerMinute(points: readonly { t: number; value: number }[]): number {
  if (points.length < 2) return 0;
  const xs = points.map((p) => p.t / 60);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = points.reduce((a, p) => a + p.value, 0) / points.length;
  let num = 0;
  let den = 0;
  points.forEach((p, i) => {
    const dx = (xs[i] ?? 0) - mx;
    num += dx * (p.value - my);
    den += dx * dx;
  });
  return den === 0 ? 0 : num / den;
}

const mib = (bytes: number) => Math.round((bytes / 1048576) * 100) / 100;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The worker, with a request/answer helper; rejects if it dies. */
function startLoad(spec: LoadSpec) {
  const worker = new Worker(new URL('./soak-load.js', import.meta.url), { workerData: spec });
  const waiting: Array<{ type: FromLoad['type']; resolve: (message: FromLoad) => void; reject: (error: Error) => void }> = [];
  const fail = (error: Error) => {
    for (const w of waiting.splice(0)) w.reject(error);
  };
  worker.on('message', (message: FromLoad) => {
    const index = waiting.findIndex((w) => w.type === message.type);
    if (index >= 0) waiting.splice(index, 1)[0]?.resolve(message);
  });
  worker.on('error', (error) => fail(error));
  worker.on('exit', (code) => fail(new Error(`load worker exited (${code})`)));
  const expect = <T extends FromLoad['type']>(type: T, timeoutMs: number): Promise<Extract<FromLoad, { type: T }>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`load worker: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
      waiting.push({
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as Extract<FromLoad, { type: T }>);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  const send = (message: ToLoad) => worker.postMessage(message);
  return { worker, expect, send };
}

const root = await mkdtemp(join(tmpdir(), 'vigil-bench-soak-'));
let server: RunningServer | undefined;
let load: ReturnType<typeof startLoad> | undefined;
try {
  const pki = await makeDevicePki();
  const ids = Array.from({ length: DEVICES }, (_, i) => `soak-device-${String(i).padStart(5, '0')}`);
  const certs = await Promise.all(ids.map((id) => pki.device(id)));

  // Production defaults except the data dir, the ports and the log level: the per-device rate
  // limit (20/s, burst 100), group commit (2 ms), the security detectors, every scheduled job.
  const { config } = validate({ dataDir: join(root, 'data'), logLevel: 'silent', httpPort: 0, mqttPort: 0, host: '127.0.0.1' });
  await initialize({ config, env: {} });
  const platform = await openPlatform({ config, env: {} });
  const registry = new FakeDeviceRegistry(pki.deviceCa.certPem);
  for (const id of ids) registry.add(id);
  const events = new CountingSink();
  server = await startServer(platform, createLogger({ level: 'silent' }), {
    consoleDir: join(root, 'no-console'),
    devices: { authenticator: registry, caPem: pki.deviceCa.certPem, directory: registry },
    securityEvents: events,
  });
  const running = server;
  const serverCaPem = await readFile(caPaths(platform.dataDir).rootCertFile, 'utf8');
  const idle = memoryNow();

  load = startLoad({
    port: running.mqttPort,
    serverCaPem,
    devices: ids.map((id, i) => ({ id, certPem: certs[i]!.certPem, keyPem: certs[i]!.keyPem })),
    intervalMs: INTERVAL_MS,
    churnSeconds: CHURN_SECONDS,
    churnCount: CHURN_COUNT,
    // Churn rounds fall between memory samples (a sample taken mid-round would see fewer connections).
    churnOffsetMs: Math.min(SAMPLE_SECONDS * 1000, CHURN_SECONDS * 1000) / 2,
    lateAckMs: 1000,
  });
  const worker = load;
  const connected = await worker.expect('connected', 120_000);
  if (connected.connected === 0) throw new Error(`no device connected: ${JSON.stringify(connected.errors)}`);
  const connectedIdle = memoryNow();

  const samples: Sample[] = [];
  let lastStats: LoadStats | undefined;
  const sample = async (t: number) => {
    worker.send({ type: 'stats' });
    const { stats } = await worker.expect('stats', 30_000);
    lastStats = stats;
    const memory = memoryNow();
    const s: Sample = { t, ...memory, acked: stats.acked, failed: stats.failed, connected: running.broker.connectedCount(), ackP99Ms: stats.ackMs.p99, loadHeapUsed: stats.loadHeapUsed + stats.loadExternal };
    samples.push(s);
    console.error(`t=${String(t).padStart(5)} s  live ${mib(s.live).toFixed(1)} MiB  heap ${mib(s.heapUsed).toFixed(1)}  external ${mib(s.external).toFixed(1)}  rss ${mib(s.rss).toFixed(0)}  acked ${s.acked}  failed ${s.failed}  connected ${s.connected}  ack p99 ${s.ackP99Ms} ms`);
  };

  worker.send({ type: 'start' });
  const started = Date.now();
  const sampleMs = SAMPLE_SECONDS * 1000;
  for (let k = 0; k * sampleMs <= RUN_MS; k += 1) {
    await sleep(Math.max(0, started + k * sampleMs - Date.now()));
    await sample(Math.round((k * sampleMs) / 100) / 10);
  }
  if ((samples.at(-1)?.t ?? 0) * 1000 < RUN_MS) {
    await sleep(Math.max(0, started + RUN_MS - Date.now()));
    await sample(RUN_MS / 1000);
  }
  const loadSeconds = (Date.now() - started) / 1000;
  const statsAtEnd = lastStats;

  worker.send({ type: 'stop' });
  const stopped = await worker.expect('stopped', 120_000);
  // After the last PUBACK: what the server counted against what the devices saw acknowledged.
  const refusals = running.broker.refusals.snapshot();
  const ingest = running.telemetry.pipeline.counters.snapshot();
  const commits = { ...running.telemetry.committer.stats };
  // The server drops a closed connection's state asynchronously: give it a moment, then measure.
  await sleep(3000);
  const afterDisconnect = memoryNow();
  const connectedAfter = running.broker.connectedCount();

  // Flatness: baseline = second tenth of the run (minute 2 of 10), final = last tenth, slope = second half.
  const runS = RUN_MS / 1000;
  const baseline = windowMean(samples, runS * 0.1, runS * 0.2);
  const final = windowMean(samples, runS * 0.9, runS, true);
  const secondHalf = samples.filter((s) => s.t >= runS / 2);
  const slope = slopePerMinute(secondHalf.map((s) => ({ t: s.t, value: s.live })));
  const heapSlope = slopePerMinute(secondHalf.map((s) => ({ t: s.t, value: s.heapUsed })));
  const rssSlope = slopePerMinute(secondHalf.map((s) => ({ t: s.t, value: s.rss })));
  const ratio = final.mean / baseline.mean;
  const slopePercent = (slope / baseline.mean) * 100;
  const rssBaseline = samples.filter((s) => s.t >= runS * 0.1 && s.t < runS * 0.2).map((s) => s.rss);
  const rssFinal = samples.filter((s) => s.t >= runS * 0.9).map((s) => s.rss);
  const mean = (xs: readonly number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

  const finalStats = stopped.stats;
  const expectedPerSecond = (DEVICES * 1000) / INTERVAL_MS;
  const report = {
    bench: 'soak',
    configuration: {
      minutes: MINUTES,
      devices: DEVICES,
      connected: connected.connected,
      connectFailures: connected.failed,
      intervalMs: INTERVAL_MS,
      qos: 1,
      readingsPerMessage: 6,
      sampleSeconds: SAMPLE_SECONDS,
      churn: { everySeconds: CHURN_SECONDS, devicesPerRound: CHURN_COUNT, percent: CHURN_PERCENT, alternating: 'DISCONNECT packet / socket dropped' },
      database: 'sqlite (synchronous=FULL)',
      measured: 'main thread (server) heapUsed + external after a full GC; devices run in a worker thread',
    },
    load: {
      seconds: Math.round(loadSeconds * 10) / 10,
      expectedMessagesPerSecond: Math.round(expectedPerSecond),
      ackedPerSecond: Math.round(((statsAtEnd?.acked ?? 0) / loadSeconds) * 10) / 10,
      published: finalStats.published,
      acked: finalStats.acked,
      failedPublishes: finalStats.failed,
      unackedAtEnd: stopped.unackedAtEnd,
      lateAcksOver1s: finalStats.lateAcks,
      ticksSkippedWhileOffline: finalStats.ticksSkippedOffline,
      churnDisconnects: finalStats.churnDisconnects,
      reconnects: finalStats.reconnects,
      reconnectFailures: finalStats.reconnectFailures,
      unexpectedDisconnects: finalStats.unexpectedDisconnects,
      clientErrors: finalStats.clientErrors,
      subscribeRefusals: finalStats.subscribeRefusals,
      closeTimeouts: stopped.closeTimeouts,
      errors: finalStats.errors,
    },
    server: {
      ingest,
      ackedButNotStored: finalStats.acked - (ingest['stored'] ?? 0) - (ingest['duplicate'] ?? 0),
      transactions: commits.batches,
      meanBatch: Math.round((commits.messages / Math.max(1, commits.batches)) * 10) / 10,
      largestBatch: commits.largestBatch,
      refusals,
      securityEvents: Object.fromEntries([...events.counts.entries()].sort(([a], [b]) => a.localeCompare(b))),
      connectedAfterClientsClosed: connectedAfter,
    },
    memory: {
      idleBytes: idle.live,
      connectedIdleBytes: connectedIdle.live,
      afterDisconnectBytes: afterDisconnect.live,
      afterDisconnectRssBytes: afterDisconnect.rss,
      baselineBytes: Math.round(baseline.mean),
      baselineSamples: baseline.samples,
      baselineWindowSeconds: [runS * 0.1, runS * 0.2],
      finalBytes: Math.round(final.mean),
      finalSamples: final.samples,
      finalWindowSeconds: [runS * 0.9, runS],
      ratio: round3(ratio),
      secondHalfSlopeBytesPerMinute: Math.round(slope),
      secondHalfSlopePercentOfBaselinePerMinute: round3(slopePercent),
      heapUsedSecondHalfSlopeBytesPerMinute: Math.round(heapSlope),
      rss: {
        baselineBytes: Math.round(mean(rssBaseline)),
        finalBytes: Math.round(mean(rssFinal)),
        ratio: round3(mean(rssFinal) / mean(rssBaseline)),
        secondHalfSlopeBytesPerMinute: Math.round(rssSlope),
        note: 'rss is the whole process (server and load worker, native TLS and SQLite memory); not part of the goal',
      },
      loadWorkerLiveBytesAtEnd: finalStats.loadHeapUsed + finalStats.loadExternal,
      samples: samples.map((s) => ({ t: s.t, live: s.live, heapUsed: s.heapUsed, external: s.external, arrayBuffers: s.arrayBuffers, rss: s.rss, acked: s.acked, failed: s.failed, connected: s.connected, ackP99Ms: s.ackP99Ms, gcMs: s.gcMs, loadWorkerLive: s.loadHeapUsed })),
    },
    goal: `live memory ratio (final / baseline) <= ${GOAL.maxRatio} and second-half slope within ±${GOAL.maxSlopePercentPerMinute}% of baseline per minute`,
    goalMet: ratio <= GOAL.maxRatio && Math.abs(slopePercent) <= GOAL.maxSlopePercentPerMinute,
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  if (load) await load.worker.terminate();
  await server?.close();
  await rm(root, { recursive: true, force: true });
}
