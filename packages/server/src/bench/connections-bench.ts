/**
 * `npm run bench -- connections [--connections N] [--hold S] [--concurrency C]`: N concurrent mTLS
 * device connections (default 10,000) to one Vigil node, held for S seconds (default 60) while
 * each device publishes one telemetry message every 30 s. The server runs in a child process
 * (integration/ingest-child.js) so its memory is measured alone. Reports handshakes per second
 * (TLS + MQTT CONNECT, C at a time) and server memory per connection (RSS and heap, after GC,
 * minus the idle server). Loopback only. The client process raises nothing: each process stays
 * under `ulimit -n` because the server and the clients hold one end each.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { MqttClient } from 'mqtt';
import { deviceTopic } from '@vigil/protocol';
import { caPaths } from '../identity/ca/index.js';
import { makeDevicePki, type IssuedCert } from '../integration/device-pki.js';
import { connectDevice, envelope } from '../integration/mqtt-clients.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { connections: { type: 'string', default: '10000' }, hold: { type: 'string', default: '60' }, concurrency: { type: 'string', default: '100' } },
  allowPositionals: true,
});
const N = Number(values.connections);
const HOLD_S = Number(values.hold);
const CONCURRENCY = Number(values.concurrency);
const CHILD = fileURLToPath(new URL('../integration/ingest-child.js', import.meta.url));

const root = await mkdtemp(join(tmpdir(), 'vigil-bench-conn-'));
let child: ChildProcess | undefined;
try {
  const pki = await makeDevicePki();
  const ids = Array.from({ length: N }, (_, i) => `conn-device-${String(i).padStart(6, '0')}`);
  const certStart = Date.now();
  const certs: IssuedCert[] = [];
  // One key pair for every simulated device: key generation is not what this bench measures.
  const shared = await pki.device('conn-device-keys');
  for (const id of ids) certs.push(await pki.device(id, { keys: shared.keys }));
  console.error(`issued ${N} device certificates in ${((Date.now() - certStart) / 1000).toFixed(1)} s`);
  await writeFile(join(root, 'registry.json'), JSON.stringify({ deviceCaPem: pki.deviceCa.certPem, devices: ids }));
  child = spawn(process.execPath, ['--expose-gc', CHILD, join(root, 'data'), join(root, 'registry.json')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const server = child;

  const lines = createInterface({ input: server.stdout! });
  const waiters: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiters.shift()?.(line));
  const nextLine = () => new Promise<string>((resolve) => waiters.push(resolve));
  const ready = await nextLine();
  const port = Number(/^READY (\d+)$/.exec(ready)?.[1]);
  const mem = async () => {
    server.stdin!.write('mem\n');
    const [, rss, heap, external, connected] = (await nextLine()).split(' ').map(Number) as [number, number, number, number, number];
    return { rss, heap, external, connected };
  };
  const idle = await mem();
  const serverCaPem = await readFile(caPaths(join(root, 'data')).rootCertFile, 'utf8');

  const clients: Array<{ client: MqttClient; id: string }> = [];
  let failed = 0;
  let next = 0;
  const connectStart = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) {
        const i = next++;
        const result = await connectDevice({ port, serverCaPem, cert: certs[i]!, clientId: ids[i]!, extra: { keepalive: 120 } }, 60_000);
        if (result.ok) clients.push({ client: result.client, id: ids[i]! });
        else failed += 1;
      }
    }),
  );
  const connectSeconds = Number(process.hrtime.bigint() - connectStart) / 1e9;
  const connected = await mem();

  // Hold: a low message rate (one message per device every 30 s, spread out).
  let published = 0;
  let seq = 0;
  const holdEnd = Date.now() + HOLD_S * 1000;
  const perTick = Math.max(1, Math.round(clients.length / 300));
  let cursor = 0;
  while (Date.now() < holdEnd) {
    seq += 1;
    for (let k = 0; k < perTick; k += 1) {
      const c = clients[cursor++ % clients.length];
      if (c) c.client.publishAsync(deviceTopic(c.id, 'telemetry'), JSON.stringify(envelope(c.id, seq, new Date())), { qos: 1 }).then(() => (published += 1), () => undefined);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const held = await mem();
  server.stdin!.write('refusals\n');
  const refusals = JSON.parse((await nextLine()).slice('REFUSALS '.length)) as Record<string, number>;
  const still = held.connected;
  for (const c of clients) c.client.end(true);

  const report = {
    bench: 'connections',
    requested: N,
    connected: clients.length,
    failed,
    concurrency: CONCURRENCY,
    handshakesPerSecond: Math.round(clients.length / connectSeconds),
    connectSeconds: Math.round(connectSeconds * 10) / 10,
    holdSeconds: HOLD_S,
    stillConnectedAfterHold: still,
    refusals,
    messagesAcknowledgedDuringHold: published,
    server: {
      idleRssBytes: idle.rss,
      rssBytesPerConnection: Math.round((connected.rss - idle.rss) / Math.max(1, clients.length)),
      heapBytesPerConnection: Math.round((connected.heap + connected.external - idle.heap - idle.external) / Math.max(1, clients.length)),
      rssBytesPerConnectionAfterHold: Math.round((held.rss - idle.rss) / Math.max(1, still)),
    },
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  child?.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
}
