/**
 * HTTPS ingest and the command route, with the client-certificate lookup as a fake port (the
 * HTTPS listener's client-certificate support comes from the devices work).
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { FakeDeviceRegistry, makeDevicePki, type DevicePki } from '../../integration/device-pki.js';
import { envelope } from '../../integration/mqtt-clients.js';
import { ecdsaP256Verifier } from '../../keys/index.js';
import { AppError, ManualClock, MemorySecurityEventSink, type Principal } from '../../kernel/index.js';
import { CommandService, GroupCommitter, IngestPipeline } from '../../telemetry/index.js';
import { MemoryIngestUnitOfWork } from '../../telemetry/in-memory-telemetry.js';
import { deviceTelemetryRoutes } from './device-telemetry-routes.js';
import { createTestServer, makeTestPki, type TestPki } from './http-fixtures.js';
import type { HttpServer } from './http-server-type.js';

describe('POST /api/v1/devices/telemetry', () => {
  let pki: TestPki;
  let devicePki: DevicePki;
  let app: HttpServer;
  let presented: X509Certificate | null = null;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  const uow = new MemoryIngestUnitOfWork();
  const events = new MemorySecurityEventSink();
  let good: X509Certificate;
  let quarantined: X509Certificate;

  before(async () => {
    pki = makeTestPki();
    devicePki = await makeDevicePki();
    const registry = new FakeDeviceRegistry(devicePki.deviceCa.certPem);
    registry.add('device-http-0001');
    registry.add('device-http-0002', { status: 'quarantined' });
    good = new X509Certificate((await devicePki.device('device-http-0001')).certPem);
    quarantined = new X509Certificate((await devicePki.device('device-http-0002')).certPem);
    const committer = new GroupCommitter(uow, clock, { maxDelayMs: 1, maxBatch: 100 });
    const pipeline = new IngestPipeline({ committer, clock, events, verifier: ecdsaP256Verifier, timeWindowSeconds: 300, signedModels: [] });
    const commands = new CommandService({ run: () => Promise.reject(new Error('unused')) }, registry, clock, events);
    const admin: Principal = { kind: 'user', id: 'u1', orgId: 'org-test-1', username: 'a', roles: ['clinician'], sessionId: 's', mfa: true };
    app = await createTestServer(pki, {
      routes: [deviceTelemetryRoutes({ pipeline, commands, authenticator: registry, clientCertificate: () => presented, events })],
      authorize: (_request, permission) => (permission === 'devices:command' ? Promise.resolve(admin) : Promise.reject(new AppError('FORBIDDEN'))),
    });
  });
  after(async () => app.close());

  const post = (body: unknown) => app.inject({ method: 'POST', url: '/api/v1/devices/telemetry', payload: body as object });

  it('ok/202 after the commit, with the stored seq; a redelivery is 202 duplicate', async () => {
    presented = good;
    const body = envelope('device-http-0001', 1, clock.now());
    const response = await post(body);
    assert.equal(response.statusCode, 202);
    assert.deepEqual(response.json(), { status: 'stored', seq: 1 });
    assert.equal(uow.data.commits, 1);
    assert.deepEqual((await post(body)).json(), { status: 'duplicate', seq: 1 });
    assert.equal(uow.data.readings.length, 1);
  });

  const refused: Array<[string, () => X509Certificate | null, () => unknown, number, string]> = [
    ['fail/no client certificate', () => null, () => envelope('device-http-0001', 2, clock.now()), 401, 'TELEMETRY_CLIENT_CERT_REQUIRED'],
    ['fail/a quarantined device', () => quarantined, () => envelope('device-http-0002', 1, clock.now()), 401, 'TELEMETRY_CLIENT_CERT_REQUIRED'],
    ['fail/a replayed seq', () => good, () => envelope('device-http-0001', 1, new Date(clock.now().getTime() + 1000)), 422, 'TELEMETRY_REJECTED'],
    ['fail/a stale timestamp', () => good, () => envelope('device-http-0001', 3, new Date(clock.now().getTime() - 3_600_000)), 422, 'TELEMETRY_REJECTED'],
    ['fail/an out-of-range value', () => good, () => envelope('device-http-0001', 4, clock.now(), 1000), 422, 'TELEMETRY_REJECTED'],
  ];
  for (const [name, cert, body, status, code] of refused) {
    it(name, async () => {
      presented = cert();
      const before = events.events.length;
      const response = await post(body());
      assert.equal(response.statusCode, status);
      assert.equal((response.json() as { error: { code: string } }).error.code, code);
      assert.equal(events.events.length, before + 1, 'one security event');
    });
  }

  it('fail/the command route validates its body', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/v1/devices/device-http-0001/commands', payload: { name: 'Reboot now', args: {}, ttlSeconds: 0 } });
    assert.equal(response.statusCode, 400);
  });
});
