/**
 * `npm run bench -- updates [--devices 2000] [--concurrency 200] [--mib 4]`: devices check for an
 * update and download it through the SDK's UpdateClient (TUF refresh + verified download), once
 * against Vigil's /tuf routes (device mTLS, metadata from the database, image from the
 * content-addressed store) and once against a static HTTPS file server serving a copy of the same
 * files with the same kind of certificate, in the same run. Reports metadata requests per second,
 * image bytes per second, the ratio Vigil / static (goal >= 0.7), and the peak RSS of this process
 * (server and clients share it) during the Vigil run.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UpdateClient } from '@vigil/device-sdk';
import { enrollDevice, Mirror, makeUpdatesHarness, type UpdatesHarness } from '../integration/updates-fixtures.js';
import { testContext } from '../integration/fixtures.js';
import { startServer } from '../main.js';
import { createLogger } from '../observability/index.js';
import { releaseInput, streamOf } from '../updates/testing/release-fixtures.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { devices: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '200' }, mib: { type: 'string', default: '4' } },
  allowPositionals: true,
});
const DEVICES = Number(values.devices);
const CONCURRENCY = Number(values.concurrency);
const IMAGE_BYTES = Number(values.mib) * 1024 * 1024;
/** Requests of one refresh from a fresh device: 2.root.json (404), timestamp, snapshot, targets, model role. */
const METADATA_REQUESTS = 5;

async function runFleet(h: UpdatesHarness, url: string, tls: { caCertificate: string; clientCert?: { certPem: string; keyPem: string } }, dir: string): Promise<{ seconds: number; failures: number }> {
  let next = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < DEVICES) {
      const i = next++;
      const client = new UpdateClient({
        model: 'pulse-ox',
        currentVersion: '1.1.0',
        hardwareRevision: 'rev-a',
        mirrors: [url],
        trustedRoot: h.rootV1,
        stateDir: join(dir, `d${i}`),
        tls,
        install: () => Promise.resolve(),
      });
      const outcome = await client.update();
      if (outcome.status !== 'installed') failures += 1;
      await rm(join(dir, `d${i}`), { recursive: true, force: true });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, DEVICES) }, worker));
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, failures };
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
  const vigilTls = { caCertificate: readFileSync(join(h.t.dataDir, 'ca', 'root.pem'), 'utf8'), clientCert: { certPem: device.certPem, keyPem: device.keyPem } };
  const mirror = await Mirror.start(h.pki, await h.files());
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const vigil = await runFleet(h, `https://localhost:${server.httpPort}/tuf`, vigilTls, dir);
  clearInterval(sampler);
  const baseline = await runFleet(h, mirror.url, { caCertificate: h.pki.rootPem }, dir);
  await mirror.close();
  const rate = (r: { seconds: number }) => ({ metadataRequestsPerSecond: Math.round((DEVICES * METADATA_REQUESTS) / r.seconds), imageBytesPerSecond: Math.round((DEVICES * IMAGE_BYTES) / r.seconds), seconds: Number(r.seconds.toFixed(2)) });
  process.stdout.write(
    `${JSON.stringify(
      {
        bench: 'updates',
        devices: DEVICES,
        concurrency: CONCURRENCY,
        imageBytes: IMAGE_BYTES,
        vigil: { ...rate(vigil), failures: vigil.failures },
        static: { ...rate(baseline), failures: baseline.failures },
        ratio: Number((baseline.seconds / vigil.seconds).toFixed(3)),
        goal: 0.7,
        peakRssMiB: Math.round(peak / 1024 / 1024),
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
