/**
 * The load generator of the soak bench (soak-bench.ts), run in a worker thread so that the
 * server's heap, measured on the main thread, holds no client state (process.memoryUsage()
 * reports heap and external memory per thread; only rss is for the whole process).
 *
 * Each device is an mTLS MQTT 3.1.1 client to 127.0.0.1 that subscribes to its commands topic (as
 * @vigil/device-sdk does) and publishes one QoS 1 telemetry message every `intervalMs` (vitals
 * from the SDK's VitalsModel: heart rate, SpO2, blood pressure, temperature, respiratory rate),
 * seq increasing by one, and counts the PUBACKs. Every `churnSeconds` the next `churnCount`
 * devices (round robin) stop publishing, wait for their in-flight message, disconnect (alternately
 * with a DISCONNECT packet and by dropping the socket) and connect again a second later.
 *
 * Messages to the worker: 'start', 'stats', 'stop'; it answers 'connected', 'stats', 'stopped'.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import type { MqttClient } from 'mqtt';
import { VitalsModel } from '@vigil/device-sdk';
import { deviceTopic, type TelemetryEnvelope } from '@vigil/protocol';
import type { IssuedCert } from '../integration/device-pki.js';
import { connectDevice } from '../integration/mqtt-clients.js';

export interface LoadSpec {
  readonly port: number;
  readonly serverCaPem: string;
  readonly devices: readonly { readonly id: string; readonly certPem: string; readonly keyPem: string }[];
  readonly intervalMs: number;
  readonly churnSeconds: number;
  readonly churnCount: number;
  /** The first churn round is at churnSeconds + this (keeps rounds between the memory samples). */
  readonly churnOffsetMs: number;
  /** A message not acknowledged after this long is counted as late (it may still be acked). */
  readonly lateAckMs: number;
}

export interface LoadStats {
  readonly published: number;
  readonly acked: number;
  /** publish() rejected (connection closed with the message in flight, client error). */
  readonly failed: number;
  readonly inFlight: number;
  /** Acks that took longer than lateAckMs. */
  readonly lateAcks: number;
  readonly ticksSkippedOffline: number;
  readonly churnDisconnects: number;
  readonly reconnects: number;
  readonly reconnectFailures: number;
  /** Connections the server (or the network) closed while the device was not churning. */
  readonly unexpectedDisconnects: number;
  readonly clientErrors: number;
  readonly subscribeRefusals: number;
  readonly online: number;
  readonly errors: Readonly<Record<string, number>>;
  /** Ack latency of the messages acked since the previous stats request. */
  readonly ackMs: { readonly count: number; readonly p50: number; readonly p99: number; readonly max: number };
  /** The load generator's own live memory (this thread, after a full GC). */
  readonly loadHeapUsed: number;
  readonly loadExternal: number;
}

export type ToLoad = { readonly type: 'start' } | { readonly type: 'stats' } | { readonly type: 'stop' };
export type FromLoad =
  | { readonly type: 'connected'; readonly connected: number; readonly failed: number; readonly errors: Readonly<Record<string, number>> }
  | { readonly type: 'stats'; readonly stats: LoadStats }
  | { readonly type: 'stopped'; readonly stats: LoadStats; readonly unackedAtEnd: number; readonly closeTimeouts: number };

interface Device {
  readonly index: number;
  readonly id: string;
  readonly cert: Pick<IssuedCert, 'certPem' | 'keyPem'>;
  readonly topic: string;
  readonly model: VitalsModel;
  client: MqttClient | undefined;
  online: boolean;
  churning: boolean;
  seq: number;
  inFlight: number;
}

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

const spec = workerData as LoadSpec;
const port = parentPort;
if (!port) throw new Error('soak-load runs as a worker thread of soak-bench');

const startMs = Date.now();
const devices: Device[] = spec.devices.map((d, index) => ({
  index,
  id: d.id,
  cert: { certPem: d.certPem, keyPem: d.keyPem },
  topic: deviceTopic(d.id, 'telemetry'),
  model: new VitalsModel({ seed: 'soak', deviceIndex: index, startMs }),
  client: undefined,
  online: false,
  churning: false,
  seq: 0,
  inFlight: 0,
}));

const counters = {
  published: 0,
  acked: 0,
  failed: 0,
  lateAcks: 0,
  ticksSkippedOffline: 0,
  churnDisconnects: 0,
  reconnects: 0,
  reconnectFailures: 0,
  unexpectedDisconnects: 0,
  clientErrors: 0,
  subscribeRefusals: 0,
};
const errors = new Map<string, number>();
const countError = (message: string) => errors.set(message.slice(0, 80), (errors.get(message.slice(0, 80)) ?? 0) + 1);
let latencies: number[] = [];
let running = false;
const timers: NodeJS.Timeout[] = [];
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Connects (up to 3 tries), subscribes to the commands topic, and puts the device online. */
async function connect(d: Device): Promise<boolean> {
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const result = await connectDevice({ port: spec.port, serverCaPem: spec.serverCaPem, cert: d.cert, clientId: d.id, extra: { keepalive: 30 } }, 30_000);
    if (result.ok) {
      const { client } = result;
      d.client = client;
      client.on('error', (error) => {
        counters.clientErrors += 1;
        countError(`client: ${error.message}`);
      });
      client.on('close', () => {
        if (d.client !== client) return;
        d.online = false;
        d.client = undefined;
        if (d.churning || !running) return;
        counters.unexpectedDisconnects += 1;
        void reconnectLater(d);
      });
      try {
        const granted = await client.subscribeAsync(deviceTopic(d.id, 'commands'), { qos: 1 });
        if (granted.some((g) => g.qos === 128)) counters.subscribeRefusals += 1;
      } catch (error) {
        countError(`subscribe: ${error instanceof Error ? error.message : String(error)}`);
      }
      d.online = client.connected;
      return d.online;
    }
    countError(`connect: ${result.error}`);
    if (attempt < 3) await sleep(1000);
  }
  return false;
}

async function reconnectLater(d: Device): Promise<void> {
  d.churning = true;
  await sleep(1000);
  if (!running) return;
  if (await connect(d)) counters.reconnects += 1;
  else counters.reconnectFailures += 1;
  d.churning = false;
}

function envelope(d: Device, seq: number, now: number): TelemetryEnvelope {
  const sample = d.model.at(now);
  return { v: 1, deviceId: d.id, seq, ts: new Date(now).toISOString(), readings: sample.readings };
}

function tick(d: Device): void {
  if (!running) return;
  const client = d.client;
  if (!d.online || !client) {
    counters.ticksSkippedOffline += 1;
    return;
  }
  d.seq += 1;
  d.inFlight += 1;
  counters.published += 1;
  const sent = Date.now();
  client.publishAsync(d.topic, JSON.stringify(envelope(d, d.seq, sent)), { qos: 1 }).then(
    () => {
      const ms = Date.now() - sent;
      counters.acked += 1;
      if (ms > spec.lateAckMs) counters.lateAcks += 1;
      latencies.push(ms);
    },
    (error: unknown) => {
      counters.failed += 1;
      countError(`publish: ${error instanceof Error ? error.message : String(error)}`);
    },
  ).finally(() => (d.inFlight -= 1));
}

/** Resolves when the device has no message in flight (or after timeoutMs, with false). */
async function drained(d: Device, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (d.inFlight > 0) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** One device leaves and comes back: graceful (DISCONNECT) or abrupt (socket dropped). */
async function churn(d: Device, graceful: boolean): Promise<void> {
  if (d.churning || !d.client) return;
  d.churning = true;
  d.online = false;
  if (!(await drained(d, 10_000))) countError('churn: in-flight message not acked within 10 s');
  const client = d.client;
  if (client) {
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    if (graceful) client.end(false);
    else client.end(true);
    await Promise.race([closed, sleep(5000)]);
    d.client = undefined;
  }
  counters.churnDisconnects += 1;
  await sleep(1000);
  if (running) {
    if (await connect(d)) counters.reconnects += 1;
    else counters.reconnectFailures += 1;
  }
  d.churning = false;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;
}

function stats(): LoadStats {
  const sorted = latencies.sort((a, b) => a - b);
  latencies = [];
  collect();
  const m = process.memoryUsage();
  return {
    ...counters,
    inFlight: devices.reduce((n, d) => n + d.inFlight, 0),
    online: devices.filter((d) => d.online).length,
    errors: Object.fromEntries(errors),
    ackMs: { count: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? 0 },
    loadHeapUsed: m.heapUsed,
    loadExternal: m.external,
  };
}

function start(): void {
  running = true;
  // Devices are spread evenly over the interval, as independent devices would be.
  for (const d of devices) {
    const phase = Math.floor((d.index * spec.intervalMs) / Math.max(1, devices.length));
    timers.push(
      setTimeout(() => {
        tick(d);
        timers.push(setInterval(() => tick(d), spec.intervalMs));
      }, phase),
    );
  }
  let cursor = 0;
  let round = 0;
  const churnRound = () => {
    round += 1;
    for (let k = 0; k < spec.churnCount; k += 1) {
      const d = devices[cursor % devices.length];
      cursor += 1;
      // Half the churned devices say goodbye (DISCONNECT), half just vanish (socket dropped).
      if (d) void churn(d, (round + k) % 2 === 0);
    }
  };
  if (spec.churnSeconds > 0 && spec.churnCount > 0) {
    timers.push(
      setTimeout(() => {
        churnRound();
        timers.push(setInterval(churnRound, spec.churnSeconds * 1000));
      }, spec.churnSeconds * 1000 + spec.churnOffsetMs),
    );
  }
}

async function stop(): Promise<void> {
  running = false;
  for (const t of timers) clearTimeout(t);
  // Wait for the PUBACKs still due (a message not acked in 30 s is counted as unacked).
  const deadline = Date.now() + 30_000;
  while (devices.some((d) => d.inFlight > 0 || d.churning) && Date.now() < deadline) await sleep(50);
  const unackedAtEnd = devices.reduce((n, d) => n + d.inFlight, 0);
  const final = stats();
  let closeTimeouts = 0;
  await Promise.all(
    devices.map(async (d) => {
      const client = d.client;
      d.client = undefined;
      d.online = false;
      if (!client) return;
      const ended = await Promise.race([client.endAsync().then(() => true), sleep(10_000).then(() => false)]);
      if (!ended) {
        closeTimeouts += 1;
        client.end(true);
      }
    }),
  );
  port?.postMessage({ type: 'stopped', stats: final, unackedAtEnd, closeTimeouts } satisfies FromLoad);
}

port.on('message', (message: ToLoad) => {
  switch (message.type) {
    case 'start':
      start();
      break;
    case 'stats':
      port.postMessage({ type: 'stats', stats: stats() } satisfies FromLoad);
      break;
    case 'stop':
      void stop().then(() => port.close());
      break;
  }
});

// Connect every device, 20 at a time, then report.
let next = 0;
let failed = 0;
await Promise.all(
  Array.from({ length: 20 }, async () => {
    while (next < devices.length) {
      const d = devices[next++];
      if (d && !(await connect(d))) failed += 1;
    }
  }),
);
port.postMessage({ type: 'connected', connected: devices.filter((d) => d.online).length, failed, errors: Object.fromEntries(errors) } satisfies FromLoad);
