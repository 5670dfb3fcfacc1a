/**
 * The device routes over a real HTTPS listener with optional client certificates: enrolment
 * tokens (test authorizer), enrolment, renewal with the device's certificate, revoke, CRL.
 */
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { decide } from '../../access/index.js';
import { makeTestCsr } from '../../identity/ca/csr-fixtures.js';
import { AppError, type Principal } from '../../kernel/index.js';
import { httpsCredentials } from '../../main.js';
import { makePlatform, type TestPlatform } from '../../integration/fixtures.js';
import { createLogger } from '../../observability/index.js';
import { deviceRoutes } from './device-routes.js';
import { closeHttpServer, createHttpServer } from './http-server.js';
import type { HttpServer } from './http-server-type.js';
import type { Authorizer } from './route-permissions.js';
import { makeTestPki } from './http-fixtures.js';

/** Test authorizer: header x-test-roles names the roles of a user in org-1. The real one comes from identity. */
const testAuthorizer: Authorizer = async (request, permission) => {
  const roles = request.headers['x-test-roles'];
  if (typeof roles !== 'string') throw new AppError('UNAUTHENTICATED');
  const principal = { kind: 'user', id: 'u-1', orgId: 'org-1', username: 'u', roles: roles.split(','), sessionId: 's', mfa: true } as Principal;
  const decision = decide(principal, permission);
  if (!decision.allow) throw new AppError('FORBIDDEN');
  return principal;
};

interface Answer {
  status: number | undefined;
  body: string;
  json: () => Record<string, unknown>;
}

describe('device routes', () => {
  let t: TestPlatform;
  let app: HttpServer;
  let port: number;
  let rootPem: string;

  const call = (method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; cert?: string; key?: string } = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          servername: 'localhost',
          ca: rootPem,
          method,
          path,
          agent: false,
          ...(options.cert !== undefined ? { cert: options.cert, key: options.key } : {}),
          headers: { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode, body, json: () => JSON.parse(body) as Record<string, unknown> }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  before(async () => {
    t = await makePlatform();
    const tls = await httpsCredentials(t.platform);
    rootPem = t.platform.devices.clientCaPems[1] ?? '';
    app = await createHttpServer({
      tls: tls.credentials,
      logger: createLogger({ level: 'silent' }),
      authorize: testAuthorizer,
      clientCa: t.platform.devices.clientCaPems,
      routes: [deviceRoutes({ service: t.platform.devices.service })],
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  after(async () => {
    await closeHttpServer(app, 100);
    await t.dispose();
  });

  async function enrolDevice(serial: string): Promise<{ deviceId: string; certPem: string; keyPem: string }> {
    const tokenAnswer = await call('POST', '/api/v1/devices/enrollment-tokens', { body: { model: 'pulse-2' }, headers: { 'x-test-roles': 'technician' } });
    assert.equal(tokenAnswer.status, 201, tokenAnswer.body);
    const csr = await makeTestCsr();
    const enrolled = await call('POST', '/api/v1/devices/enroll', { body: { token: tokenAnswer.json()['token'], csr: csr.pem, serial, firmwareVersion: '1.2.3' } });
    assert.equal(enrolled.status, 201, enrolled.body);
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', csr.keys.privateKey)).toString('base64');
    const body = enrolled.json();
    return { deviceId: String(body['deviceId']), certPem: String(body['certificate']), keyPem: `-----BEGIN PRIVATE KEY-----\n${pkcs8}\n-----END PRIVATE KEY-----\n` };
  }

  it('ok/every device route declares its permission', () => {
    const routes = app.declaredRoutes().filter((r) => r.url.startsWith('/api/v1/devices'));
    const table = Object.fromEntries(routes.filter((r) => r.method !== 'HEAD').map((r) => [`${r.method} ${r.url}`, r.permission]));
    assert.deepEqual(table, {
      'POST /api/v1/devices/enrollment-tokens': 'devices:enroll',
      'POST /api/v1/devices/enroll': 'public',
      'POST /api/v1/devices/renew': 'public',
      'GET /api/v1/devices/crl': 'public',
      'GET /api/v1/devices': 'devices:read',
      'GET /api/v1/devices/:id': 'devices:read',
      'POST /api/v1/devices/:id/revoke': 'devices:manage',
      'POST /api/v1/devices/:id/quarantine': 'devices:manage',
      'PUT /api/v1/devices/:id/groups': 'devices:manage',
      'PUT /api/v1/devices/:id/site': 'devices:manage',
      'POST /api/v1/devices/:id/decommission': 'devices:manage',
      'POST /api/v1/devices/:id/release': 'devices:manage',
      'POST /api/v1/devices/bulk': 'devices:manage',
    });
  });

  it('fail/tokens need a signed-in user who holds devices:enroll', async () => {
    assert.equal((await call('POST', '/api/v1/devices/enrollment-tokens', { body: { model: 'pulse-2' } })).status, 401);
    assert.equal((await call('POST', '/api/v1/devices/enrollment-tokens', { body: { model: 'pulse-2' }, headers: { 'x-test-roles': 'clinician' } })).status, 403);
  });

  it('ok/enrol, list, get', async () => {
    const device = await enrolDevice('SN-http-1');
    const list = await call('GET', '/api/v1/devices', { headers: { 'x-test-roles': 'auditor' } });
    assert.equal(list.status, 200);
    const devices = list.json()['devices'] as Record<string, unknown>[];
    assert.ok(devices.some((d) => d['id'] === device.deviceId && d['firmwareVersion'] === '1.2.3'));
    const one = await call('GET', `/api/v1/devices/${device.deviceId}`, { headers: { 'x-test-roles': 'auditor' } });
    assert.deepEqual(Object.keys(one.json()).sort(), ['certificate', 'firmwareVersion', 'groups', 'id', 'lastSeenAt', 'model', 'orgId', 'serial', 'site', 'status', 'udi']);
  });

  it('ok/groups are replaced by devices:manage, sorted and deduplicated', async () => {
    const device = await enrolDevice('SN-http-groups');
    const put = (roles: string, groups: unknown) =>
      call('PUT', `/api/v1/devices/${device.deviceId}/groups`, { body: { groups }, headers: { 'x-test-roles': roles } });
    assert.equal((await put('technician', ['ward-3'])).status, 403);
    const answer = await put('org-admin', ['ward-3', 'icu.north', 'ward-3']);
    assert.equal(answer.status, 200, answer.body);
    assert.deepEqual(answer.json()['groups'], ['icu.north', 'ward-3']);
    assert.equal((await put('org-admin', ['bad group'])).status, 400);
  });

  it('ok/a site is set and cleared by devices:manage, and filters the list; fail/a bad code is 400, a role without devices:manage 403, an unknown device 404', async () => {
    const device = await enrolDevice('SN-http-site');
    const other = await enrolDevice('SN-http-site-2');
    const put = (roles: string, site: unknown, id = device.deviceId) => call('PUT', `/api/v1/devices/${id}/site`, { body: { site }, headers: { 'x-test-roles': roles } });
    const listed = async (query: string) => ((await call('GET', `/api/v1/devices?${query}`, { headers: { 'x-test-roles': 'auditor' } })).json()['devices'] as Record<string, unknown>[]).map((d) => d['id']);
    assert.equal((await put('technician', 'st-marys')).status, 403);
    for (const bad of ['st marys', '', '-x', 'x'.repeat(65), 42]) assert.equal((await put('org-admin', bad)).status, 400, JSON.stringify(bad));
    assert.equal((await call('PUT', `/api/v1/devices/${device.deviceId}/site`, { body: {}, headers: { 'x-test-roles': 'org-admin' } })).status, 400, 'the site (or null) is required');
    assert.equal((await put('org-admin', 'st-marys', 'no-such-device')).status, 404);
    assert.equal((await call('GET', `/api/v1/devices/${device.deviceId}`, { headers: { 'x-test-roles': 'auditor' } })).json()['site'], null, 'the refusals stored nothing');
    const set = await put('security-officer', 'st-marys');
    assert.equal(set.status, 200, set.body);
    assert.equal(set.json()['site'], 'st-marys');
    assert.deepEqual(await listed('site=st-marys'), [device.deviceId]);
    assert.ok((await listed('site=elsewhere')).length === 0);
    assert.ok((await listed('')).includes(other.deviceId));
    assert.equal((await call('GET', '/api/v1/devices?site=bad%20code', { headers: { 'x-test-roles': 'auditor' } })).status, 400);
    const cleared = await put('org-admin', null);
    assert.equal(cleared.status, 200, cleared.body);
    assert.equal(cleared.json()['site'], null);
    assert.deepEqual(await listed('site=st-marys'), []);
  });

  it('fail/a bad token is one generic 401', async () => {
    const csr = await makeTestCsr();
    const answer = await call('POST', '/api/v1/devices/enroll', { body: { token: 'vet_wrong', csr: csr.pem, serial: 'SN-x' } });
    assert.equal(answer.status, 401);
    const error = answer.json()['error'] as Record<string, unknown>;
    assert.equal(error['code'], 'DEVICE_ENROLLMENT_FAILED');
    assert.equal(error['message'], 'Enrolment failed.');
  });

  it('ok/renewal with the client certificate; fail/without one, with a foreign one, after revocation', async () => {
    const device = await enrolDevice('SN-http-2');
    const csr = await makeTestCsr();
    const renewed = await call('POST', '/api/v1/devices/renew', { body: { csr: csr.pem }, cert: device.certPem, key: device.keyPem });
    assert.equal(renewed.status, 200, renewed.body);
    assert.equal(renewed.json()['deviceId'], device.deviceId);

    assert.equal((await call('POST', '/api/v1/devices/renew', { body: { csr: csr.pem } })).status, 401, 'no certificate');
    const pki = makeTestPki();
    assert.equal((await call('POST', '/api/v1/devices/renew', { body: { csr: csr.pem }, cert: pki.ecdsa.certPem, key: pki.ecdsa.keyPem })).status, 401, 'foreign CA');
    assert.equal((await call('POST', '/api/v1/devices/renew', { body: { csr: csr.pem }, cert: device.certPem, key: device.keyPem })).status, 401, 'superseded');

    const current = { certPem: String(renewed.json()['certificate']), keyPem: `-----BEGIN PRIVATE KEY-----\n${Buffer.from(await webcrypto.subtle.exportKey('pkcs8', csr.keys.privateKey)).toString('base64')}\n-----END PRIVATE KEY-----\n` };
    const revoked = await call('POST', `/api/v1/devices/${device.deviceId}/revoke`, { body: { reason: 'key-compromise' }, headers: { 'x-test-roles': 'security-officer' } });
    assert.equal(revoked.status, 200, revoked.body);
    assert.equal(revoked.json()['status'], 'revoked');
    const again = await makeTestCsr();
    assert.equal((await call('POST', '/api/v1/devices/renew', { body: { csr: again.pem }, cert: current.certPem, key: current.keyPem })).status, 401, 'revoked');

    const crl = await call('GET', '/api/v1/devices/crl');
    assert.equal(crl.status, 200);
    assert.match(crl.body, /^-----BEGIN X509 CRL-----/);
  });

  it('fail/the public routes are rate-limited per source address', async () => {
    const limitedApp = await createHttpServer({
      tls: (await httpsCredentials(t.platform)).credentials,
      logger: createLogger({ level: 'silent' }),
      routes: [deviceRoutes({ service: t.platform.devices.service, publicRateLimit: { max: 2, windowMs: 60_000 } })],
    });
    await limitedApp.listen({ host: '127.0.0.1', port: 0 });
    const saved = port;
    port = (limitedApp.server.address() as AddressInfo).port;
    try {
      const body = { token: 'vet_wrong', csr: (await makeTestCsr()).pem, serial: 'SN-rl' };
      assert.equal((await call('POST', '/api/v1/devices/enroll', { body })).status, 401);
      assert.equal((await call('POST', '/api/v1/devices/enroll', { body })).status, 401);
      const third = await call('POST', '/api/v1/devices/enroll', { body });
      assert.equal(third.status, 429);
      assert.equal((third.json()['error'] as Record<string, unknown>)['code'], 'RATE_LIMITED');
    } finally {
      port = saved;
      await closeHttpServer(limitedApp, 100);
    }
  });

  it('fail/revoke of another organization\'s or an unknown device is 404', async () => {
    const answer = await call('POST', '/api/v1/devices/00000000-0000-4000-8000-000000000000/revoke', { body: { reason: 'lost-device' }, headers: { 'x-test-roles': 'org-admin' } });
    assert.equal(answer.status, 404);
  });
});
