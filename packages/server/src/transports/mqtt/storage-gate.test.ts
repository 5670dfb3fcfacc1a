/**
 * The broker while storage fails (issue 17) and under a reconnect loop (issue 11 item 5):
 *   - a new connection gets CONNACK 3 "server unavailable"; a tight reconnect loop is bounded per
 *     device by the connection throttle (the documented bound: `connectionBurst` at once, then one
 *     connection per block, blocks of 60/connectionsPerMinute s doubling up to the maximum);
 *   - a publish whose commit failed for a storage fault gets no PUBACK and keeps its connection,
 *     then is acknowledged once storage commits again;
 *   - with storage healthy, a device looping connect/disconnect is throttled, and the security
 *     events it causes are bounded (one per throttle block, not one per attempt).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deviceTopic } from '@vigil/protocol';
import { FakeDeviceRegistry, makeDevicePki, type DevicePki } from '../../integration/device-pki.js';
import { connectDevice, envelope } from '../../integration/mqtt-clients.js';
import { AppError, MemorySecurityEventSink } from '../../kernel/index.js';
import { FakeStorage } from './storage-status-fakes.js';
import { startDeviceBroker, type DeviceBroker } from './device-broker.js';

// The per-source throttle is set out of reach here: a tight loop from 127.0.0.1 on a fast machine
// passes its default 600-connection burst within the test and would add its own events. The
// per-source throttle has its own suite below.
const LIMITS = {
  connectionsPerMinute: 12,
  connectionBurst: 6,
  connectionBackoffMaxSeconds: 300,
  storageHoldSeconds: 20,
  connectTimeoutMs: 2000,
  sourceConnectionsPerMinute: 1_000_000,
  sourceConnectionBurst: 1_000_000,
};

describe('broker: storage gate and connection throttle', () => {
  let pki: DevicePki;
  let broker: DeviceBroker;
  const storage = new FakeStorage();
  const events = new MemorySecurityEventSink();
  let commitFails = false;
  let commits = 0;

  before(async () => {
    pki = await makeDevicePki();
    const registry = new FakeDeviceRegistry(pki.deviceCa.certPem);
    for (const id of ['device-loop-0001', 'device-hold-0001', 'device-flap-0001']) registry.add(id);
    broker = await startDeviceBroker({
      host: '127.0.0.1',
      port: 0,
      tls: { certPem: pki.server.certPem, chainPem: '', keyPem: pki.server.keyPem },
      deviceCaPem: pki.deviceCa.certPem,
      authenticator: registry,
      events,
      storage,
      limits: LIMITS,
      handler: {
        telemetry: () => {
          if (commitFails) {
            storage.set(false);
            return Promise.reject(new AppError('STORAGE_UNAVAILABLE', { cause: Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }) }));
          }
          commits += 1;
          return Promise.resolve({ status: 'stored', seq: 1 });
        },
        ack: () => Promise.resolve(),
        commandsSubscribed: () => undefined,
      },
    });
  });
  after(async () => broker.close());

  test('fail/while storage fails, a device in a tight reconnect loop gets CONNACK 3, and at most the documented bound of connections', async () => {
    storage.set(false);
    const id = 'device-loop-0001';
    const cert = await pki.device(id);
    const outcomes = new Map<string, number>();
    const until = Date.now() + 6_000;
    let attempts = 0;
    while (Date.now() < until) {
      attempts += 1;
      const r = await connectDevice({ port: broker.port, serverCaPem: pki.serverRoot.certPem, cert, clientId: id }, 2000);
      const key = r.ok ? 'connected' : /Server unavailable/i.test(r.error) ? 'server-unavailable' : 'closed';
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      if (r.ok) r.client.end(true);
    }
    const refusals = broker.refusals.snapshot();
    const unavailable = outcomes.get('server-unavailable') ?? 0;
    // Bound: connectionBurst (6) at once, then one per block; blocks 5 s, 10 s, ... -> in 6 s at most 6 + 1 + 1.
    assert.ok(attempts > 15, `the loop was tight (${attempts} attempts)`);
    assert.equal(outcomes.get('connected') ?? 0, 0, 'no connection accepted while storage fails');
    assert.ok(unavailable >= 1, 'CONNACK 3 seen');
    assert.ok((refusals['storage-unavailable'] ?? 0) <= 8, `connections reaching CONNACK: ${refusals['storage-unavailable']}`);
    assert.ok((refusals['connection-rate'] ?? 0) >= attempts - 8, 'the rest were refused at the TLS edge');
    const rateEvents = events.events.filter((e) => e.reason === 'connection-rate');
    assert.ok(rateEvents.length >= 1 && rateEvents.length <= 2, `one security event per throttle block (${rateEvents.length})`);
    assert.equal(events.events.filter((e) => e.reason === 'storage-unavailable').length, 0, 'CONNACK 3 is counted, not stored as events');
    storage.set(true);
  });

  test('ok/a publish whose commit failed for a storage fault waits, unacknowledged, on an open connection; PUBACK after recovery', async () => {
    const id = 'device-hold-0001';
    const r = await connectDevice({ port: broker.port, serverCaPem: pki.serverRoot.certPem, cert: await pki.device(id), clientId: id });
    assert.ok(r.ok);
    commitFails = true;
    let acked = false;
    const publish = r.client.publishAsync(deviceTopic(id, 'telemetry'), JSON.stringify(envelope(id, 1, new Date())), { qos: 1 }).then(() => {
      acked = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(acked, false, 'no PUBACK while storage fails');
    assert.equal(r.client.connected, true, 'the connection is kept');
    assert.equal(broker.devicesWaiting(), 1);
    commitFails = false;
    const before = commits;
    storage.set(true);
    await publish;
    assert.equal(acked, true);
    assert.equal(commits, before + 1, 'acknowledged after the commit');
    assert.equal(broker.devicesWaiting(), 0);
    await r.client.endAsync();
  });

  test('fail/with storage healthy, a device looping connect/disconnect is throttled; connections and events stay bounded', async () => {
    const id = 'device-flap-0001';
    const cert = await pki.device(id);
    const before = events.events.length;
    let connected = 0;
    let attempts = 0;
    const until = Date.now() + 4_000;
    while (Date.now() < until) {
      attempts += 1;
      const r = await connectDevice({ port: broker.port, serverCaPem: pki.serverRoot.certPem, cert, clientId: id }, 2000);
      if (r.ok) {
        connected += 1;
        r.client.end(true);
      }
    }
    const mine = events.events.slice(before);
    assert.ok(attempts > 15, `tight loop (${attempts})`);
    assert.ok(connected <= LIMITS.connectionBurst + 1, `connections admitted: ${connected} of ${attempts}`);
    assert.ok(mine.length <= 2 * (LIMITS.connectionBurst + 1) + 2, `events bounded: ${mine.length} for ${attempts} attempts`);
  });
});

describe('broker: per-source throttle before the certificate is judged', () => {
  test('fail/a loop of foreign certificates from one source is throttled: refusals stay refusals, events stay bounded', async () => {
    const pki = await makeDevicePki();
    const events = new MemorySecurityEventSink();
    const broker = await startDeviceBroker({
      host: '127.0.0.1',
      port: 0,
      tls: { certPem: pki.server.certPem, chainPem: '', keyPem: pki.server.keyPem },
      deviceCaPem: pki.deviceCa.certPem,
      authenticator: new FakeDeviceRegistry(pki.deviceCa.certPem),
      events,
      limits: { sourceConnectionsPerMinute: 6, sourceConnectionBurst: 5, connectionBackoffMaxSeconds: 60, connectTimeoutMs: 2000 },
      handler: { telemetry: () => Promise.reject(new Error('unused')), ack: () => Promise.resolve(), commandsSubscribed: () => undefined },
    });
    try {
      const cert = await pki.device('device-foreign-0001', { foreign: true });
      let attempts = 0;
      let accepted = 0;
      const until = Date.now() + 3_000;
      while (Date.now() < until) {
        attempts += 1;
        const r = await connectDevice({ port: broker.port, serverCaPem: pki.serverRoot.certPem, cert, clientId: 'device-foreign-0001' }, 2000);
        if (r.ok) {
          accepted += 1;
          r.client.end(true);
        }
      }
      const refusals = broker.refusals.snapshot();
      assert.equal(accepted, 0, 'a foreign certificate is never accepted');
      assert.ok(attempts > 10, `tight loop (${attempts})`);
      assert.ok((refusals['foreign-ca'] ?? 0) <= 5, `judged at most burst times (${refusals['foreign-ca']})`);
      assert.equal((refusals['foreign-ca'] ?? 0) + (refusals['connection-rate'] ?? 0), attempts, 'every attempt refused and counted');
      assert.ok(events.events.length <= 7, `events bounded (${events.events.length} for ${attempts} attempts)`);
    } finally {
      await broker.close();
    }
  });
});
