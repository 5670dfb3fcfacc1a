/** Emergency read-only mode: reads pass, writes answer 503 EMERGENCY_READ_ONLY, signing in still works. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readOnlyRoutes } from './emergency-read-only.js';
import { createTestServer, makeTestPki } from './http-fixtures.js';
import type { HttpServer } from './http-server-type.js';
import type { HttpRoutes } from './http-server.js';

const routes: HttpRoutes = async (app) => {
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    app.route({ method, url: '/api/v1/things', config: { permission: 'public' }, handler: async () => ({ ok: true }) });
  }
  app.post('/api/v1/auth/login', { config: { permission: 'public' } }, async () => ({ ok: true }));
};

describe('emergency read-only mode', () => {
  let app: HttpServer;
  let normal: HttpServer;
  before(async () => {
    const pki = makeTestPki();
    app = await createTestServer(pki, { routes: [readOnlyRoutes(routes)] });
    normal = await createTestServer(pki, { routes: [routes] });
  });
  after(async () => {
    await app.close();
    await normal.close();
  });

  it('ok/reads are served', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/things' })).statusCode, 200);
  });

  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    it(`fail/${method} is refused with 503 EMERGENCY_READ_ONLY`, async () => {
      const response = await app.inject({ method, url: '/api/v1/things', payload: {} });
      assert.equal(response.statusCode, 503);
      assert.equal((response.json() as { error: { code: string } }).error.code, 'EMERGENCY_READ_ONLY');
      assert.equal((await normal.inject({ method, url: '/api/v1/things', payload: {} })).statusCode, 200);
    });
  }

  it('ok/signing in still works', async () => {
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: {} })).statusCode, 200);
  });
});
