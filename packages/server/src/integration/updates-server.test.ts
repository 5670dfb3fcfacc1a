/**
 * The update path end to end on a running Vigil: an enrolled device's SDK client refreshes TUF
 * metadata from /tuf over mutual TLS and installs a release; range requests resume a download;
 * a device reads only its own model's role; no certificate, no repository.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { makeTestCsr } from '../identity/ca/csr-fixtures.js';
import { startServer, type RunningServer } from '../main.js';
import { createLogger } from '../observability/index.js';
import { testContext } from './fixtures.js';
import { deviceClient, makeUpdatesHarness, type UpdatesHarness } from './updates-fixtures.js';

interface Raw {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

function get(port: number, ca: string, path: string, client?: { cert: string; key: string }, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', ca, servername: 'localhost', agent: false, headers, ...(client ?? {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function privateKeyPem(keys: webcrypto.CryptoKeyPair): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
}

describe('updates on a running server', { timeout: 120_000 }, () => {
  let h: UpdatesHarness;
  let server: RunningServer;
  let rootCa: string;
  let client: { cert: string; key: string };
  let enrolledDevice: { orgId: string; deviceId: string };
  const dirs: string[] = [];

  before(async () => {
    h = await makeUpdatesHarness();
    server = await startServer(h.t.platform, createLogger({ level: 'silent' }), { consoleDir: join(h.t.dataDir, 'no-console') });
    rootCa = readFileSync(join(h.t.dataDir, 'ca', 'root.pem'), 'utf8');
    const operator = { ...testContext, principal: { kind: 'cli' as const, id: 'operator' } };
    const org = await h.t.platform.identity.createOrganization(operator, 'Update Hospital');
    const token = await h.t.platform.devices.service.issueEnrollmentToken(operator, { orgId: org.id, model: 'pulse-ox' });
    const csr = await makeTestCsr();
    const enrolled = await h.t.platform.devices.service.enroll({ ...testContext, principal: { kind: 'anonymous', id: 'anonymous' } }, { token: token.token, csr: csr.pem, serial: 'SN-UPD-1' });
    client = { cert: [enrolled.certificate, ...enrolled.chain.slice(0, 1)].join(''), key: await privateKeyPem(csr.keys) };
    enrolledDevice = { orgId: org.id, deviceId: enrolled.deviceId };
  });
  after(async () => {
    await server.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    await h.dispose();
  });

  it('ok/the SDK installs the newest release through /tuf with its device certificate', async () => {
    const d = await deviceClient(h, [`https://localhost:${server.httpPort}/tuf`], { tls: { caCertificate: rootCa, clientCert: { certPem: client.cert, keyPem: client.key } } });
    dirs.push(d.stateDir);
    const outcome = await d.client.update();
    assert.equal(outcome.status, 'installed', JSON.stringify(outcome));
    assert.ok(d.installed[0]?.bytes.equals(h.images.get('pulse-ox/1.1.0') ?? Buffer.alloc(0)));
  });

  it('ok/range requests: 206 with the asked bytes, 416 outside the file', async () => {
    const release = await h.t.platform.updates.releases.get(testContext, 'pulse-ox', '1.1.0');
    const path = `/tuf/targets/pulse-ox/1.1.0/${release.sha256}.firmware.bin`;
    const image = h.images.get('pulse-ox/1.1.0') ?? Buffer.alloc(0);
    const whole = await get(server.httpPort, rootCa, path, client);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers['accept-ranges'], 'bytes');
    assert.ok(whole.body.equals(image));
    const part = await get(server.httpPort, rootCa, path, client, { range: 'bytes=1000-1999' });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 1000-1999/${image.length}`);
    assert.ok(part.body.equals(image.subarray(1000, 2000)));
    const tail = await get(server.httpPort, rootCa, path, client, { range: `bytes=${image.length - 10}-` });
    assert.ok(tail.body.equals(image.subarray(image.length - 10)));
    const outside = await get(server.httpPort, rootCa, path, client, { range: `bytes=${image.length}-` });
    assert.equal(outside.status, 416);
    assert.equal(outside.headers['content-range'], `bytes */${image.length}`);
  });

  it("fail/no certificate is 401; another model's role and image are 404", async () => {
    assert.equal((await get(server.httpPort, rootCa, '/tuf/metadata/timestamp.json')).status, 401);
    assert.equal((await get(server.httpPort, rootCa, '/tuf/metadata/timestamp.json', client)).status, 200);
    assert.equal((await get(server.httpPort, rootCa, '/tuf/metadata/1.model-infusion-pump.json', client)).status, 404);
    const other = await h.t.platform.updates.releases.get(testContext, 'infusion-pump', '1.0.0');
    assert.equal((await get(server.httpPort, rootCa, `/tuf/targets/infusion-pump/1.0.0/${other.sha256}.firmware.bin`, client)).status, 404);
    assert.equal((await get(server.httpPort, rootCa, '/tuf/targets/..%2F..%2Fkeys%2Fkeystore.json', client)).status, 404);
  });

  it('ok/metadata is served from memory, yet a new signing is served at once (the cached timestamp is dropped)', async () => {
    const version = async () => (JSON.parse((await get(server.httpPort, rootCa, '/tuf/metadata/timestamp.json', client)).body.toString('utf8')) as { signed: { version: number } }).signed.version;
    const before = await version();
    assert.equal(await version(), before, 'the same timestamp while nothing is signed');
    await h.t.platform.updates.tuf.publish(testContext, 'cache-test');
    assert.ok((await version()) > before, 'the new timestamp right after the signing');
  });

  it('fail/a revoked device is refused at once, though its certificate and the metadata were just served (no cache lets it in)', async () => {
    assert.equal((await get(server.httpPort, rootCa, '/tuf/metadata/timestamp.json', client)).status, 200);
    const release = await h.t.platform.updates.releases.get(testContext, 'pulse-ox', '1.1.0');
    const image = `/tuf/targets/pulse-ox/1.1.0/${release.sha256}.firmware.bin`;
    assert.equal((await get(server.httpPort, rootCa, image, client, { range: 'bytes=0-9' })).status, 206);
    await h.t.platform.devices.service.revoke({ ...testContext, principal: { kind: 'cli', id: 'operator' } }, enrolledDevice, 'stolen');
    assert.equal((await get(server.httpPort, rootCa, '/tuf/metadata/timestamp.json', client)).status, 401);
    assert.equal((await get(server.httpPort, rootCa, image, client, { range: 'bytes=0-9' })).status, 401);
  });
});
