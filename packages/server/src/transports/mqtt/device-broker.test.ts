/**
 * The broker with the real ingest pipeline over a store that can be held shut: proves that the
 * device gets no PUBACK before the commit (MQTT 3.1.1 §4.3.2 + issue 4 item 7).
 */
import assert from 'node:assert/strict';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { deviceTopic } from '@vigil/protocol';
import { FakeDeviceRegistry, makeDevicePki, type DevicePki } from '../../integration/device-pki.js';
import { connectDevice, envelope } from '../../integration/mqtt-clients.js';
import { ecdsaP256Verifier } from '../../keys/index.js';
import { ManualClock, MemorySecurityEventSink } from '../../kernel/index.js';
import { GroupCommitter, IngestPipeline } from '../../telemetry/index.js';
import { MemoryIngestUnitOfWork } from '../../telemetry/in-memory-telemetry.js';
import { startDeviceBroker, type DeviceBroker } from './device-broker.js';

describe('device broker: PUBACK after commit, rate limit', () => {
  let pki: DevicePki;
  let broker: DeviceBroker;
  const clock = new ManualClock(Date.now());
  const uow = new MemoryIngestUnitOfWork();
  const events = new MemorySecurityEventSink();
  const order: string[] = [];

  before(async () => {
    pki = await makeDevicePki();
    const registry = new FakeDeviceRegistry(pki.deviceCa.certPem);
    registry.add('device-hold-0001');
    registry.add('device-rate-0001');
    const committer = new GroupCommitter(uow, clock, { maxDelayMs: 1, maxBatch: 100 });
    const pipeline = new IngestPipeline({ committer, clock, events, verifier: ecdsaP256Verifier, timeWindowSeconds: 300, signedModels: [] });
    broker = await startDeviceBroker({
      host: '127.0.0.1',
      port: 0,
      tls: { certPem: pki.server.certPem, chainPem: '', keyPem: pki.server.keyPem },
      deviceCaPem: pki.deviceCa.certPem,
      authenticator: registry,
      events,
      limits: { messagesPerSecond: 1, burst: 3, connectTimeoutMs: 1000 },
      handler: {
        telemetry: async (device, payload, source) => {
          const outcome = await pipeline.ingestPayload(device, payload, 'mqtt', source);
          order.push(`committed:${uow.data.commits}`);
          return outcome;
        },
        ack: () => Promise.resolve(),
        commandsSubscribed: () => undefined,
      },
    });
  });
  after(async () => broker.close());

  test('ok/the client has no PUBACK while the commit is held, and gets it right after', async () => {
    const id = 'device-hold-0001';
    const result = await connectDevice({ port: broker.port, serverCaPem: pki.serverRoot.certPem, cert: await pki.device(id), clientId: id });
    assert.ok(result.ok);
    uow.hold();
    let acked = false;
    const publish = result.client.publishAsync(deviceTopic(id, 'telemetry'), JSON.stringify(envelope(id, 1, clock.now())), { qos: 1 }).then(() => {
      acked = true;
      order.push('puback');
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(acked, false, 'no PUBACK before the commit');
    assert.equal(uow.data.readings.length, 0);
    uow.release();
    await publish;
    assert.deepEqual(order, ['committed:1', 'puback']);
    assert.equal(uow.data.readings.length, 1);
    await result.client.endAsync();
  });

  test('fail/a device over its message rate is cut off, counted and reported', async () => {
    const id = 'device-rate-0001';
    const result = await connectDevice({ port: broker.port, serverCaPem: pki.serverRoot.certPem, cert: await pki.device(id), clientId: id });
    assert.ok(result.ok);
    const client = result.client;
    const closedP = new Promise<void>((resolve) => client.once('close', () => resolve()));
    for (let seq = 1; seq <= 6; seq += 1) client.publish(deviceTopic(id, 'telemetry'), JSON.stringify(envelope(id, seq, clock.now())), { qos: 1 });
    await closedP;
    assert.ok(broker.refusals.get('rate-limited') >= 1);
    assert.ok(events.count('mqtt.refused', 'rate-limited') >= 1);
    client.end(true);
  });

  test('fail/a verified TLS peer that never sends CONNECT is closed after connectTimeout', async () => {
    const cert = await pki.device('device-hold-0001');
    const socket = tlsConnect({ host: '127.0.0.1', port: broker.port, servername: 'localhost', ca: pki.serverRoot.certPem, cert: cert.certPem, key: cert.keyPem });
    const started = Date.now();
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const waited = Date.now() - started;
    assert.ok(waited >= 900 && waited < 5000, `closed after ${waited} ms`);
    assert.ok(broker.refusals.get('connect-timeout') >= 1);
    assert.ok(events.count('mqtt.refused', 'connect-timeout') >= 1);
  });
});
