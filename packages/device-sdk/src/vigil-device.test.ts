import assert from 'node:assert/strict';
import { createHash, randomBytes, verify, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { canonicalAttestation, type CommandAck, deviceTopic, type FirmwareAttestation, parseTelemetry, type TelemetryEnvelope } from '@vigil/protocol';
import { enroll } from './enroll.js';
import { verifyTelemetrySignature } from './telemetry-signature.js';
import { createCa, createTestPki, type TestPki } from './testing/test-pki.js';
import { type EnrollServer, startEnrollServer, startTestBroker, type TestBroker } from './testing/test-servers.js';
import { VigilDevice, type VigilDeviceOptions } from './vigil-device.js';
import { vitalsToReadings, VitalsModel } from './vitals-generator.js';

let pki: TestPki;
let enrollServer: EnrollServer;
let root: string;
const fastBackoff = { initialMs: 50, maxMs: 250, minMs: 20 };

before(async () => {
  pki = await createTestPki();
  root = await mkdtemp(join(tmpdir(), 'vigil-sdk-device-'));
});
after(async () => {
  await enrollServer?.close();
  await rm(root, { recursive: true, force: true });
});

async function enrolledDevice(broker: TestBroker): Promise<string> {
  enrollServer ??= await startEnrollServer(pki, broker.port);
  const token = randomBytes(8).toString('hex');
  enrollServer.tokens.add(token);
  const stateDir = join(root, token);
  await enroll({ url: enrollServer.url, token, serial: `SN-${token}`, caCertificate: pki.root.certPem, stateDir });
  return stateDir;
}

function options(stateDir: string, broker: TestBroker, extra: Partial<VigilDeviceOptions> = {}): VigilDeviceOptions {
  return { stateDir, caCertificate: pki.root.certPem, mqttUrl: broker.url, backoff: fastBackoff, ...extra };
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const vitals = new VitalsModel({ seed: 'device-test', deviceIndex: 0, startMs: Date.now() });
const reading = () => vitalsToReadings(vitals.at(Date.now()).vitals);

function telemetryOf(broker: TestBroker, deviceId: string): TelemetryEnvelope[] {
  return broker.received
    .filter((m) => m.topic === deviceTopic(deviceId, 'telemetry'))
    .map((m) => {
      const parsed = parseTelemetry(JSON.parse(m.payload));
      assert.ok(parsed.ok, 'every published envelope passes parseTelemetry');
      return parsed.value;
    });
}

test('ok/connects over mTLS as its device id, publishes QoS 1 and clears the outbox on PUBACK; signatures verify', async () => {
  const broker = await startTestBroker(pki);
  try {
    const stateDir = await enrolledDevice(broker);
    // No mqttUrl: the host of the enrolment URL and the port enrolment returned.
    const device = await VigilDevice.open({ stateDir, caCertificate: pki.root.certPem, backoff: fastBackoff, signTelemetry: true });
    device.start();
    await device.waitForConnect(5_000);
    assert.deepEqual(broker.clients(), [device.deviceId]);
    for (let i = 0; i < 10; i++) await device.sendReadings(reading());
    assert.equal(await device.waitForDrain(5_000), true);
    const got = telemetryOf(broker, device.deviceId);
    assert.deepEqual(got.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const cert = new X509Certificate(device.identity.certificatePem);
    for (const envelope of got) {
      assert.equal(envelope.deviceId, device.deviceId);
      assert.equal(verifyTelemetrySignature(envelope, cert.publicKey), true);
    }
    assert.equal(device.status().pending, 0);
    await device.close();
  } finally {
    await broker.close();
  }
});

test('ok/reconnects with back-off after the broker restarts and sends what was queued meanwhile', async () => {
  let broker = await startTestBroker(pki);
  const port = broker.port;
  const stateDir = await enrolledDevice(broker);
  const device = await VigilDevice.open(options(stateDir, broker));
  try {
    device.start();
    await device.waitForConnect(5_000);
    await device.sendReadings(reading());
    assert.equal(await device.waitForDrain(5_000), true);
    const disconnected = new Promise<void>((resolve) => device.once('disconnect', () => resolve()));
    await broker.close();
    await disconnected;
    for (let i = 0; i < 3; i++) await device.sendReadings(reading());
    assert.equal(device.status().pending, 3);
    await new Promise((r) => setTimeout(r, 300)); // a few refused attempts
    broker = await startTestBroker(pki, port);
    assert.equal(await device.waitForDrain(10_000), true);
    assert.deepEqual(telemetryOf(broker, device.deviceId).map((e) => e.seq), [2, 3, 4]);
    assert.ok(device.status().connects >= 2);
  } finally {
    await device.close();
    await broker.close();
  }
});

test('ok/the outbox survives a restart: unacknowledged messages are resent in order, acknowledged ones never, seq keeps growing', async () => {
  let broker = await startTestBroker(pki);
  const port = broker.port;
  const stateDir = await enrolledDevice(broker);
  // The broker acknowledges seq 1..3 and never answers 4..6 (e.g. the link died before PUBACK).
  broker.gate = (m) => ((JSON.parse(m.payload) as TelemetryEnvelope).seq <= 3 ? 'ack' : 'hold');
  const first = await VigilDevice.open(options(stateDir, broker));
  first.start();
  await first.waitForConnect(5_000);
  for (let i = 0; i < 6; i++) await first.sendReadings(reading());
  await waitFor('3 acks', () => first.status().acked === 3);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(first.status().pending, 3);
  const deviceId = first.deviceId;
  await first.close();
  await broker.close();

  broker = await startTestBroker(pki, port);
  const second = await VigilDevice.open(options(stateDir, broker));
  try {
    second.start();
    assert.equal(await second.waitForDrain(10_000), true);
    assert.deepEqual(telemetryOf(broker, deviceId).map((e) => e.seq), [4, 5, 6]);
    const next = await second.sendReadings(reading());
    assert.ok(next.seq > 6);
    assert.equal(await second.waitForDrain(5_000), true);
    const seqs = telemetryOf(broker, deviceId).map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    assert.equal(new Set(seqs).size, seqs.length, 'no duplicates');
  } finally {
    await second.close();
    await broker.close();
  }
});

test('ok/commands: a valid one runs and is acked done; expired and replayed ones are rejected and acked', async () => {
  const broker = await startTestBroker(pki);
  const stateDir = await enrolledDevice(broker);
  const device = await VigilDevice.open(options(stateDir, broker));
  const ran: unknown[] = [];
  device.onCommand('identify', (args) => {
    ran.push(args);
  });
  const acks: CommandAck[] = [];
  device.on('command', (ack) => acks.push(ack));
  try {
    device.start();
    await device.waitForConnect(5_000);
    await waitFor('subscription', () => true);
    await new Promise((r) => setTimeout(r, 100));
    const topic = deviceTopic(device.deviceId, 'commands');
    const now = Date.now();
    const valid = { v: 1, commandId: 'cmd_valid', nonce: randomBytes(16).toString('base64url'), name: 'identify', args: { seconds: 3 }, issuedAt: new Date(now).toISOString(), expiresAt: new Date(now + 60_000).toISOString() };
    const expired = { ...valid, commandId: 'cmd_expired', nonce: randomBytes(16).toString('base64url'), expiresAt: new Date(now - 1_000).toISOString() };
    const replay = { ...valid, commandId: 'cmd_replay' };
    await broker.publish(topic, JSON.stringify(valid));
    await waitFor('first ack', () => acks.length === 1);
    await broker.publish(topic, JSON.stringify(expired));
    await broker.publish(topic, JSON.stringify(replay));
    await waitFor('three acks', () => acks.length === 3);
    const byId = Object.fromEntries(acks.map((a) => [a.commandId, a]));
    assert.deepEqual(byId.cmd_valid, { v: 1, commandId: 'cmd_valid', nonce: valid.nonce, status: 'done' });
    assert.equal(byId.cmd_expired?.status, 'rejected');
    assert.equal(byId.cmd_expired?.reason, 'expired');
    assert.equal(byId.cmd_replay?.reason, 'replayed-nonce');
    assert.deepEqual(ran, [{ seconds: 3 }]);
    const onWire = broker.received.filter((m) => m.topic === deviceTopic(device.deviceId, 'acks')).map((m) => JSON.parse(m.payload) as CommandAck);
    assert.deepEqual(onWire.map((a) => a.commandId).sort(), ['cmd_expired', 'cmd_replay', 'cmd_valid']);
  } finally {
    await device.close();
    await broker.close();
  }
});

test('fail/a broker whose certificate is not from the trusted CA is never connected to', async () => {
  const broker = await startTestBroker(pki);
  const stateDir = await enrolledDevice(broker);
  const foreign = await createCa('CN=Foreign Root');
  const device = await VigilDevice.open(options(stateDir, broker, { caCertificate: foreign.certPem }));
  try {
    const failed = new Promise<Error>((resolve) => device.once('connection-error', resolve));
    device.start();
    const error = await failed;
    assert.match(error.message, /certificate/i);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(device.status().connected, false);
    assert.deepEqual(broker.clients(), []);
  } finally {
    await device.close();
    await broker.close();
  }
});

test('fail/telemetry the server would refuse is not journaled (it would block the outbox)', async () => {
  const broker = await startTestBroker(pki);
  const stateDir = await enrolledDevice(broker);
  const device = await VigilDevice.open(options(stateDir, broker));
  try {
    await assert.rejects(device.sendReadings([{ metric: '8867-4', value: 900, unit: '/min' }]), /TELEMETRY_INVALID|range/);
    await assert.rejects(device.sendReadings([{ metric: '8867-4', value: 70, unit: 'bpm' }]), /unit/);
    assert.equal(device.status().pending, 0);
  } finally {
    await device.close();
    await broker.close();
  }
});

test('fail/a refused command subscription is reported (commands would never arrive)', async () => {
  const broker = await startTestBroker(pki);
  broker.refuseSubscriptions = true;
  const stateDir = await enrolledDevice(broker);
  const device = await VigilDevice.open(options(stateDir, broker));
  try {
    const reported = new Promise<Error>((resolve) => device.on('connection-error', resolve));
    device.start();
    assert.match((await reported).message, /subscri/i);
  } finally {
    await device.close();
    await broker.close();
  }
});

test('ok/a command ack whose connection dropped before its PUBACK is published again after the reconnect', async () => {
  let broker = await startTestBroker(pki);
  const port = broker.port;
  broker.gate = (m) => (m.topic.endsWith('/acks') ? 'hold' : 'ack');
  const stateDir = await enrolledDevice(broker);
  const device = await VigilDevice.open(options(stateDir, broker));
  const acked: CommandAck[] = [];
  device.onCommand('identify', () => undefined);
  device.on('command', (ack) => acked.push(ack));
  try {
    device.start();
    await device.waitForConnect(5_000);
    await new Promise((r) => setTimeout(r, 100));
    const now = Date.now();
    const nonce = randomBytes(16).toString('base64url');
    await broker.publish(
      deviceTopic(device.deviceId, 'commands'),
      JSON.stringify({ v: 1, commandId: 'cmd_held', nonce, name: 'identify', args: {}, issuedAt: new Date(now).toISOString(), expiresAt: new Date(now + 60_000).toISOString() }),
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(acked, [], 'no PUBACK yet');
    await broker.close();
    broker = await startTestBroker(pki, port);
    await waitFor('the ack on the new connection', () => acked.length === 1);
    const onWire = broker.received.filter((m) => m.topic === deviceTopic(device.deviceId, 'acks')).map((m) => JSON.parse(m.payload) as CommandAck);
    assert.deepEqual(onWire, [{ v: 1, commandId: 'cmd_held', nonce, status: 'done' }]);
  } finally {
    await device.close();
    await broker.close();
  }
});

test('fail/a message the server keeps refusing by disconnecting is reported as stalled, and kept', async () => {
  const broker = await startTestBroker(pki);
  broker.gate = (m) => (m.topic.endsWith('/telemetry') ? 'disconnect' : 'ack');
  const stateDir = await enrolledDevice(broker);
  const device = await VigilDevice.open(options(stateDir, broker));
  try {
    const stalled = new Promise<[number, number]>((resolve) => device.once('delivery-stalled', (seq, attempts) => resolve([seq, attempts])));
    device.start();
    await device.sendReadings(reading());
    const [seq, attempts] = await stalled;
    assert.equal(seq, 1);
    assert.ok(attempts >= 5);
    assert.equal(device.status().pending, 1, 'the message is kept, not dropped');
  } finally {
    await device.close();
    await broker.close();
  }
});

test('ok/with persistentSession a command sent while the device was offline is delivered on reconnect', async () => {
  const broker = await startTestBroker(pki);
  const stateDir = await enrolledDevice(broker);
  const first = await VigilDevice.open(options(stateDir, broker, { persistentSession: true }));
  first.start();
  await first.waitForConnect(5_000);
  await new Promise((r) => setTimeout(r, 100)); // SUBACK
  const deviceId = first.deviceId;
  await first.close();
  const now = Date.now();
  await broker.publish(
    deviceTopic(deviceId, 'commands'),
    JSON.stringify({ v: 1, commandId: 'cmd_offline', nonce: randomBytes(16).toString('base64url'), name: 'identify', args: {}, issuedAt: new Date(now).toISOString(), expiresAt: new Date(now + 60_000).toISOString() }),
  );
  const second = await VigilDevice.open(options(stateDir, broker, { persistentSession: true }));
  const acks: CommandAck[] = [];
  second.onCommand('identify', () => undefined);
  second.on('command', (ack) => acks.push(ack));
  try {
    second.start();
    await waitFor('the queued command', () => acks.length === 1);
    assert.equal(acks[0]?.commandId, 'cmd_offline');
    assert.equal(acks[0]?.status, 'done');
  } finally {
    await second.close();
    await broker.close();
  }
});

test('ok/with `firmware` the device attests at every connection: the image is measured again, signed with its key, posted over mTLS', async () => {
  const broker = await startTestBroker(pki);
  const stateDir = await enrolledDevice(broker);
  const image = join(stateDir, 'running.bin');
  const first = randomBytes(4096);
  await writeFile(image, first);
  const device = await VigilDevice.open(options(stateDir, broker, { firmware: { version: '2.1.0', imagePath: image } }));
  const server = enrollServer;
  assert.ok(server);
  const mine = () => server.attestations.filter((a) => a.clientId === device.deviceId).map((a) => a.report as unknown as FirmwareAttestation);
  try {
    const answered = new Promise<string | undefined>((resolve) => device.once('attestation', (a) => resolve(a.state)));
    device.start();
    assert.equal(await answered, 'verified');
    const [report] = mine();
    assert.ok(report);
    assert.equal(report.deviceId, device.deviceId);
    assert.equal(report.firmwareVersion, '2.1.0');
    assert.equal(report.imageSha256, createHash('sha256').update(first).digest('hex'));
    const { sig, ...unsigned } = report;
    const publicKey = new X509Certificate(device.identity.certificatePem).publicKey;
    assert.ok(verify('sha256', Buffer.from(canonicalAttestation(unsigned), 'utf8'), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64')), 'signed with the enrolled key');

    // The image changes on disk (tampering); the next connection reports what runs now.
    const tampered = randomBytes(4096);
    await writeFile(image, tampered);
    broker.gate = (m) => (m.topic.endsWith('/telemetry') ? 'disconnect' : 'ack');
    await device.sendReadings(reading());
    await waitFor('a second attestation after the reconnect', () => mine().length >= 2);
    const second = mine()[1];
    assert.equal(second?.imageSha256, createHash('sha256').update(tampered).digest('hex'), 'measured again at the new connection');
    assert.notEqual(second?.nonce, report.nonce);
    assert.ok(device.status().connects >= 2);
  } finally {
    await device.close();
    await broker.close();
  }
});
