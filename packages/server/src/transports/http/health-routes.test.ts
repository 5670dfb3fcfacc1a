/** Probes and the OpenAPI document. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReadinessProbe } from './health-routes.js';
import type { HttpServer } from './http-server-type.js';
import { createTestServer, makeTestPki, type TestPki } from './http-fixtures.js';

describe('health probes', () => {
  let pki: TestPki;
  const servers: HttpServer[] = [];
  async function serverWith(readiness: ReadinessProbe): Promise<HttpServer> {
    const app = await createTestServer(pki, { readiness });
    servers.push(app);
    return app;
  }

  before(() => {
    pki = makeTestPki();
  });
  after(async () => {
    for (const app of servers) await app.close();
  });

  it('ok/GET /healthz answers a tiny body without auth', async () => {
    const app = await serverWith(() => Promise.reject(new Error('liveness must not depend on readiness')));
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, '{"status":"ok"}');
  });

  it('ok/GET /readyz answers 200 with the checks when ready', async () => {
    const app = await serverWith(async () => ({ ready: true, checks: { database: true, keys: true } }));
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { status: 'ready', checks: { database: true, keys: true } });
  });

  it('fail/GET /readyz answers 503 NOT_READY when a check fails', async () => {
    const app = await serverWith(async () => ({ ready: false, checks: { database: false, keys: true } }));
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(response.statusCode, 503);
    assert.equal(response.json<{ error: { code: string } }>().error.code, 'NOT_READY');
    // Issue 17: the failing check is named (a full disk must say "storage"), the passing ones and any detail are not.
    assert.match(response.json<{ error: { message: string } }>().error.message, /not ready: database\./);
    assert.ok(!response.body.includes('keys'), 'passing checks are not listed');
  });

  it('fail/GET /readyz answers 503 NOT_READY when the probe throws', async () => {
    const app = await serverWith(() => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.5:5432')));
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(response.statusCode, 503);
    assert.equal(response.json<{ error: { code: string } }>().error.code, 'NOT_READY');
    assert.ok(!response.body.includes('10.0.0.5'));
  });
});

describe('OpenAPI document', () => {
  let app: HttpServer;
  before(async () => {
    app = await createTestServer(makeTestPki());
  });
  after(() => app.close());

  it('ok/GET /api/openapi.json is an OpenAPI 3 document generated from the routes', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/openapi.json' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const doc = response.json<{ openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, unknown>> }>();
    assert.match(doc.openapi, /^3\.\d+\.\d+$/);
    assert.equal(doc.info.title, 'Vigil API');
    assert.ok(doc.paths['/healthz']?.['get'], 'has GET /healthz');
    assert.ok(doc.paths['/readyz']?.['get'], 'has GET /readyz');
    assert.equal(doc.paths['/*'], undefined, 'the console catch-all is hidden');
    assert.equal(doc.paths['/{*}'], undefined, 'the console catch-all is hidden');
  });

  it('ok/there is no Swagger UI', async () => {
    for (const url of ['/documentation', '/api/docs', '/docs']) {
      const response = await app.inject({ method: 'GET', url });
      assert.notEqual(response.headers['content-type'], 'text/html; charset=utf-8', url);
    }
  });
});
