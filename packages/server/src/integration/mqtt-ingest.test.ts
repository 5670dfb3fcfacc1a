/**
 * End to end over real mTLS on 127.0.0.1: the platform (SQLite) with the embedded broker, real
 * mqtt.js clients with certificates from a test device CA, and a fake device registry.
 * Each refusal of issue 4 "Tests must show" is refused, counted and turned into a security event.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deviceTopic, type CommandEnvelope } from '@vigil/protocol';
import type { MqttClient, Packet } from 'mqtt';
import { ManualClock, MemorySecurityEventSink, type RequestContext } from '../kernel/index.js';
import { startServer, type RunningServer } from '../main.js';
import { runDeviceEventRetention } from '../composition/device-events.js';
import { createLogger } from '../observability/index.js';
import { deviceEventStore, telemetryStore } from '../storage/index.js';
import type { AcknowledgedCommand } from '../telemetry/index.js';
import { FakeDeviceRegistry, makeDevicePki, type DevicePki, type IssuedCert } from './device-pki.js';
import { makePlatform, type TestPlatform } from './fixtures.js';
import { closed, connectDevice, envelope, type ConnectResult } from './mqtt-clients.js';

const ORG = 'org-test-1';

describe('MQTT ingest over mTLS', () => {
  let t: TestPlatform;
  let server: RunningServer;
  let pki: DevicePki;
  let registry: FakeDeviceRegistry;
  let serverCaPem: string;
  const events = new MemorySecurityEventSink();
  const certs = new Map<string, IssuedCert>();

  async function cert(deviceId: string): Promise<IssuedCert> {
    let c = certs.get(deviceId);
    if (!c) certs.set(deviceId, (c = await pki.device(deviceId)));
    return c;
  }

  async function connect(deviceId: string, options: { clientId?: string; cert?: IssuedCert; extra?: object } = {}): Promise<ConnectResult> {
    return connectDevice({
      port: server.mqttPort,
      serverCaPem,
      cert: options.cert ?? (await cert(deviceId)),
      clientId: options.clientId ?? deviceId,
      ...(options.extra ? { extra: options.extra } : {}),
    });
  }

  async function connected(deviceId: string) {
    const result = await connect(deviceId);
    assert.ok(result.ok, `connect ${deviceId}: ${result.ok ? '' : result.error}`);
    return result.client;
  }

  /** The return codes of the SUBACK (MQTT 3.1.1 §3.9.3), read off the wire. */
  function subackCodes(client: MqttClient, filter: string): Promise<number[]> {
    return new Promise((resolve) => {
      const onPacket = (packet: Packet) => {
        if (packet.cmd !== 'suback') return;
        client.removeListener('packetreceive', onPacket);
        resolve([...packet.granted].map((g) => (typeof g === 'number' ? g : -1)));
      };
      client.on('packetreceive', onPacket);
      client.subscribe(filter, { qos: 1 }, () => undefined);
    });
  }

  function payload(deviceId: string, seq: number, offsetMs = 0, value = 72): string {
    return JSON.stringify(envelope(deviceId, seq, new Date(t.clock.now().getTime() + offsetMs), value));
  }

  async function readings(deviceId: string) {
    return telemetryStore(t.platform.database.db, undefined, t.platform.vitalsAtRest.sealing).readingsForDevice(ORG, deviceId, '2000-01-01T00:00:00.000Z', '2100-01-01T00:00:00.000Z', 1000);
  }

  function refusedWith(reason: string, counter = reason): void {
    assert.ok(server.broker.refusals.get(counter) >= 1, `counter ${reason}: ${JSON.stringify(server.broker.refusals.snapshot())}`);
    assert.ok(
      events.events.some((e) => e.reason === reason),
      `security event ${reason}: ${JSON.stringify(events.events.map((e) => `${e.type}/${e.reason}`))}`,
    );
  }

  before(async () => {
    pki = await makeDevicePki();
    registry = new FakeDeviceRegistry(pki.deviceCa.certPem);
    for (const id of ['device-evt-0001', 'device-kal-0001', 'device-pv5-0001', 'device-ok-0001', 'device-ok-0002', 'device-acl-0001', 'device-rev-0001', 'device-rev-0002', 'device-big-0001', 'device-deep-0001', 'device-retain-01', 'device-sub-0001', 'device-dup-0001', 'device-chk-0001', 'device-cmd-0001', 'device-cmd-0002']) {
      registry.add(id, { orgId: ORG });
    }
    registry.add('device-revoked01', { orgId: ORG, status: 'revoked' });
    registry.add('device-quarant01', { orgId: ORG, status: 'quarantined' });
    t = await makePlatform({ httpPort: 0, mqttPort: 0, telemetry: { groupCommitMs: 20 } });
    server = await startServer(t.platform, createLogger({ level: 'silent' }), {
      devices: { authenticator: registry, caPem: pki.deviceCa.certPem, directory: registry },
      securityEvents: events,
    });
    const { openRootCa } = await import('../identity/ca/index.js');
    serverCaPem = (await openRootCa({ dataDir: t.dataDir, keys: t.platform.keys })).certPem;
  });

  after(async () => {
    await server.close();
    await t.dispose();
  });

  test('ok/a device publishes QoS 1 telemetry: PUBACK, one stored row, one audit event', async () => {
    const client = await connected('device-ok-0001');
    await client.publishAsync(deviceTopic('device-ok-0001', 'telemetry'), payload('device-ok-0001', 1), { qos: 1 });
    const rows = await readings('device-ok-0001');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.seq, 1);
    const audit = await t.platform.database.db.selectFrom('audit_events').select(['action', 'target_id', 'details']).where('action', '=', 'telemetry.readings.ingest').execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.target_id, 'device-ok-0001');
    await client.endAsync();
  });

  const refusedConnections: Array<[string, () => Promise<ConnectResult>, string]> = [
    ['fail/a certificate from a foreign CA', async () => connect('device-ok-0002', { cert: await pki.device('device-ok-0002', { foreign: true }) }), 'foreign-ca'],
    [
      'fail/an expired certificate',
      async () => connect('device-ok-0002', { cert: await pki.device('device-ok-0002', { notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) }) }),
      'expired',
    ],
    ['fail/a revoked certificate', () => connect('device-revoked01'), 'revoked'],
    ['fail/a quarantined device', () => connect('device-quarant01'), 'quarantined'],
    ['fail/an unknown device', () => connect('device-unknown01'), 'unknown-device'],
    ['fail/a client id that does not match the certificate', async () => connect('device-ok-0002', { clientId: 'device-ok-0001' }), 'client-id-mismatch'],
    [
      'fail/a will message',
      () => connect('device-ok-0002', { extra: { will: { topic: deviceTopic('device-ok-0002', 'events'), payload: Buffer.from('{}'), qos: 1, retain: false } } }),
      'will',
    ],
  ];
  for (const [name, attempt, reason] of refusedConnections) {
    test(name, async () => {
      const result = await attempt();
      assert.equal(result.ok, false);
      refusedWith(reason);
    });
  }

  test('fail/a revoked device: its open connection is cut at once', async () => {
    const client = await connected('device-rev-0001');
    registry.setStatus('device-rev-0001', 'revoked');
    const wasClosed = closed(client);
    assert.equal(server.broker.disconnectDevice('device-rev-0001'), true);
    assert.equal(await wasClosed, true);
    assert.ok(events.events.some((e) => e.type === 'mqtt.connection.cut' && e.deviceId === 'device-rev-0001'));
    const again = await connect('device-rev-0001');
    assert.equal(again.ok, false);
    refusedWith('revoked');
  });

  test('fail/a publish to another device topic closes the connection', async () => {
    const client = await connected('device-acl-0001');
    const wasClosed = closed(client);
    client.publish(deviceTopic('device-ok-0001', 'telemetry'), payload('device-ok-0001', 99), { qos: 1 });
    assert.equal(await wasClosed, true);
    refusedWith('publish-acl');
    assert.equal((await readings('device-ok-0001')).some((r) => r.seq === 99), false);
  });

  test('fail/a subscribe to # is refused with 0x80; own commands topic is granted', async () => {
    const client = await connected('device-sub-0001');
    assert.deepEqual(await subackCodes(client, '#'), [128]);
    refusedWith('wildcard');
    assert.deepEqual(await subackCodes(client, deviceTopic('device-ok-0001', 'commands')), [128]);
    refusedWith('subscribe-acl');
    assert.deepEqual(await subackCodes(client, deviceTopic('device-sub-0001', 'commands')), [1]);
    await client.endAsync();
  });

  test('fail/a retained message on a command topic', async () => {
    const client = await connected('device-retain-01');
    const wasClosed = closed(client);
    client.publish(deviceTopic('device-retain-01', 'commands'), '{}', { qos: 1, retain: true });
    assert.equal(await wasClosed, true);
    refusedWith('retained');
  });

  test('fail/an oversized packet', async () => {
    const client = await connected('device-big-0001');
    const wasClosed = closed(client);
    client.publish(deviceTopic('device-big-0001', 'telemetry'), Buffer.alloc(64 * 1024, 0x20), { qos: 1 });
    assert.equal(await wasClosed, true);
    refusedWith('packet-too-large');
  });

  test('fail/a topic 1,000 levels deep', async () => {
    const client = await connected('device-deep-0001');
    const wasClosed = closed(client);
    client.publish(Array.from({ length: 1000 }, () => 'a').join('/'), '{}', { qos: 1 });
    assert.equal(await wasClosed, true);
    refusedWith('topic-too-deep');
  });

  const refusedMessages: Array<[string, (id: string) => string, string]> = [
    ['fail/a stale timestamp', (id) => payload(id, 1000, -6 * 60_000), 'stale'],
    ['fail/a timestamp from the future', (id) => payload(id, 1001, 6 * 60_000), 'future'],
    ['fail/an out-of-range value', (id) => payload(id, 1002, 0, 900), 'range'],
    ['fail/an envelope naming another device', () => payload('device-ok-0001', 1003), 'device-mismatch'],
    ['fail/malformed JSON', () => '{"v":1,', 'malformed'],
  ];
  for (const [name, make, reason] of refusedMessages) {
    test(`${name}: acknowledged, dropped, counted`, async () => {
      const client = await connected('device-chk-0001');
      const before = (await readings('device-chk-0001')).length;
      await client.publishAsync(deviceTopic('device-chk-0001', 'telemetry'), make('device-chk-0001'), { qos: 1 });
      assert.equal((await readings('device-chk-0001')).length, before);
      assert.ok(server.telemetry.pipeline.counters.get(reason) >= 1);
      refusedWith(reason, `telemetry-${reason}`);
      await client.endAsync();
    });
  }

  test('fail/a replayed sequence number; ok/a redelivered message is deduplicated and acknowledged', async () => {
    const id = 'device-dup-0001';
    const client = await connected(id);
    const topic = deviceTopic(id, 'telemetry');
    const first = payload(id, 5);
    await client.publishAsync(topic, first, { qos: 1 });
    await client.publishAsync(topic, payload(id, 6), { qos: 1 });
    const duplicatesBefore = server.telemetry.pipeline.counters.get('duplicate');
    await client.publishAsync(topic, first, { qos: 1, dup: true });
    assert.equal(server.telemetry.pipeline.counters.get('duplicate'), duplicatesBefore + 1);
    await client.publishAsync(topic, payload(id, 5, 1000, 80), { qos: 1 });
    refusedWith('replay', 'telemetry-replay');
    const rows = await readings(id);
    assert.deepEqual(rows.map((r) => r.seq), [5, 6]);
    await client.endAsync();
  });

  test('ok/group commit batches messages from several connections in one transaction', async () => {
    const ids = ['device-ok-0001', 'device-ok-0002'];
    const clients = await Promise.all(ids.map((id) => connected(id)));
    const batchesBefore = server.telemetry.committer.stats.batches;
    const sends = clients.flatMap((c, i) => {
      const id = ids[i] ?? '';
      return Array.from({ length: 10 }, (_, k) => c.publishAsync(deviceTopic(id, 'telemetry'), payload(id, 100 + k), { qos: 1 }));
    });
    await Promise.all(sends);
    const batches = server.telemetry.committer.stats.batches - batchesBefore;
    assert.ok(batches < 20, `20 messages in ${batches} transactions`);
    assert.ok(server.telemetry.committer.stats.largestBatch >= 2);
    await Promise.all(clients.map((c) => c.endAsync()));
  });

  describe('commands', () => {
    const admin = (orgId = ORG): RequestContext => ({
      principal: { kind: 'user', id: 'user-admin-1', orgId, username: 'admin', roles: ['org-admin'], sessionId: 's1', mfa: true },
      requestId: 'req-cmd',
      source: '127.0.0.1',
    });

    function nextCommand(client: MqttClient): Promise<CommandEnvelope> {
      return new Promise((resolve) => client.once('message', (_topic, body) => resolve(JSON.parse(body.toString()) as CommandEnvelope)));
    }

    test('ok/a command is delivered over MQTT with a nonce; the ack updates its status; all audited', async () => {
      const id = 'device-cmd-0001';
      const heard: AcknowledgedCommand[] = [];
      server.telemetry.commands.onAck((ack) => Promise.resolve(void (ack.deviceId === id && heard.push(ack))));
      const client = await connected(id);
      await client.subscribeAsync(deviceTopic(id, 'commands'), { qos: 1 });
      const received = nextCommand(client);
      const sent = await server.telemetry.commands.send(admin(), id, { name: 'reboot', args: { delay: 5 }, ttlSeconds: 60 });
      assert.equal(sent.status, 'sent');
      const command = await received;
      assert.equal(command.commandId, sent.commandId);
      assert.equal(command.nonce, sent.nonce);
      assert.equal(command.nonce.length >= 22, true);
      await client.publishAsync(deviceTopic(id, 'acks'), JSON.stringify({ v: 1, commandId: command.commandId, nonce: command.nonce, status: 'done' }), { qos: 1 });
      assert.equal((await server.telemetry.commands.find(ORG, sent.commandId))?.status, 'done');
      const actions = await t.platform.database.db.selectFrom('audit_events').select('action').where('target_id', '=', id).execute();
      assert.deepEqual(actions.map((a) => a.action).sort(), ['devices.command.ack', 'devices.command.deliver', 'devices.command.send']);
      // The same ack again is refused and reported.
      await client.publishAsync(deviceTopic(id, 'acks'), JSON.stringify({ v: 1, commandId: command.commandId, nonce: command.nonce, status: 'done' }), { qos: 1 });
      assert.equal(events.count('device.command.ack_refused', 'duplicate-ack'), 1);
      // Listeners (rollouts) hear the recorded ack once, with the command's name and arguments.
      assert.deepEqual(heard.map((a) => [a.name, a.args, a.status, a.commandId]), [['reboot', { delay: 5 }, 'done', sent.commandId]]);
      await client.endAsync();
    });

    test('ok/a command for an offline device waits, and is delivered when it subscribes', async () => {
      const id = 'device-cmd-0002';
      const sent = await server.telemetry.commands.send(admin(), id, { name: 'identify', args: {}, ttlSeconds: 60 });
      assert.equal(sent.status, 'pending');
      const client = await connected(id);
      const received = nextCommand(client);
      await client.subscribeAsync(deviceTopic(id, 'commands'), { qos: 1 });
      assert.equal((await received).commandId, sent.commandId);
      t.clock.advance(61_000);
      try {
        assert.equal((await server.telemetry.commands.find(ORG, sent.commandId))?.status, 'expired', 'never acknowledged, past its expiry');
      } finally {
        t.clock.advance(-61_000);
      }
      await client.endAsync();
    });

    test('fail/another organization gets 404; a clinician gets 403', async () => {
      await assert.rejects(server.telemetry.commands.send(admin('org-other-9'), 'device-cmd-0001', { name: 'reboot', args: {}, ttlSeconds: 60 }), { code: 'TELEMETRY_COMMAND_DEVICE_NOT_FOUND' });
      const clinician: RequestContext = { ...admin(), principal: { kind: 'user', id: 'u2', orgId: ORG, username: 'c', roles: ['clinician'], sessionId: 's2', mfa: true } };
      await assert.rejects(server.telemetry.commands.send(clinician, 'device-cmd-0001', { name: 'reboot', args: {}, ttlSeconds: 60 }), { code: 'FORBIDDEN' });
    });
  });

  test('ok/device events are stored with the organization before the PUBACK; a resend is one row; a malformed one is counted', async () => {
    const client = await connected('device-evt-0001');
    const event = { v: 1, id: 'evt-0001', ts: t.clock.now().toISOString(), kind: 'alarm', code: 'lead-off', severity: 'high' };
    await client.publishAsync(deviceTopic('device-evt-0001', 'events'), JSON.stringify(event), { qos: 1 });
    // The PUBACK came back: the row is committed already.
    const stored = await deviceEventStore(t.platform.database.db).list(ORG, 'device-evt-0001', { limit: 10 });
    assert.deepEqual(
      stored.map((e) => [e.id, e.kind, e.code, e.severity, e.orgId, e.deviceId]),
      [['evt-0001', 'alarm', 'lead-off', 'high', ORG, 'device-evt-0001']],
    );
    await client.publishAsync(deviceTopic('device-evt-0001', 'events'), JSON.stringify(event), { qos: 1 });
    assert.equal((await deviceEventStore(t.platform.database.db).list(ORG, 'device-evt-0001', { limit: 10 })).length, 1, 'a resend is stored once');
    await client.publishAsync(deviceTopic('device-evt-0001', 'events'), JSON.stringify({ ...event, id: 'evt-0002', message: 'SpO2 82 for bed 4' }), { qos: 1 });
    assert.ok(server.broker.refusals.get('event-unknown-field') >= 1, JSON.stringify(server.broker.refusals.snapshot()));
    assert.equal((await deviceEventStore(t.platform.database.db).list(ORG, 'device-evt-0001', { limit: 10 })).length, 1, 'a malformed event is not stored');
    assert.equal((await deviceEventStore(t.platform.database.db).list('org-other-9', 'device-evt-0001', { limit: 10 })).length, 0, 'another organization sees none');
    await client.endAsync();
    // A high alarm raises one security alert on the device (the resend raised nothing more).
    await t.platform.security.alerts.flush();
    const system: RequestContext = { principal: { kind: 'system', id: 'system' }, requestId: 'req-evt-retention', source: 'local' };
    const officer: RequestContext = { ...system, principal: { kind: 'user', id: 'so', orgId: ORG, username: 'so', roles: ['security-officer'], sessionId: 's-so', mfa: true } };
    const raised = await t.platform.security.alerts.list(officer, { detector: 'device-alarm' });
    assert.deepEqual(raised.map((a) => [a.severity, a.subject.kind, a.subject.id, a.count]), [['high', 'device', 'device-evt-0001', 1]]);
    // Retention: nothing younger than the setting goes; past it, the event is deleted and the deletion audited.
    const kept = await runDeviceEventRetention(t.platform, 400, system);
    assert.equal(kept.deleted, 0);
    const later = new ManualClock(t.clock.now().getTime() + 401 * 86_400_000);
    const pruned = await runDeviceEventRetention({ ...t.platform, clock: later }, 400, system);
    assert.ok(pruned.deleted >= 1, `deleted ${pruned.deleted}`);
    assert.equal((await deviceEventStore(t.platform.database.db).list(ORG, 'device-evt-0001', { limit: 10 })).length, 0, 'the old event is gone');
  });

  const earlyRefusals: Array<[string, string, object]> = [
    ['keepalive', 'device-kal-0001', { keepalive: 3601 }],
    ['protocol-version', 'device-pv5-0001', { protocolVersion: 5 }],
  ];
  for (const [reason, deviceId, extra] of earlyRefusals) {
    test(`fail/a ${reason} refusal of a device with a verified certificate is stored with its organization`, async () => {
      const result = await connect(deviceId, { extra: { ...extra, reconnectPeriod: 0, connectTimeout: 3000 } });
      if (result.ok) result.client.end(true);
      for (let i = 0; i < 100 && !events.events.some((e) => e.reason === reason && e.deviceId === deviceId); i += 1) await new Promise((r) => setTimeout(r, 20));
      const event = events.events.find((e) => e.reason === reason && e.deviceId === deviceId);
      assert.ok(event, JSON.stringify(events.events.map((e) => `${e.reason}/${e.deviceId ?? ''}`)));
      assert.equal(event.orgId, ORG);
    });
  }
});
