/**
 * A device's life through the real modules, as `vigil start` wires them: an operator issues an
 * enrolment token; the device enrols over HTTPS with its own key and CSR; it posts telemetry over
 * HTTPS with its client certificate and publishes over MQTT with mutual TLS; a replay is refused;
 * revocation cuts its open MQTT connection at once, and it cannot reconnect.
 * (The broker and pipeline suites use a fake registry; this one uses the devices module.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { webcrypto } from 'node:crypto';
import { deviceTopic } from '@vigil/protocol';
import { makeTestCsr } from '../identity/ca/csr-fixtures.js';
import { MemorySecurityEventSink } from '../kernel/index.js';
import { startServer } from '../main.js';
import { createLogger } from '../observability/index.js';
import { makePlatform, testContext } from './fixtures.js';
import { closed, connectDevice, envelope } from './mqtt-clients.js';

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

function post(port: number, ca: string, path: string, body: unknown, client?: { cert: string; key: string }): Promise<Answer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        ca,
        servername: 'localhost',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        ...(client ?? {}),
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {} }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function privateKeyPem(keys: webcrypto.CryptoKeyPair): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
}

test('ok/enrol over HTTPS, ingest over HTTPS and MQTT with the issued certificate; replay refused; revocation cuts the open connection', { timeout: 120_000 }, async () => {
  const t = await makePlatform();
  const events = new MemorySecurityEventSink();
  const server = await startServer(t.platform, createLogger({ level: 'silent' }), { consoleDir: join(t.dataDir, 'no-console'), securityEvents: events });
  try {
    const rootCa = readFileSync(join(t.dataDir, 'ca', 'root.pem'), 'utf8');
    const operator = { ...testContext, principal: { kind: 'cli' as const, id: 'operator' } };
    const org = await t.platform.identity.createOrganization(operator, 'Device Hospital');
    const token = await t.platform.devices.service.issueEnrollmentToken(operator, { orgId: org.id, model: 'pulse-ox-9' });

    // Enrolment: the device's own key; Vigil sets the subject.
    const csr = await makeTestCsr();
    const enrolled = await post(server.httpPort, rootCa, '/api/v1/devices/enroll', { token: token.token, csr: csr.pem, serial: 'SN-E2E-42' });
    assert.equal(enrolled.status, 201, JSON.stringify(enrolled.body));
    const deviceId = enrolled.body['deviceId'] as string;
    const certificate = enrolled.body['certificate'] as string;
    const chain = enrolled.body['chain'] as string[];
    const client = { cert: [certificate, ...chain.slice(0, 1)].join(''), key: await privateKeyPem(csr.keys) };
    const again = await post(server.httpPort, rootCa, '/api/v1/devices/enroll', { token: token.token, csr: csr.pem, serial: 'SN-E2E-43' });
    assert.equal(again.status, 401, 'an enrolment token works once');

    // HTTPS ingest with the client certificate: 202 after the commit; without it, refused.
    const now = t.clock.now();
    const first = await post(server.httpPort, rootCa, '/api/v1/devices/telemetry', envelope(deviceId, 1, now, 71), client);
    assert.equal(first.status, 202, JSON.stringify(first.body));
    const anonymous = await post(server.httpPort, rootCa, '/api/v1/devices/telemetry', envelope(deviceId, 2, now, 71));
    assert.equal(anonymous.status, 401, 'no client certificate, no ingest');
    const replay = await post(server.httpPort, rootCa, '/api/v1/devices/telemetry', envelope(deviceId, 1, now, 99), client);
    assert.ok(replay.status >= 400 && replay.status < 500, `a replayed sequence number is refused (${replay.status})`);

    // MQTT with mutual TLS: PUBACK after the commit.
    const issued = { certPem: client.cert, keyPem: client.key } as Parameters<typeof connectDevice>[0]['cert'];
    const connected = await connectDevice({ port: server.mqttPort, serverCaPem: rootCa, cert: issued, clientId: deviceId });
    assert.ok(connected.ok, connected.ok ? '' : connected.error);
    const mqttClient = connected.client;
    await mqttClient.publishAsync(deviceTopic(deviceId, 'telemetry'), JSON.stringify(envelope(deviceId, 2, now, 73)), { qos: 1 });

    // Revocation by the API's service: the open connection is cut at once; reconnecting fails.
    const wasCut = closed(mqttClient, 5000);
    await t.platform.devices.service.revoke(operator, { deviceId, orgId: org.id }, 'key-compromise');
    assert.equal(await wasCut, true, 'the open connection of a revoked device is closed');
    const retry = await connectDevice({ port: server.mqttPort, serverCaPem: rootCa, cert: issued, clientId: deviceId });
    assert.equal(retry.ok, false, 'a revoked certificate cannot reconnect');
    const afterRevoke = await post(server.httpPort, rootCa, '/api/v1/devices/telemetry', envelope(deviceId, 3, now, 74), client);
    assert.equal(afterRevoke.status, 401, 'nor post telemetry');

    assert.ok(events.events.some((e) => e.reason === 'revoked'), 'the refused revoked certificate is a security event');
    assert.ok(events.events.some((e) => e.reason === 'replay'), 'the replay is a security event');
    await t.platform.devices.flushActivity();
    const view = await t.platform.devices.service.get(operator, { deviceId, orgId: org.id });
    assert.equal(view.status, 'revoked');
    assert.notEqual(view.lastSeenAt, null, 'ingest marked the device as seen');
  } finally {
    await server.close();
    await t.dispose();
  }
});
