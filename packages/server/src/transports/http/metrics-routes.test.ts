import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PlatformMetrics } from '../../compliance/index.js';
import { secretDigestMatcher } from '../../keys/index.js';
import { createTestServer, makeTestPki } from './http-fixtures.js';
import type { HttpServer } from './http-server-type.js';
import { metricsRoutes } from './metrics-routes.js';
import { denyAll } from './route-permissions.js';

const TOKEN = 'metrics-token-0123456789abcdef';
let withToken: HttpServer;
let withoutToken: HttpServer;

before(async () => {
  const pki = makeTestPki();
  const metrics = new PlatformMetrics({});
  withToken = await createTestServer(pki, {
    routes: [metricsRoutes({ metrics, tokenMatches: secretDigestMatcher(TOKEN), authorize: denyAll })],
    onResponse: (s) => metrics.observeRequest(s),
  });
  withoutToken = await createTestServer(pki, { routes: [metricsRoutes({ metrics: new PlatformMetrics({}), tokenMatches: undefined, authorize: denyAll })] });
});
after(async () => {
  await withToken.close();
  await withoutToken.close();
});

const cases: Array<[string, () => HttpServer, string | undefined, number]> = [
  ['ok/configured token scrapes', () => withToken, `Bearer ${TOKEN}`, 200],
  ['fail/wrong token is 401', () => withToken, `Bearer ${TOKEN}x`, 401],
  ['fail/no token is 401 when a token is configured', () => withToken, undefined, 401],
  ['fail/no configured token: 404 without credentials', () => withoutToken, undefined, 404],
  ['fail/no configured token: 404 with any bearer', () => withoutToken, `Bearer ${TOKEN}`, 404],
];
for (const [name, server, authorization, status] of cases) {
  test(name, async () => {
    const answer = await server().inject({ method: 'GET', url: '/metrics', headers: authorization === undefined ? {} : { authorization } });
    assert.equal(answer.statusCode, status);
    if (status === 200) {
      assert.match(answer.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
      assert.match(answer.body, /# TYPE vigil_http_requests_total counter/);
    } else assert.doesNotMatch(answer.body, /vigil_/);
  });
}
