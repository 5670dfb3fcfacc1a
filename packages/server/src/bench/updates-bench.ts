/**
 * `npm run bench -- updates [--devices 2000] [--concurrency 200] [--procs 3] [--mib 4] [--rounds 4]`: devices
 * check for an update and download it through the SDK's UpdateClient (TUF refresh + verified
 * download), all at once (`concurrency` in flight, spread over `procs` client processes so the
 * clients are not one event loop's bottleneck), once against Vigil's /tuf routes (device mTLS,
 * the device-certificate check, metadata and images as served in production) and once against a
 * static HTTPS file server (node:https streaming the same files from disk, asking for the same
 * device certificate) in this same process and run. Reports metadata requests per second, image
 * bytes per second, the ratio Vigil / static (goal >= 0.7), the server side's CPU seconds in each
 * run, and this process's peak RSS (the servers; the clients are other processes).
 *
 * Fairness on a shared machine: the devices are split into `rounds` rounds, and the two sides take
 * turns in ABBA order (Vigil, static | static, Vigil | ...), so a load change on the machine hits
 * both sides alike. Wall time, requests, bytes and CPU are summed per side over its rounds; peak
 * RSS is the highest seen while that side ran. `--rounds 1` is the old one-run-each order.
 */
import { fork } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { enrollDevice, makeUpdatesHarness } from '../integration/updates-fixtures.js';
import { testContext } from '../integration/fixtures.js';
import { startServer } from '../main.js';
import { createLogger } from '../observability/index.js';
import { releaseInput, streamOf } from '../updates/testing/release-fixtures.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { devices: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '200' }, procs: { type: 'string', default: '3' }, mib: { type: 'string', default: '4' }, rounds: { type: 'string', default: '4' } },
  allowPositionals: true,
});
const DEVICES = Number(values.devices);
const CONCURRENCY = Number(values.concurrency);
const PROCS = Math.max(1, Math.min(Number(values.procs), DEVICES));
const IMAGE_BYTES = Number(values.mib) * 1024 * 1024;
const ROUNDS = Math.max(1, Math.min(Math.floor(Number(values.rounds)), DEVICES));
if (!Number.isFinite(DEVICES) || DEVICES < 1 || !Number.isFinite(CONCURRENCY) || CONCURRENCY < 1 || !Number.isFinite(ROUNDS)) throw new Error('--devices, --concurrency and --rounds are positive numbers');
/** Requests of one refresh from a fresh device: 2.root.json (404), timestamp, snapshot, targets, model role. */
const METADATA_REQUESTS = 5;
const CLIENT = join(dirname(fileURLToPath(import.meta.url)), 'updates-bench-client.js');

interface RunResult {
  readonly devices: number;
  readonly seconds: number;
  readonly failures: number;
  readonly firstError: string | undefined;
  readonly serverCpuSeconds: number;
  readonly clientCpuSeconds: number;
  readonly peakRss: number;
}

/** `n` split into `parts` near-equal shares; share `i`. */
const share = (i: number, n: number, parts: number) => Math.floor(n / parts) + (i < n % parts ? 1 : 0);

/** One side's fleet of `devices` devices, spread over the client processes. */
async function runFleet(dir: string, name: string, devices: number, config: Record<string, unknown>): Promise<RunResult> {
  const procs = Math.min(PROCS, devices);
  const files = await Promise.all(
    Array.from({ length: procs }, async (_, i) => {
      const file = join(dir, `${name}-client-${i}.json`);
      await writeFile(file, JSON.stringify({ ...config, devices: share(i, devices, procs), concurrency: Math.max(1, share(i, CONCURRENCY, procs)), stateDir: join(dir, `${name}-${i}`) }));
      return file;
    }),
  );
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const outputs = await Promise.all(
    files.map(
      (file) =>
        new Promise<{ failures: number; firstError?: string; cpuSeconds: number }>((resolve, reject) => {
          const child = fork(CLIENT, [file], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], execArgv: [] });
          let out = '';
          child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
          child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as { failures: number; cpuSeconds: number }) : reject(new Error(`client exited ${code}`))));
        }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  clearInterval(sampler);
  return {
    devices,
    seconds,
    failures: outputs.reduce((n, o) => n + o.failures, 0),
    firstError: outputs.find((o) => o.firstError !== undefined)?.firstError,
    serverCpuSeconds: (used.user + used.system) / 1e6,
    clientCpuSeconds: outputs.reduce((n, o) => n + o.cpuSeconds, 0),
    peakRss,
  };
}

/** The baseline: a static HTTPS file server over the same files, with the same client-certificate handshake. */
async function startStatic(root: string, tls: { key: string; cert: string; ca: string }): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer({ key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' }, (req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '').replace(/^\/tuf\//, '').split('?')[0] ?? ''));
    if (path.startsWith('..') || path.startsWith('/')) return void res.writeHead(404).end();
    const file = join(root, path);
    stat(file).then(
      (st) => {
        res.writeHead(200, { 'content-type': path.endsWith('.json') ? 'application/json' : 'application/octet-stream', 'content-length': st.size });
        createReadStream(file).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://localhost:${(server.address() as AddressInfo).port}/tuf`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const h = await makeUpdatesHarness();
const dir = await mkdtemp(join(tmpdir(), 'vigil-updates-bench-'));
const server = await startServer(h.t.platform, createLogger({ level: 'silent' }), { consoleDir: join(h.t.dataDir, 'no-console') });
try {
  const big = Buffer.alloc(IMAGE_BYTES, 7);
  const image = await h.t.platform.updates.releases.uploadImage(testContext, 'pulse-ox', streamOf(big));
  await h.t.platform.updates.releases.publish(testContext, releaseInput({ sha256: image.sha256, version: '2.0.0', minVersion: '1.0.0' }));
  const org = await h.t.platform.identity.createOrganization({ ...testContext, principal: { kind: 'cli', id: 'bench' } }, 'Bench Hospital');
  const device = await enrollDevice(h, org.id, 'pulse-ox', 'SN-BENCH');
  const vigilCa = readFileSync(join(h.t.dataDir, 'ca', 'root.pem'), 'utf8');
  const clientCert = { certPem: device.certPem, keyPem: device.keyPem };
  // The same files on disk for the static server.
  const staticRoot = join(dir, 'static');
  for (const [path, body] of await h.files()) {
    await mkdir(dirname(join(staticRoot, path)), { recursive: true });
    await writeFile(join(staticRoot, path), body);
  }
  const mirror = await startStatic(staticRoot, { key: h.pki.ecdsa.keyPem, cert: h.pki.ecdsa.certPem + h.pki.ecdsa.chainPem, ca: vigilCa });
  const common = { trustedRoot: h.rootV1, currentVersion: '1.1.0' };
  const sides = {
    vigil: { ...common, url: `https://localhost:${server.httpPort}/tuf`, tls: { caCertificate: vigilCa, clientCert } },
    static: { ...common, url: mirror.url, tls: { caCertificate: h.pki.rootPem, clientCert } },
  } as const;
  const rounds: { vigil: RunResult[]; static: RunResult[] } = { vigil: [], static: [] };
  for (let r = 0; r < ROUNDS; r++) {
    // ABBA: even rounds Vigil first, odd rounds static first.
    const order = r % 2 === 0 ? (['vigil', 'static'] as const) : (['static', 'vigil'] as const);
    for (const side of order) rounds[side].push(await runFleet(dir, `${side}-r${r}`, share(r, DEVICES, ROUNDS), sides[side]));
    process.stderr.write(`round ${r + 1}/${ROUNDS} (${order.join(', ')}): vigil ${rounds.vigil.at(-1)?.seconds.toFixed(1)} s, static ${rounds.static.at(-1)?.seconds.toFixed(1)} s\n`);
  }
  await mirror.close();
  const sum = (runs: readonly RunResult[]): RunResult => ({
    devices: runs.reduce((n, x) => n + x.devices, 0),
    seconds: runs.reduce((n, x) => n + x.seconds, 0),
    failures: runs.reduce((n, x) => n + x.failures, 0),
    firstError: runs.find((x) => x.firstError !== undefined)?.firstError,
    serverCpuSeconds: runs.reduce((n, x) => n + x.serverCpuSeconds, 0),
    clientCpuSeconds: runs.reduce((n, x) => n + x.clientCpuSeconds, 0),
    peakRss: Math.max(...runs.map((x) => x.peakRss)),
  });
  const vigil = sum(rounds.vigil);
  const baseline = sum(rounds.static);
  const rate = (r: RunResult, runs: readonly RunResult[]) => ({
    devices: r.devices,
    metadataRequests: r.devices * METADATA_REQUESTS,
    imageBytes: r.devices * IMAGE_BYTES,
    metadataRequestsPerSecond: Math.round((r.devices * METADATA_REQUESTS) / r.seconds),
    imageBytesPerSecond: Math.round((r.devices * IMAGE_BYTES) / r.seconds),
    seconds: Number(r.seconds.toFixed(2)),
    roundSeconds: runs.map((x) => Number(x.seconds.toFixed(2))),
    serverCpuSeconds: Number(r.serverCpuSeconds.toFixed(2)),
    clientCpuSeconds: Number(r.clientCpuSeconds.toFixed(2)),
    peakServerRssMiB: Math.round(r.peakRss / 1024 / 1024),
    failures: r.failures,
    ...(r.firstError !== undefined ? { firstError: r.firstError } : {}),
  });
  process.stdout.write(
    `${JSON.stringify(
      {
        bench: 'updates',
        devices: DEVICES,
        concurrency: CONCURRENCY,
        clientProcesses: PROCS,
        imageBytes: IMAGE_BYTES,
        rounds: ROUNDS,
        order: 'ABBA (Vigil, static | static, Vigil | ...)',
        vigil: rate(vigil, rounds.vigil),
        static: rate(baseline, rounds.static),
        ratio: Number((baseline.seconds / vigil.seconds).toFixed(3)),
        wallRatio: Number((baseline.seconds / vigil.seconds).toFixed(3)),
        roundRatios: rounds.vigil.map((v, i) => Number(((rounds.static[i]?.seconds ?? 0) / v.seconds).toFixed(3))),
        serverCpuRatio: Number((baseline.serverCpuSeconds / vigil.serverCpuSeconds).toFixed(3)),
        goal: 0.7,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await server.close();
  await rm(dir, { recursive: true, force: true });
  await h.dispose();
}
