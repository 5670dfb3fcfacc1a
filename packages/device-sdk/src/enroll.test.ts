import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, after, test } from 'node:test';
import { isDeviceId } from '@vigil/protocol';
import { loadDeviceKey } from './device-key.js';
import { enroll, loadIdentity } from './enroll.js';
import { DeviceSdkError } from './sdk-error.js';
import { statePaths } from './state-dir.js';
import { createCa, createTestPki, type TestPki } from './testing/test-pki.js';
import { type EnrollServer, startEnrollServer } from './testing/test-servers.js';

let pki: TestPki;
let server: EnrollServer;
let root: string;

before(async () => {
  pki = await createTestPki();
  server = await startEnrollServer(pki, 18883);
  root = await mkdtemp(join(tmpdir(), 'vigil-sdk-enroll-'));
});
after(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

let n = 0;
function stateDir(): string {
  return join(root, `device-${n++}`);
}

test('ok/enrol sends token, CSR and serial over verified TLS and stores the certificate chain', async () => {
  server.tokens.add('tok-ok');
  const dir = stateDir();
  const identity = await enroll({ url: server.url, token: 'tok-ok', serial: 'SN-1', udi: '(01)0001', firmwareVersion: '1.2.3', caCertificate: pki.root.certPem, stateDir: dir });
  assert.ok(isDeviceId(identity.deviceId));
  assert.equal(identity.mqttPort, 18883);
  const cert = new X509Certificate(identity.certificatePem);
  assert.ok(cert.publicKey.equals((await loadDeviceKey(dir))!.publicKey));
  assert.equal(identity.chainPem.length, 2);
  const stored = await loadIdentity(dir);
  assert.equal(stored?.deviceId, identity.deviceId);
  const body = server.requests.at(-1) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['csr', 'firmwareVersion', 'serial', 'token', 'udi']);
  assert.equal(body.serial, 'SN-1');
  assert.match(body.csr as string, /BEGIN CERTIFICATE REQUEST/);
  assert.equal((await stat(statePaths(dir).identityFile)).mode & 0o777, 0o600);
});

test('ok/a device already enrolled does not spend another token', async () => {
  server.tokens.add('tok-once');
  const dir = stateDir();
  const first = await enroll({ url: server.url, token: 'tok-once', serial: 'SN-2', caCertificate: pki.root.certPem, stateDir: dir });
  const count = server.requests.length;
  const second = await enroll({ url: server.url, token: 'tok-unused', serial: 'SN-2', caCertificate: pki.root.certPem, stateDir: dir });
  assert.equal(second.deviceId, first.deviceId);
  assert.equal(server.requests.length, count);
});

const failures: Array<{ name: string; code: string; setup: () => Promise<{ token: string; ca?: string }> }> = [
  {
    name: 'fail/an invalid token is refused with the server error code',
    code: 'ENROLL_REJECTED',
    setup: () => Promise.resolve({ token: 'tok-unknown' }),
  },
  {
    name: 'fail/a server whose certificate is not from the given CA is not trusted',
    code: 'ENROLL_TRANSPORT',
    setup: async () => {
      server.tokens.add('tok-foreign');
      return { token: 'tok-foreign', ca: (await createCa('CN=Foreign Root')).certPem };
    },
  },
  {
    name: 'fail/a certificate for another key is refused',
    code: 'ENROLL_RESPONSE_INVALID',
    setup: async () => {
      const other = await createTestPki();
      server.respondNext = async () => {
        const { loadOrCreateDeviceKey, createCsr } = await import('./device-key.js');
        const otherKey = await loadOrCreateDeviceKey(join(root, 'other-key'));
        const certificate = await pki.issueDevice(await createCsr(otherKey, 'x'), 'dev_0123456789abcdef');
        return { status: 200, body: { deviceId: 'dev_0123456789abcdef', certificate, chain: [pki.deviceCa.certPem, other.root.certPem], mqtt: { port: 8883 } } };
      };
      return { token: 'tok-any' };
    },
  },
  {
    name: 'fail/a certificate not issued by the returned chain is refused',
    code: 'ENROLL_RESPONSE_INVALID',
    setup: () => {
      server.respondNext = async (body) => ({
        status: 200,
        body: { deviceId: 'dev_0123456789abcdef', certificate: await pki.issueDevice(body.csr as string, 'dev_0123456789abcdef'), chain: [pki.root.certPem], mqtt: { port: 8883 } },
      });
      return Promise.resolve({ token: 'tok-any' });
    },
  },
  {
    name: 'fail/a response without a valid device id is refused',
    code: 'ENROLL_RESPONSE_INVALID',
    setup: () => {
      server.respondNext = async (body) => ({
        status: 200,
        body: { deviceId: '../etc', certificate: await pki.issueDevice(body.csr as string, 'x'), chain: [pki.deviceCa.certPem], mqtt: { port: 8883 } },
      });
      return Promise.resolve({ token: 'tok-any' });
    },
  },
];

for (const c of failures) {
  test(c.name, async () => {
    const { token, ca } = await c.setup();
    const dir = stateDir();
    await assert.rejects(enroll({ url: server.url, token, serial: 'SN-F', caCertificate: ca ?? pki.root.certPem, stateDir: dir }), (error: unknown) => {
      assert.ok(error instanceof DeviceSdkError);
      assert.equal(error.code, c.code);
      if (c.code === 'ENROLL_REJECTED') assert.equal(error.serverCode, 'DEVICE_ENROLLMENT_TOKEN_INVALID');
      return true;
    });
    assert.equal(await loadIdentity(dir), undefined, 'nothing is stored after a failed enrolment');
  });
}

test('ok/a forced re-enrolment gets a new identity and keeps the old outbox aside, not deleted', async () => {
  const { VigilDevice } = await import('./vigil-device.js');
  const { readdir } = await import('node:fs/promises');
  server.tokens.add('tok-first');
  server.tokens.add('tok-second');
  const dir = stateDir();
  const first = await enroll({ url: server.url, token: 'tok-first', serial: 'SN-R', caCertificate: pki.root.certPem, stateDir: dir });
  const device = await VigilDevice.open({ stateDir: dir, caCertificate: pki.root.certPem });
  await device.sendReadings([{ metric: '8867-4', value: 70, unit: '/min' }]);
  await device.close();
  const second = await enroll({ url: server.url, token: 'tok-second', serial: 'SN-R', caCertificate: pki.root.certPem, stateDir: dir, force: true });
  assert.notEqual(second.deviceId, first.deviceId);
  const entries = await readdir(dir);
  assert.ok(entries.some((e) => e.startsWith(`outbox-${first.deviceId}-`)), entries.join(','));
  const reopened = await VigilDevice.open({ stateDir: dir, caCertificate: pki.root.certPem });
  assert.equal(reopened.status().pending, 0, 'the new identity starts with an empty outbox');
  await reopened.close();
});
