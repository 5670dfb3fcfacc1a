/**
 * Issue 11 item 7: any path with `//` printed a MaxListenersExceededWarning per request (the
 * console's SPA fallback served index.html through a second 404 pass, and every pass awaited the
 * reply: 11 'close' listeners on one response), and live SSE streams printed it too. Here: no
 * warning, no response over 10 listeners, and 200 opened and closed streams leave no listener.
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { Agent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InProcessClinicalEventBus, type ClinicalAlertService } from '../../alerts/index.js';
import { newId } from '../../kernel/index.js';
import type { VitalsService } from '../../telemetry/index.js';
import { clinicalAlertRoutes } from './clinical-alert-routes.js';
import { createTestServer, makeTestPki, type TestPki } from './http-fixtures.js';
import type { HttpServer } from './http-server-type.js';
import { TEST_PRINCIPAL_HEADER, TestPrincipals } from './principal-fixtures.js';

function get(port: number, pki: TestPki, path: string, agent: Agent, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, servername: 'localhost', ca: pki.rootPem, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('no listener leak', () => {
  let pki: TestPki;
  let dir: string;
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  before(async () => {
    pki = makeTestPki();
    dir = await mkdtemp(join(tmpdir(), 'vigil-console-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>Vigil</title>');
    await writeFile(join(dir, 'assets', 'app.js'), 'console.log(1)');
    process.on('warning', onWarning);
  });
  after(async () => {
    process.off('warning', onWarning);
    await rm(dir, { recursive: true, force: true });
  });

  it('ok/console paths (with //, deep links, files, misses) stay under 10 close listeners per response, no warning', async () => {
    const app = await createTestServer(pki, { consoleDir: dir });
    let most = 0;
    app.addHook('onResponse', (_request, reply, done) => {
      most = Math.max(most, reply.raw.listenerCount('close'), reply.raw.listenerCount('finish'));
      done();
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    // The server side of the one keep-alive connection: its listeners must not grow per request.
    const sockets: TLSSocket[] = [];
    app.server.on('secureConnection', (socket: TLSSocket) => sockets.push(socket));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const counts = (emitter: NodeJS.EventEmitter) => Object.fromEntries(emitter.eventNames().map((name) => [String(name), emitter.listenerCount(name)]));
    try {
      assert.equal(await get(port, pki, '/', agent), 200);
      assert.equal(sockets.length, 1);
      const baseline = counts(sockets[0] as TLSSocket);
      const expected: Array<[string, number]> = [
        ['//', 200],
        ['//x', 200],
        ['///a//b', 200],
        ['/patients/123', 200],
        ['//assets/app.js', 200],
        ['/assets/app.js', 200],
        ['/assets/missing.js', 404],
        ['/.env', 404],
        ['/api//x', 404],
        ['/', 200],
      ];
      for (let round = 0; round < 3; round += 1) {
        for (const [path, status] of expected) assert.equal(await get(port, pki, path, agent), status, path);
      }
      assert.equal(sockets.length, 1, 'one keep-alive connection served every request');
      assert.deepEqual(counts(sockets[0] as TLSSocket), baseline, 'the socket has the listeners it had after its first request');
      assert.ok(most <= 10, `at most ${most} listeners on one response`);
      assert.deepEqual(warnings.filter((w) => /MaxListeners/.test(w)), []);
    } finally {
      agent.destroy();
      await app.close();
    }
  });

  it('ok/200 live streams opened and closed leave no subscriber and no listener behind', async () => {
    const bus = new InProcessClinicalEventBus();
    const orgId = newId();
    const principals = new TestPrincipals();
    principals.add('nurse', { kind: 'user', id: newId(), orgId, username: 'nurse', roles: ['clinician'], sessionId: newId(), mfa: true });
    const alerts = { readablePatients: () => Promise.resolve({ orgId, patientIds: new Set<string>() }) } as unknown as ClinicalAlertService;
    const app: HttpServer = await createTestServer(pki, {
      authorize: principals.authorize,
      routes: [clinicalAlertRoutes({ alerts, vitals: {} as VitalsService, bus, heartbeatMs: 5 })],
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const serverCounts = () => Object.fromEntries(app.server.eventNames().map((name) => [String(name), app.server.listenerCount(name)]));
    const serverBaseline = serverCounts();
    try {
      const open = (): Promise<void> =>
        new Promise((resolve, reject) => {
          const req = httpsRequest(
            { host: '127.0.0.1', port, path: '/api/v1/clinical-alerts/stream', servername: 'localhost', ca: pki.rootPem, agent, headers: { [TEST_PRINCIPAL_HEADER]: 'nurse' } },
            (res) => {
              assert.equal(res.statusCode, 200);
              res.once('data', () => {
                // The client goes away (a browser tab closed).
                req.destroy();
                resolve();
              });
            },
          );
          req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve() : reject(error)));
          req.end();
        });
      for (let i = 0; i < 50; i += 1) await Promise.all([open(), open(), open(), open()]);
      for (let i = 0; i < 100 && (bus.size > 0 || app.server.listenerCount('request') > 1); i += 1) await new Promise((r) => setTimeout(r, 10));
      assert.equal(bus.size, 0, 'every stream unsubscribed');
      assert.deepEqual(serverCounts(), serverBaseline, 'the server has the listeners it had before the streams');
      const server = app.server;
      for (const event of ['request', 'connection', 'secureConnection', 'close', 'error', 'tlsClientError']) {
        assert.ok(server.listenerCount(event) <= 2, `${event}: ${server.listenerCount(event)} listeners on the server`);
      }
      assert.deepEqual(warnings.filter((w) => /MaxListeners/.test(w)), []);
    } finally {
      agent.destroy();
      await app.close();
    }
  });
});
