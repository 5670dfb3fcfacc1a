/**
 * `npm run bench -- detectors [--devices D] [--window W] [--seconds S] [--rounds R]`: the cost of
 * the security detectors on ingest. The same MQTT QoS 1 load as the ingest bench (mTLS, full
 * pipeline, durable group commit, PUBACK after commit) runs against two servers in the same
 * process and run, one with `security.detectors.enabled: false` and one with the defaults,
 * alternating off/on R times (so drift of the machine hits both). Goal: throughput with
 * detectors on >= 0.9 x off.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { MqttClient } from 'mqtt';
import { deviceTopic } from '@vigil/protocol';
import { validate } from '../config/index.js';
import { caPaths } from '../identity/ca/index.js';
import { FakeDeviceRegistry, makeDevicePki, type DevicePki, type IssuedCert } from '../integration/device-pki.js';
import { connectDevice, envelope } from '../integration/mqtt-clients.js';
import { initialize, openPlatform, startServer } from '../main.js';
import { createLogger } from '../observability/index.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { devices: { type: 'string', default: '20' }, window: { type: 'string', default: '8' }, seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '2' } },
  allowPositionals: true,
});
const DEVICES = Number(values.devices);
const WINDOW = Number(values.window);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);

async function load(clients: readonly MqttClient[], ids: readonly string[], seqs: number[]): Promise<number> {
  let acked = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + SECONDS * 1000;
  await Promise.all(
    clients.map(async (client, i) => {
      const lane = async () => {
        while (Date.now() < deadline) {
          seqs[i] = (seqs[i] ?? 0) + 1;
          const id = ids[i] ?? '';
          await client.publishAsync(deviceTopic(id, 'telemetry'), JSON.stringify(envelope(id, seqs[i] ?? 0, new Date(), 60 + ((seqs[i] ?? 0) % 50))), { qos: 1 });
          acked += 1;
        }
      };
      await Promise.all(Array.from({ length: WINDOW }, lane));
    }),
  );
  return acked / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function round(root: string, name: string, detectors: boolean, pki: DevicePki, ids: readonly string[], certs: readonly IssuedCert[]) {
  const { config } = validate({
    dataDir: join(root, name),
    logLevel: 'silent',
    httpPort: 0,
    mqttPort: 0,
    mqtt: { messagesPerSecond: 10_000, burst: 100_000 },
    security: { detectors: { enabled: detectors } },
  });
  await initialize({ config, env: {} });
  const platform = await openPlatform({ config, env: {} });
  const registry = new FakeDeviceRegistry(pki.deviceCa.certPem);
  for (const id of ids) registry.add(id);
  const server = await startServer(platform, createLogger({ level: 'silent' }), { devices: { authenticator: registry, caPem: pki.deviceCa.certPem } });
  const serverCaPem = await readFile(caPaths(platform.dataDir).rootCertFile, 'utf8');
  const connections = await Promise.all(ids.map((id, i) => connectDevice({ port: server.mqttPort, serverCaPem, cert: certs[i] as IssuedCert, clientId: id }, 30_000)));
  const clients = connections.map((c) => {
    if (!c.ok) throw new Error(`connect: ${c.error}`);
    return c.client;
  });
  const rate = await load(clients, ids, ids.map(() => 0));
  await Promise.all(clients.map((c) => c.endAsync()));
  await platform.security.alerts.flush();
  const alerts = platform.security.alerts.opened;
  await server.close();
  return { rate, alerts };
}

const root = await mkdtemp(join(tmpdir(), 'vigil-bench-detectors-'));
try {
  const pki = await makeDevicePki();
  const ids = Array.from({ length: DEVICES }, (_, i) => `bench-device-${String(i).padStart(5, '0')}`);
  const certs = await Promise.all(ids.map((id) => pki.device(id)));
  const off: number[] = [];
  const on: number[] = [];
  let alertsOn = 0;
  for (let r = 0; r < ROUNDS; r++) {
    off.push((await round(root, `off-${r}`, false, pki, ids, certs)).rate);
    const result = await round(root, `on-${r}`, true, pki, ids, certs);
    on.push(result.rate);
    alertsOn += result.alerts;
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const report = {
    bench: 'detectors',
    devices: DEVICES,
    inFlightPerDevice: WINDOW,
    secondsPerRound: SECONDS,
    rounds: ROUNDS,
    detectorsOff: { ackedPerSecond: off.map(Math.round), mean: Math.round(mean(off)) },
    detectorsOn: { ackedPerSecond: on.map(Math.round), mean: Math.round(mean(on)), alertsOpened: alertsOn },
    ratio: Math.round((mean(on) / mean(off)) * 100) / 100,
    goal: 0.9,
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  await rm(root, { recursive: true, force: true });
}
