/** The console's static files and the single-page-app fallback. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CONSOLE_NOT_BUILT_TEXT } from './console-static.js';
import type { HttpServer } from './http-server-type.js';
import { createTestServer, makeTestPki, type TestPki } from './http-fixtures.js';

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>';

describe('console static files', () => {
  let pki: TestPki;
  let dir: string;
  let app: HttpServer;

  before(async () => {
    pki = makeTestPki();
    dir = mkdtempSync(join(tmpdir(), 'vigil-console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("vigil");');
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(dir, '.env'), 'SECRET=1');
    writeFileSync(join(tmpdir(), 'vigil-outside.txt'), 'outside');
    app = await createTestServer(pki, { consoleDir: dir });
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ok/GET / serves index.html, revalidated on every load', async () => {
    const response = await app.inject({ method: 'GET', url: '/' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/html/);
    assert.equal(response.body, INDEX);
    assert.equal(response.headers['cache-control'], 'no-cache');
    assert.ok(response.headers['content-security-policy']);
  });

  it('ok/hashed assets are served and cached as immutable', async () => {
    const response = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /javascript/);
    assert.equal(response.headers['cache-control'], 'public, max-age=31536000, immutable');
  });

  it('ok/other files at the root are served', async () => {
    const response = await app.inject({ method: 'GET', url: '/favicon.svg' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^image\/svg\+xml/);
  });

  for (const url of ['/devices', '/devices/123/telemetry', '/patients?name=x']) {
    it(`ok/console deep link ${url} falls back to index.html`, async () => {
      const response = await app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 200);
      assert.equal(response.body, INDEX);
      assert.equal(response.headers['cache-control'], 'no-cache');
    });
  }

  for (const url of ['/api/devices', '/api', '/fhir/Patient/1', '/metrics', '/assets/missing.js', '/missing.png']) {
    it(`fail/${url} is a JSON 404, never the SPA page`, async () => {
      const response = await app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 404);
      assert.equal(response.json<{ error: { code: string } }>().error.code, 'NOT_FOUND');
      assert.equal(response.headers['cache-control'], 'no-store');
    });
  }

  for (const url of ['/.env', '/../vigil-outside.txt', '/%2e%2e/vigil-outside.txt', '/assets/..%2f..%2fvigil-outside.txt']) {
    it(`fail/${url} does not leave the console directory or serve dotfiles`, async () => {
      const response = await app.inject({ method: 'GET', url });
      assert.notEqual(response.statusCode, 200, response.body);
      assert.ok(!response.body.includes('SECRET') && !response.body.includes('outside'), response.body);
    });
  }

  it('fail/POST to a console path is 404', async () => {
    const response = await app.inject({ method: 'POST', url: '/devices', payload: {} });
    assert.equal(response.statusCode, 404);
  });

  it('fail/if index.html disappears, deep links answer 404 instead of looping', async () => {
    rmSync(join(dir, 'index.html'));
    try {
      const response = await app.inject({ method: 'GET', url: '/devices' });
      assert.equal(response.statusCode, 404);
    } finally {
      writeFileSync(join(dir, 'index.html'), INDEX);
    }
  });
});

describe('console not built', () => {
  for (const consoleDir of [undefined, '/nonexistent/vigil-console-dist']) {
    it(`ok/GET / says the console is not built (consoleDir ${String(consoleDir)})`, async () => {
      const app = await createTestServer(makeTestPki(), consoleDir === undefined ? {} : { consoleDir });
      try {
        const root = await app.inject({ method: 'GET', url: '/' });
        assert.equal(root.statusCode, 200);
        assert.match(String(root.headers['content-type']), /^text\/plain/);
        assert.equal(root.body, CONSOLE_NOT_BUILT_TEXT);
        const deep = await app.inject({ method: 'GET', url: '/devices' });
        assert.equal(deep.statusCode, 404);
        assert.equal(deep.json<{ error: { code: string } }>().error.code, 'NOT_FOUND');
      } finally {
        await app.close();
      }
    });
  }
});
