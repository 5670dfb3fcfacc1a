import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseTelemetry, type TelemetryEnvelope } from '@vigil/protocol';
import { enroll } from './enroll.js';
import { createTestPki, type TestPki } from './testing/test-pki.js';
import { type EnrollServer, startEnrollServer } from './testing/test-servers.js';
import { VigilDevice } from './vigil-device.js';

let pki: TestPki;
let server: EnrollServer;
let root: string;

before(async () => {
  pki = await createTestPki();
  server = await startEnrollServer(pki);
  root = await mkdtemp(join(tmpdir(), 'vigil-sdk-https-'));
});
after(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

async function httpsDevice(): Promise<VigilDevice> {
  const token = randomBytes(8).toString('hex');
  server.tokens.add(token);
  const stateDir = join(root, token);
  await enroll({ url: server.url, token, serial: `SN-${token}`, caCertificate: pki.root.certPem, stateDir });
  return VigilDevice.open({ stateDir, caCertificate: pki.root.certPem, transport: 'https', backoff: { initialMs: 50, maxMs: 200, minMs: 10 } });
}

const seqsOf = (deviceId: string) =>
  server.telemetry
    .filter((m) => m.clientId === deviceId)
    .map((m) => {
      const parsed = parseTelemetry(JSON.parse(m.payload));
      assert.ok(parsed.ok);
      return parsed.value.seq;
    });

test('ok/https transport posts each message over mTLS, in order, and clears it on 2xx', async () => {
  const device = await httpsDevice();
  try {
    device.start();
    for (let i = 0; i < 5; i++) await device.sendReadings([{ metric: '59408-5', value: 97, unit: '%' }]);
    assert.equal(await device.waitForDrain(5_000), true);
    assert.deepEqual(seqsOf(device.deviceId), [1, 2, 3, 4, 5]);
    assert.equal(device.status().connected, true);
  } finally {
    await device.close();
  }
});

test('ok/https transport retries with back-off while the server is unavailable, then delivers in order', async () => {
  const device = await httpsDevice();
  let refusals = 0;
  server.telemetryStatus = (m) => (m.clientId === device.deviceId && refusals++ < 3 ? 503 : 202);
  try {
    const errors: Error[] = [];
    device.on('connection-error', (e) => errors.push(e));
    device.start();
    for (let i = 0; i < 3; i++) await device.sendReadings([{ metric: '8867-4', value: 80, unit: '/min' }]);
    assert.equal(await device.waitForDrain(10_000), true);
    assert.deepEqual(seqsOf(device.deviceId), [1, 2, 3]);
    assert.equal(errors.length, 3);
  } finally {
    server.telemetryStatus = () => 202;
    await device.close();
  }
});

test('fail/a message the server refuses (409) leaves the outbox with a rejected event and does not block the next', async () => {
  const device = await httpsDevice();
  server.telemetryStatus = (m) => ((JSON.parse(m.payload) as TelemetryEnvelope).seq === 2 && m.clientId === device.deviceId ? 409 : 202);
  const rejected: Array<[number, number, string | undefined]> = [];
  device.on('rejected', (seq, status, code) => rejected.push([seq, status, code]));
  try {
    device.start();
    for (let i = 0; i < 3; i++) await device.sendReadings([{ metric: '8867-4', value: 80, unit: '/min' }]);
    assert.equal(await device.waitForDrain(5_000), true);
    assert.deepEqual(seqsOf(device.deviceId), [1, 3]);
    assert.deepEqual(rejected, [[2, 409, 'TELEMETRY_REPLAY']]);
  } finally {
    server.telemetryStatus = () => 202;
    await device.close();
  }
});
