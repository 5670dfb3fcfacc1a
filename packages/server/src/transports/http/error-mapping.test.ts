/** The one error mapping: every failure is `{ error: { code, message, requestId } }` and leaks nothing. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { Type } from 'typebox';
import { AppError, ERROR_CATALOGUE, type ErrorCode } from '../../kernel/index.js';
import type { HttpRoutes } from './http-server.js';
import type { HttpServer } from './http-server-type.js';
import { PUBLIC } from './route-permissions.js';
import { captureLogger, createTestServer, makeTestPki, type CapturedLog } from './http-fixtures.js';

const SECRET = 'db password is hunter2 at /srv/vigil/keys';

const testRoutes: HttpRoutes = async (app) => {
  app.post(
    '/api/test/echo',
    {
      config: { permission: PUBLIC },
      schema: { body: Type.Object({ name: Type.String({ maxLength: 10 }), count: Type.Optional(Type.Integer()) }, { additionalProperties: false }) },
    },
    async (request) => ({ name: request.body.name }),
  );
  app.post('/api/test/any', { config: { permission: PUBLIC } }, async () => ({ received: true }));
  app.get('/api/test/boom', { config: { permission: PUBLIC } }, async () => {
    throw new Error(SECRET);
  });
  app.get('/api/test/conflict', { config: { permission: PUBLIC } }, async () => {
    throw new AppError('STORAGE_CONFLICT', { detail: 'row 42 changed' });
  });
};

function nested(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

describe('error mapping', () => {
  let app: HttpServer;
  let log: CapturedLog;

  before(async () => {
    log = captureLogger();
    app = await createTestServer(makeTestPki(), {
      logger: log.logger,
      routes: [testRoutes],
      bodyLimit: 4096,
      jsonLimits: { maxKeys: 50 },
    });
  });
  after(() => app.close());

  async function expectError(
    request: InjectOptions,
    code: ErrorCode,
    message?: string,
  ): Promise<string> {
    const response = await app.inject(request);
    assert.equal(response.statusCode, ERROR_CATALOGUE[code].status, response.body);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    assert.equal(response.headers['cache-control'], 'no-store');
    const body = response.json<{ error: { code: string; message: string; requestId: string } }>();
    assert.deepEqual(Object.keys(body), ['error']);
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'requestId']);
    assert.equal(body.error.code, code);
    assert.equal(body.error.requestId, response.headers['x-request-id']);
    if (message !== undefined) assert.equal(body.error.message, message);
    assert.ok(!/\bat .+:\d+:\d+/.test(response.body), 'no stack trace');
    return response.body;
  }

  it('fail/unknown route is 404 NOT_FOUND with the request id', async () => {
    await expectError({ method: 'GET', url: '/api/no-such-route' }, 'NOT_FOUND', 'Not found.');
    await expectError({ method: 'DELETE', url: '/api/no-such-route' }, 'NOT_FOUND');
  });

  it('fail/a thrown Error is 500 INTERNAL; the cause is logged, never sent', async () => {
    const body = await expectError({ method: 'GET', url: '/api/test/boom' }, 'INTERNAL', 'Internal error.');
    assert.ok(!body.includes('hunter2') && !body.includes('/srv') && !body.includes('stack'));
    const logged = log.lines().find((line) => line['msg'] === 'request failed');
    assert.ok(logged, 'the failure is logged');
    assert.match(JSON.stringify(logged['err']), /hunter2/);
  });

  it('ok/an AppError keeps its code, status and public message; detail stays in the log', async () => {
    const body = await expectError({ method: 'GET', url: '/api/test/conflict' }, 'STORAGE_CONFLICT', ERROR_CATALOGUE.STORAGE_CONFLICT.message);
    assert.ok(!body.includes('row 42'));
  });

  it('fail/body over bodyLimit is 413 PAYLOAD_TOO_LARGE', async () => {
    const payload = JSON.stringify({ name: 'x'.repeat(5000) });
    await expectError({ method: 'POST', url: '/api/test/any', headers: { 'content-type': 'application/json' }, payload }, 'PAYLOAD_TOO_LARGE');
  });

  it('ok/nesting at maxDepth (32) is accepted', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/test/any', headers: { 'content-type': 'application/json' }, payload: nested(32) });
    assert.equal(response.statusCode, 200, response.body);
  });

  it('fail/nesting beyond maxDepth is 400 VALIDATION_FAILED', async () => {
    const body = await expectError(
      { method: 'POST', url: '/api/test/any', headers: { 'content-type': 'application/json' }, payload: nested(33) },
      'VALIDATION_FAILED',
    );
    assert.match(body, /nested deeper than 32/);
  });

  it('fail/more keys than maxKeys is 400 VALIDATION_FAILED', async () => {
    const payload = JSON.stringify(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])));
    await expectError({ method: 'POST', url: '/api/test/any', headers: { 'content-type': 'application/json' }, payload }, 'VALIDATION_FAILED');
  });

  for (const payload of ['{"__proto__":{"isAdmin":true}}', '{"a":{"__proto__":{"x":1}}}', '{"constructor":{"prototype":{"isAdmin":true}}}']) {
    it(`fail/prototype poisoning ${payload} is 400 VALIDATION_FAILED`, async () => {
      await expectError(
        { method: 'POST', url: '/api/test/any', headers: { 'content-type': 'application/json' }, payload },
        'VALIDATION_FAILED',
        'The request body contains a forbidden key.',
      );
    });
  }

  it('fail/malformed JSON is 400 and the body is not echoed', async () => {
    const body = await expectError(
      { method: 'POST', url: '/api/test/any', headers: { 'content-type': 'application/json' }, payload: '{"mrn": "MRN-12345", oops' },
      'VALIDATION_FAILED',
      'The request body is not valid JSON.',
    );
    assert.ok(!body.includes('MRN-12345'));
    assert.ok(!JSON.stringify(log.lines()).includes('MRN-12345'), 'nor logged');
  });

  it('fail/an empty JSON body is 400', async () => {
    await expectError({ method: 'POST', url: '/api/test/any', headers: { 'content-type': 'application/json' }, payload: '' }, 'VALIDATION_FAILED');
  });

  for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
    it(`fail/content type ${contentType} is 415 UNSUPPORTED_MEDIA_TYPE`, async () => {
      await expectError({ method: 'POST', url: '/api/test/any', headers: { 'content-type': contentType }, payload: 'a=1' }, 'UNSUPPORTED_MEDIA_TYPE');
    });
  }

  it('fail/JSON in a charset other than UTF-8 is 415', async () => {
    await expectError(
      { method: 'POST', url: '/api/test/any', headers: { 'content-type': 'application/json; charset=iso-8859-1' }, payload: '{}' },
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('ok/application/json; charset=utf-8 is accepted', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/test/echo',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      payload: { name: 'abc' },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { name: 'abc' });
  });

  it('fail/schema violation is 400 VALIDATION_FAILED naming the field, not the value', async () => {
    const body = await expectError({ method: 'POST', url: '/api/test/echo', payload: { name: 'Jane Q. Patientname' } }, 'VALIDATION_FAILED');
    assert.match(body, /body\/name/);
    assert.ok(!body.includes('Jane'));
  });

  it('fail/wrong type is 400 without echoing the value', async () => {
    const body = await expectError({ method: 'POST', url: '/api/test/echo', payload: { name: 'a', count: '1234567' } }, 'VALIDATION_FAILED');
    assert.ok(!body.includes('1234567'));
  });

  it('fail/an unknown property is rejected, and its name is not echoed', async () => {
    const body = await expectError({ method: 'POST', url: '/api/test/echo', payload: { name: 'a', ssn123: '123-45-6789' } }, 'VALIDATION_FAILED');
    assert.ok(!body.includes('ssn123') && !body.includes('6789'));
  });

  it('fail/a missing property is named', async () => {
    const body = await expectError({ method: 'POST', url: '/api/test/echo', payload: {} }, 'VALIDATION_FAILED');
    assert.match(body, /must have the properties 'name'/);
  });
});
