import assert from 'node:assert/strict';
import { randomBytes, X509Certificate } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createCsr, loadDeviceKey, loadOrCreateKeyFile } from './device-key.js';
import { enroll, loadIdentity } from './enroll.js';
import { completeRenewal, renew } from './renew.js';
import { DeviceSdkError } from './sdk-error.js';
import { statePaths, writeFileAtomic } from './state-dir.js';
import { createTestPki, type TestPki } from './testing/test-pki.js';
import { type EnrollServer, startEnrollServer, startTestBroker, type TestBroker } from './testing/test-servers.js';
import { VigilDevice } from './vigil-device.js';

let pki: TestPki;
let broker: TestBroker;
let server: EnrollServer;
let root: string;

before(async () => {
  pki = await createTestPki();
  broker = await startTestBroker(pki);
  server = await startEnrollServer(pki, broker.port);
  root = await mkdtemp(join(tmpdir(), 'vigil-sdk-renew-'));
});
after(async () => {
  await server.close();
  await broker.close();
  await rm(root, { recursive: true, force: true });
});

async function enrolled(): Promise<string> {
  const token = randomBytes(8).toString('hex');
  server.tokens.add(token);
  const stateDir = join(root, token);
  await enroll({ url: server.url, token, serial: `SN-${token}`, caCertificate: pki.root.certPem, stateDir });
  return stateDir;
}

test('ok/renewal gets a certificate for a new key over mTLS, keeps the device id, and the device reconnects with it', async () => {
  const stateDir = await enrolled();
  const device = await VigilDevice.open({ stateDir, caCertificate: pki.root.certPem, backoff: { initialMs: 50, maxMs: 200 } });
  try {
    device.start();
    await device.waitForConnect(5_000);
    const before = device.identity;
    const oldKey = await loadDeviceKey(stateDir);
    const renewed = await device.renewCertificate();
    assert.equal(renewed.deviceId, before.deviceId);
    const newKey = await loadDeviceKey(stateDir);
    assert.ok(newKey && oldKey && !newKey.publicKey.equals(oldKey.publicKey), 'a new key');
    assert.ok(new X509Certificate(renewed.certificatePem).publicKey.equals(newKey.publicKey));
    assert.notEqual(renewed.certificatePem, before.certificatePem);
    assert.equal((await stat(statePaths(stateDir).keyFile)).mode & 0o777, 0o600);
    assert.deepEqual((await readdir(stateDir)).filter((f) => f.endsWith('.next')), []);
    await new Promise((r) => setTimeout(r, 50));
    await device.waitForConnect(5_000);
    await device.sendReadings([{ metric: '8867-4', value: 70, unit: '/min' }]);
    assert.equal(await device.waitForDrain(5_000), true);
    assert.ok(device.status().connects >= 2);
  } finally {
    await device.close();
  }
});

test('fail/a renewal response for another device is refused and the identity is unchanged', async () => {
  const stateDir = await enrolled();
  const before = await loadIdentity(stateDir);
  const keyBefore = await loadDeviceKey(stateDir);
  server.respondNext = async (body) => ({
    status: 200,
    body: { deviceId: 'dev_someoneelse01', certificate: await pki.issueDevice(body.csr as string, 'dev_someoneelse01'), chain: [pki.deviceCa.certPem, pki.root.certPem], mqtt: { port: broker.port } },
  });
  await assert.rejects(renew({ stateDir, caCertificate: pki.root.certPem }), (e: unknown) => e instanceof DeviceSdkError && e.code === 'ENROLL_RESPONSE_INVALID');
  assert.deepEqual(await loadIdentity(stateDir), before);
  assert.ok((await loadDeviceKey(stateDir))!.publicKey.equals(keyBefore!.publicKey));
});

test('ok/a renewal interrupted after staging is completed on open, and key and certificate match', async () => {
  const stateDir = await enrolled();
  const paths = statePaths(stateDir);
  const identity = (await loadIdentity(stateDir))!;
  const staged = await loadOrCreateKeyFile(`${paths.keyFile}.next`);
  const cert = await pki.issueDevice(await createCsr(staged, identity.deviceId), identity.deviceId);
  await writeFileAtomic(`${paths.certFile}.next`, cert);
  await copyFile(paths.chainFile, `${paths.chainFile}.next`);
  // "Crash" here; the next start finishes the switch.
  const device = await VigilDevice.open({ stateDir, caCertificate: pki.root.certPem });
  try {
    const key = (await loadDeviceKey(stateDir))!;
    assert.ok(key.publicKey.equals(staged.publicKey));
    assert.ok(new X509Certificate(device.identity.certificatePem).publicKey.equals(key.publicKey));
    await completeRenewal(stateDir); // idempotent
  } finally {
    await device.close();
  }
});

test('fail/a refused renewal keeps the current identity; the retry reuses the staged key', async () => {
  const stateDir = await enrolled();
  const keyBefore = (await loadDeviceKey(stateDir))!;
  server.respondNext = () => Promise.resolve({ status: 403, body: { error: { code: 'DEVICE_REVOKED', message: 'revoked', requestId: 'r' } } });
  await assert.rejects(renew({ stateDir, caCertificate: pki.root.certPem }), (e: unknown) => e instanceof DeviceSdkError && e.serverCode === 'DEVICE_REVOKED');
  assert.ok((await loadDeviceKey(stateDir))!.publicKey.equals(keyBefore.publicKey));
  const staged = (await loadOrCreateKeyFile(`${statePaths(stateDir).keyFile}.next`)).publicKey;
  const renewed = await renew({ stateDir, caCertificate: pki.root.certPem });
  assert.ok(new X509Certificate(renewed.certificatePem).publicKey.equals(staged));
});
