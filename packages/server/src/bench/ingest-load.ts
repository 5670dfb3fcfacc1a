/**
 * The load generator of the ingest bench (ingest-bench.ts), run in a worker thread so that the
 * broker under test (Vigil, or the bare aedes baseline) has the main thread's event loop to
 * itself, in both phases alike. Each device is an MQTT 3.1.1 client over TLS to 127.0.0.1 that
 * keeps `window` QoS 1 publishes in flight for `seconds` and counts the PUBACKs. In the baseline
 * phase one more client subscribes to everything published, as the relay's receiver.
 *
 * The ingest and detectors benches call runLoadWorker(spec); in the worker this module reads
 * workerData (a LoadSpec) and posts one LoadResult, or { error } when a client cannot connect.
 */
import { once } from 'node:events';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import mqtt, { type MqttClient } from 'mqtt';
import { deviceTopic } from '@vigil/protocol';
import type { IssuedCert } from '../integration/device-pki.js';
import { connectDevice, envelope } from '../integration/mqtt-clients.js';

export interface LoadSpec {
  readonly port: number;
  /** The CA that signed the broker's certificate. */
  readonly serverCaPem: string;
  readonly ids: readonly string[];
  /** Client certificates (mTLS to Vigil); absent for the bare broker, which asks for none. */
  readonly certs?: readonly Pick<IssuedCert, 'certPem' | 'keyPem'>[];
  /** 'vigil': device telemetry topics; 'bare': bench/<id>/telemetry, relayed to a subscriber. */
  readonly mode: 'vigil' | 'bare';
  readonly window: number;
  readonly seconds: number;
  /** Each device's first message has seq firstSeq + 1 (a later run against the same server continues above the last). */
  readonly firstSeq?: number;
}

export interface LoadResult {
  readonly acked: number;
  readonly seconds: number;
  readonly rate: number;
  readonly maxInFlight: number;
  /** Messages the baseline's subscriber received (0 for Vigil). */
  readonly relayed: number;
}

async function connectAll(spec: LoadSpec): Promise<MqttClient[]> {
  if (spec.mode === 'vigil') {
    const certs = spec.certs ?? [];
    const results = await Promise.all(spec.ids.map((id, i) => connectDevice({ port: spec.port, serverCaPem: spec.serverCaPem, cert: certs[i]!, clientId: id }, 30_000)));
    return results.map((r) => {
      if (!r.ok) throw new Error(`connect: ${r.error}`);
      return r.client;
    });
  }
  return Promise.all(spec.ids.map((id) => bareConnect(spec, id)));
}

function bareConnect(spec: LoadSpec, clientId: string): Promise<MqttClient> {
  return mqtt.connectAsync(`mqtts://127.0.0.1:${spec.port}`, { ca: spec.serverCaPem, clientId, protocolVersion: 4, reconnectPeriod: 0, servername: 'localhost' });
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  let relayed = 0;
  const subscriber = spec.mode === 'bare' ? await bareConnect(spec, 'bench-subscriber') : undefined;
  if (subscriber) {
    subscriber.on('message', () => (relayed += 1));
    await subscriber.subscribeAsync('bench/#', { qos: 1 });
  }
  const clients = await connectAll(spec);
  const topicOf = (i: number) => (spec.mode === 'vigil' ? deviceTopic(spec.ids[i]!, 'telemetry') : `bench/${spec.ids[i]!}/telemetry`);
  let inFlight = 0;
  let maxInFlight = 0;
  let acked = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + spec.seconds * 1000;
  await Promise.all(
    clients.map(async (client, i) => {
      let seq = spec.firstSeq ?? 0;
      const lane = async () => {
        while (Date.now() < deadline) {
          seq += 1;
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await client.publishAsync(topicOf(i), JSON.stringify(envelope(spec.ids[i]!, seq, new Date(), 60 + (seq % 50))), { qos: 1 });
          inFlight -= 1;
          acked += 1;
        }
      };
      await Promise.all(Array.from({ length: spec.window }, lane));
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await Promise.all([...clients, ...(subscriber ? [subscriber] : [])].map((c) => c.endAsync()));
  return { acked, seconds, rate: acked / seconds, maxInFlight, relayed };
}

/** Main thread: runs the load in a new worker and returns what it measured. */
export async function runLoadWorker(spec: LoadSpec): Promise<LoadResult> {
  const worker = new Worker(new URL(import.meta.url), { workerData: spec });
  try {
    const [message] = (await once(worker, 'message')) as [LoadResult | { error: string }];
    if ('error' in message) throw new Error(`load generator: ${message.error}`);
    return message;
  } finally {
    await worker.terminate();
  }
}

if (!isMainThread) {
  run(workerData as LoadSpec).then(
    (result) => parentPort?.postMessage(result),
    (error: unknown) => parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
}
