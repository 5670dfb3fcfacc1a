/** Security headers, cache policy and request ids on every kind of answer. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HttpServer } from './http-server-type.js';
import { REQUEST_ID_HEADER } from './request-id.js';
import { captureLogger, createTestServer, makeTestPki, type CapturedLog } from './http-fixtures.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('security headers', () => {
  let app: HttpServer;
  let log: CapturedLog;

  before(async () => {
    log = captureLogger();
    app = await createTestServer(makeTestPki(), { logger: log.logger });
  });
  after(() => app.close());

  for (const url of ['/healthz', '/api/openapi.json', '/api/no-such-route', '/fhir/Patient', '/metrics', '/']) {
    it(`ok/${url} carries HSTS, CSP, nosniff, no-referrer, DENY framing`, async () => {
      const response = await app.inject({ method: 'GET', url });
      const h = response.headers;
      assert.equal(h['strict-transport-security'], 'max-age=31536000; includeSubDomains');
      const csp = String(h['content-security-policy']);
      for (const directive of [
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
      ]) {
        assert.ok(csp.split(';').includes(directive), `CSP has ${directive}: ${csp}`);
      }
      assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'));
      assert.equal(h['x-content-type-options'], 'nosniff');
      assert.equal(h['referrer-policy'], 'no-referrer');
      assert.equal(h['x-frame-options'], 'DENY');
    });
  }

  for (const url of ['/api/openapi.json', '/api/no-such-route', '/fhir/Patient', '/metrics', '/healthz', '/readyz']) {
    it(`ok/${url} is Cache-Control: no-store`, async () => {
      const response = await app.inject({ method: 'GET', url });
      assert.equal(response.headers['cache-control'], 'no-store');
    });
  }

  it('ok/every answer has a fresh server-side request id', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const response = await app.inject({ method: 'GET', url: '/healthz' });
      const id = String(response.headers[REQUEST_ID_HEADER]);
      assert.match(id, UUID);
      ids.add(id);
    }
    assert.equal(ids.size, 5);
  });

  it('ok/a well-formed client request id is kept', async () => {
    const supplied = '0123456789abcdef0123456789abcdef';
    const response = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': supplied } });
    assert.equal(response.headers[REQUEST_ID_HEADER], supplied);
  });

  for (const supplied of ['short', 'has spaces in it, and commas', 'a'.repeat(65), '../../etc/passwd/xxxxxxxx', '{"json":"injection"}']) {
    it(`fail/a malformed client request id is replaced: ${JSON.stringify(supplied.slice(0, 20))}`, async () => {
      const response = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': supplied } });
      assert.match(String(response.headers[REQUEST_ID_HEADER]), UUID);
    });
  }

  it('ok/the request id is on every log line of the request, and queries are not logged', async () => {
    const before = log.lines().length;
    const response = await app.inject({ method: 'GET', url: '/api/no-such-route?name=Jane+Doe&birthDate=1970-01-01' });
    const id = String(response.headers[REQUEST_ID_HEADER]);
    const lines = log.lines().slice(before);
    assert.ok(lines.length >= 2, 'incoming, rejected and completed lines');
    for (const line of lines) assert.equal(line['requestId'], id, JSON.stringify(line));
    const text = JSON.stringify(lines);
    assert.ok(!text.includes('Jane') && !text.includes('1970'), text);
    assert.ok(text.includes('"url":"/api/no-such-route"'));
  });
});
