/**
 * `npm run bench -- detectors [--devices D] [--window W] [--seconds S] [--rounds R]`: the cost of
 * the security detectors on ingest. The same MQTT QoS 1 load as the ingest bench (mTLS, full
 * pipeline, durable group commit, PUBACK after commit) runs against two servers in the same
 * process and run, one with `security.detectors.enabled: false` and one with the defaults,
 * alternating off/on R times (so drift of the machine hits both). The devices run in a worker
 * thread (ingest-load.ts). Goal: throughput with detectors on >= 0.9 x off.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { validate } from '../config/index.js';
import { caPaths } from '../identity/ca/index.js';
import { FakeDeviceRegistry, makeDevicePki, type DevicePki, type IssuedCert } from '../integration/device-pki.js';
import { initialize, openPlatform, startServer } from '../main.js';
import { createLogger } from '../observability/index.js';
import { runLoadWorker } from './ingest-load.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { devices: { type: 'string', default: '20' }, window: { type: 'string', default: '8' }, seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '2' } },
  allowPositionals: true,
});
const DEVICES = Number(values.devices);
const WINDOW = Number(values.window);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);

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
  // The devices run in a worker thread (as in the ingest bench): the server has the main thread to itself.
  const { rate } = await runLoadWorker({ mode: 'vigil', port: server.mqttPort, serverCaPem, ids, certs: certs.map((c) => ({ certPem: c.certPem, keyPem: c.keyPem })), window: WINDOW, seconds: SECONDS });
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
