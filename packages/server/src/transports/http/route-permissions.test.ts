/**
 * Deny by default (ARCHITECTURE §2.4): every route declares a permission, the route table proves
 * it, and a non-public route answers 401 until identity provides an Authorizer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { Type } from 'typebox';
import { AppError, isAppError, type Principal } from '../../kernel/index.js';
import type { HttpRoutes } from './http-server.js';
import type { HttpServer } from './http-server-type.js';
import { isValidPermission, PUBLIC, requestContext, type Authorizer } from './route-permissions.js';
import { createTestServer, makeTestPki, type TestPki } from './http-fixtures.js';

let calls = 0;
const moduleRoutes: HttpRoutes = async (app) => {
  app.get('/api/devices', { config: { permission: 'devices:read' } }, async () => {
    calls++;
    return { devices: [] };
  });
  app.post(
    '/api/devices/:id/commands',
    {
      config: { permission: 'devices:command' },
      schema: { params: Type.Object({ id: Type.String() }), body: Type.Object({ name: Type.String() }, { additionalProperties: false }) },
    },
    async (request) => {
      calls++;
      return { who: requestContext(request).principal.id };
    },
  );
  app.get('/api/whoami', { config: { permission: PUBLIC } }, async (request) => ({ who: requestContext(request).principal.id }));
};

/** A request for a declared route: params filled in, a JSON body when the method takes one. */
function requestFor(method: string, url: string): InjectOptions {
  const filled = url.replace(/:[A-Za-z0-9_]+/g, 'x').replace(/\*$/, 'x');
  const withBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
  return withBody
    ? { method: method as 'POST', url: filled, headers: { 'content-type': 'application/json' }, payload: '{"not":"checked"}' }
    : { method: method as 'GET', url: filled };
}

describe('route permissions', () => {
  let pki: TestPki;
  let app: HttpServer;

  before(async () => {
    pki = makeTestPki();
    app = await createTestServer(pki, { routes: [moduleRoutes] });
    await app.ready();
  });
  after(() => app.close());

  it('ok/the route table: every registered route declares a valid permission', () => {
    const table = app.declaredRoutes();
    assert.ok(table.length >= 8, 'built-in and module routes are all collected');
    for (const route of table) {
      assert.ok(isValidPermission(route.permission), `${route.method} ${route.url}: ${String(route.permission)}`);
      assert.ok(app.hasRoute({ method: route.method as 'GET', url: route.url }), `${route.method} ${route.url} is live`);
    }
    const publicRoutes = new Set(table.filter((route) => route.permission === PUBLIC).map((route) => `${route.method} ${route.url}`));
    assert.deepEqual(
      [...publicRoutes].filter((route) => route.startsWith('GET')).sort(),
      ['GET /*', 'GET /api/openapi.json', 'GET /api/whoami', 'GET /healthz', 'GET /readyz'],
      'the public surface is exactly this; widen it here on purpose',
    );
  });

  it('fail/every non-public route answers 401 UNAUTHENTICATED by default, before parsing or handling', async () => {
    const guarded = app.declaredRoutes().filter((route) => route.permission !== PUBLIC);
    assert.ok(guarded.length >= 3);
    for (const route of guarded) {
      const response = await app.inject(requestFor(route.method, route.url));
      assert.equal(response.statusCode, 401, `${route.method} ${route.url}`);
      if (route.method !== 'HEAD') assert.equal(response.json<{ error: { code: string } }>().error.code, 'UNAUTHENTICATED');
    }
    assert.equal(calls, 0, 'no handler ran');
  });

  it('fail/a 401 comes before body validation (no schema hints for anonymous clients)', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/devices/1/commands', headers: { 'content-type': 'application/json' }, payload: '{bad json' });
    assert.equal(response.statusCode, 401);
  });

  it('ok/a public route runs as the anonymous principal', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/whoami' });
    assert.deepEqual(response.json(), { who: 'anonymous' });
  });

  it('fail/registering a route without a permission throws at registration', async () => {
    const fresh = await createTestServer(pki);
    try {
      assert.throws(
        () => fresh.get('/api/undeclared', async () => ({})),
        (error: unknown) => isAppError(error) && /GET \/api\/undeclared declares no valid permission/.test(error.message),
      );
    } finally {
      await fresh.close();
    }
  });

  it('fail/a module plugin with an undeclared route stops the server from being built', async () => {
    const sloppy: HttpRoutes = async (scope) => {
      scope.delete('/api/things/:id', async () => ({}));
    };
    await assert.rejects(createTestServer(pki, { routes: [sloppy] }), /DELETE \/api\/things\/:id declares no valid permission/);
  });

  for (const permission of ['', 'Devices Read', 'devices read', ' public', 'PUBLIC', 'devices:', '*']) {
    it(`fail/permission ${JSON.stringify(permission)} is rejected`, async () => {
      const fresh = await createTestServer(pki);
      try {
        assert.throws(() => fresh.get('/api/x', { config: { permission } }, async () => ({})), /declares no valid permission/);
      } finally {
        await fresh.close();
      }
    });
  }

  it('ok/an injected Authorizer decides: principal passes through, FORBIDDEN maps to 403', async () => {
    const operator: Principal = { kind: 'cli', id: 'operator' };
    const seen: string[] = [];
    const authorize: Authorizer = async (request, permission) => {
      seen.push(permission);
      if (request.headers['x-test-user'] !== 'operator') throw new AppError('UNAUTHENTICATED');
      if (permission !== 'devices:command') throw new AppError('FORBIDDEN');
      return operator;
    };
    const authed = await createTestServer(pki, { routes: [moduleRoutes], authorize });
    try {
      const ok = await authed.inject({
        method: 'POST',
        url: '/api/devices/1/commands',
        headers: { 'x-test-user': 'operator' },
        payload: { name: 'reboot' },
      });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual(ok.json(), { who: 'operator' });
      const forbidden = await authed.inject({ method: 'GET', url: '/api/devices', headers: { 'x-test-user': 'operator' } });
      assert.equal(forbidden.statusCode, 403);
      const anonymous = await authed.inject({ method: 'GET', url: '/api/devices' });
      assert.equal(anonymous.statusCode, 401);
      assert.deepEqual(seen, ['devices:command', 'devices:read', 'devices:read']);
    } finally {
      await authed.close();
    }
  });
});
