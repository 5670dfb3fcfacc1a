/** Server-level settings: timeouts, limits and graceful close over a real TLS listener. */
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAppError } from '../../kernel/index.js';
import { closeHttpServer, DEFAULT_BODY_LIMIT, DEFAULT_HTTP_TIMEOUTS, type HttpRoutes } from './http-server.js';
import { PUBLIC } from './route-permissions.js';
import { createTestServer, makeTestPki, type TestPki } from './http-fixtures.js';

function get(port: number, ca: string, path: string): Promise<{ status: number | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, servername: 'localhost', ca, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('http server', () => {
  let pki: TestPki;
  before(() => {
    pki = makeTestPki();
  });

  it('ok/defaults: 1 MiB body limit, bounded request and header times', async () => {
    const app = await createTestServer(pki);
    try {
      assert.equal(DEFAULT_BODY_LIMIT, 1_048_576);
      assert.equal(app.initialConfig.bodyLimit, DEFAULT_BODY_LIMIT);
      assert.equal(app.server.requestTimeout, DEFAULT_HTTP_TIMEOUTS.requestTimeoutMs);
      assert.equal(app.server.headersTimeout, DEFAULT_HTTP_TIMEOUTS.headersTimeoutMs);
      assert.equal(app.server.keepAliveTimeout, DEFAULT_HTTP_TIMEOUTS.keepAliveTimeoutMs);
      assert.equal(app.server.timeout, DEFAULT_HTTP_TIMEOUTS.connectionTimeoutMs);
    } finally {
      await app.close();
    }
  });

  it('fail/headersTimeoutMs above requestTimeoutMs is CONFIG_INVALID', async () => {
    await assert.rejects(
      createTestServer(pki, { timeouts: { requestTimeoutMs: 1_000, headersTimeoutMs: 2_000 } }),
      (error: unknown) => isAppError(error) && error.code === 'CONFIG_INVALID',
    );
  });

  it('ok/closeHttpServer lets a request in flight finish, then refuses new connections', async () => {
    const slow: HttpRoutes = async (app) => {
      app.get('/api/test/slow', { config: { permission: PUBLIC } }, async () => {
        await sleep(150);
        return { done: true };
      });
    };
    const app = await createTestServer(pki, { routes: [slow] });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const inFlight = get(port, pki.rootPem, '/api/test/slow');
    await sleep(50);
    const closed = closeHttpServer(app, 2_000);
    const answer = await inFlight;
    assert.equal(answer.status, 200);
    assert.equal(answer.body, '{"done":true}');
    await closed;
    await assert.rejects(get(port, pki.rootPem, '/healthz'), /ECONNREFUSED/);
  });
});
