/**
 * The TLS profile, proved with real handshakes against a listening server (RFC 9325 §3.1.1, §4.2).
 * A refused handshake must be refused by the server: the client is configured to be willing
 * (DEFAULT@SECLEVEL=0) and the error must be the alert the server sent.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { isAppError } from '../../kernel/index.js';
import { closeHttpServer } from './http-server.js';
import type { HttpServer } from './http-server-type.js';
import { makeTestPki, createTestServer, type TestPki } from './http-fixtures.js';
import { buildHttpsOptions, TLS_PROFILE } from './tls-profile.js';

interface Handshake {
  readonly protocol: string | null;
  readonly cipher: string;
  readonly authorized: boolean;
}

function handshake(port: number, ca: string, options: ConnectionOptions): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca, ...options }, () => {
      const result = { protocol: socket.getProtocol(), cipher: socket.getCipher().name, authorized: socket.authorized };
      socket.end();
      resolve(result);
    });
    socket.once('error', reject);
  });
}

interface Case {
  readonly name: string;
  readonly server: 'ecdsa' | 'rsa';
  readonly client: ConnectionOptions;
  readonly expect: { readonly protocol: string; readonly cipher: string } | { readonly error: string };
}

const WILLING = 'DEFAULT@SECLEVEL=0';

const CASES: readonly Case[] = [
  {
    name: 'fail/TLS 1.0 is refused with a protocol_version alert',
    server: 'ecdsa',
    client: { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: WILLING },
    expect: { error: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' },
  },
  {
    name: 'fail/TLS 1.1 is refused with a protocol_version alert',
    server: 'ecdsa',
    client: { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: WILLING },
    expect: { error: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' },
  },
  {
    name: 'fail/TLS 1.2 AES128-GCM-SHA256 (RSA key transport, no forward secrecy)',
    server: 'rsa',
    client: { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256@SECLEVEL=0' },
    expect: { error: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' },
  },
  {
    name: 'fail/TLS 1.2 AES256-GCM-SHA384 (RSA key transport, no forward secrecy)',
    server: 'rsa',
    client: { maxVersion: 'TLSv1.2', ciphers: 'AES256-GCM-SHA384@SECLEVEL=0' },
    expect: { error: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' },
  },
  {
    name: 'fail/TLS 1.2 ECDHE-ECDSA-AES128-SHA256 (forward secret, but CBC, not AEAD)',
    server: 'ecdsa',
    client: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256@SECLEVEL=0' },
    expect: { error: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' },
  },
  {
    name: 'fail/TLS 1.2 ECDHE-ECDSA-AES256-SHA (CBC with SHA-1)',
    server: 'ecdsa',
    client: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-SHA@SECLEVEL=0' },
    expect: { error: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' },
  },
  {
    name: 'fail/TLS 1.3 with only the P-521 group offered',
    server: 'ecdsa',
    client: { minVersion: 'TLSv1.3', ecdhCurve: 'P-521' },
    expect: { error: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' },
  },
  {
    name: 'ok/TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256',
    server: 'ecdsa',
    client: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' },
    expect: { protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256' },
  },
  {
    name: 'ok/TLS 1.2 ECDHE-ECDSA-CHACHA20-POLY1305',
    server: 'ecdsa',
    client: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' },
    expect: { protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-CHACHA20-POLY1305' },
  },
  {
    name: 'ok/TLS 1.2 ECDHE-RSA-AES256-GCM-SHA384',
    server: 'rsa',
    client: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' },
    expect: { protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES256-GCM-SHA384' },
  },
  {
    name: 'ok/TLS 1.3 (default client)',
    server: 'ecdsa',
    client: {},
    expect: { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' },
  },
  {
    name: 'ok/TLS 1.3 over X25519',
    server: 'ecdsa',
    client: { minVersion: 'TLSv1.3', ecdhCurve: 'X25519' },
    expect: { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' },
  },
];

describe('TLS profile (real handshakes)', () => {
  let pki: TestPki;
  const servers = new Map<'ecdsa' | 'rsa', { app: HttpServer; port: number }>();

  before(async () => {
    pki = makeTestPki({ rsa: true });
    for (const kind of ['ecdsa', 'rsa'] as const) {
      const tls = kind === 'ecdsa' ? pki.ecdsa : pki.rsa;
      assert.ok(tls);
      const app = await createTestServer(pki, { tls });
      await app.listen({ host: '127.0.0.1', port: 0 });
      servers.set(kind, { app, port: (app.server.address() as AddressInfo).port });
    }
  });

  after(async () => {
    for (const { app } of servers.values()) await closeHttpServer(app, 1_000);
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const server = servers.get(c.server);
      assert.ok(server);
      const attempt = handshake(server.port, pki.rootPem, c.client);
      if ('error' in c.expect) {
        const expected = c.expect.error;
        await assert.rejects(attempt, (error: NodeJS.ErrnoException) => {
          assert.equal(error.code, expected);
          return true;
        });
      } else {
        const result = await attempt;
        assert.equal(result.protocol, c.expect.protocol);
        assert.equal(result.cipher, c.expect.cipher);
        assert.equal(result.authorized, true, 'the chain (leaf + intermediate) verifies against the root');
      }
    });
  }

  it('ok/serves HTTPS requests through the profile', async () => {
    const server = servers.get('ecdsa');
    assert.ok(server);
    const response = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: pki.rootPem }, () => {
        socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      });
      let raw = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (raw += chunk));
      socket.on('end', () => resolve({ status: Number(raw.split(' ')[1]), body: raw.slice(raw.indexOf('\r\n\r\n') + 4) }));
      socket.on('error', reject);
    });
    assert.equal(response.status, 200);
    assert.equal(response.body, '{"status":"ok"}');
  });
});

describe('TLS material', () => {
  let pki: TestPki;
  before(() => {
    pki = makeTestPki();
  });

  it('ok/the profile is TLS 1.2+ with forward-secret AEAD suites only', () => {
    assert.equal(TLS_PROFILE.minVersion, 'TLSv1.2');
    for (const suite of TLS_PROFILE.ciphers.split(':')) {
      assert.match(suite, /^(TLS_(AES_(128|256)_GCM|CHACHA20_POLY1305)_SHA(256|384)|ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305))$/);
    }
  });

  it('ok/certificate and chain are concatenated leaf first', () => {
    const options = buildHttpsOptions(pki.ecdsa);
    assert.equal(options.cert, `${pki.ecdsa.certPem.trim()}\n${pki.ecdsa.chainPem.trim()}\n`);
  });

  it('fail/a key that does not match the certificate is TLS_MATERIAL_INVALID', () => {
    assert.throws(
      () => buildHttpsOptions({ ...pki.ecdsa, keyPem: pki.strayKeyPem }),
      (error: unknown) => isAppError(error) && error.code === 'TLS_MATERIAL_INVALID',
    );
  });

  it('fail/an unparsable certificate is TLS_MATERIAL_INVALID', () => {
    assert.throws(
      () => buildHttpsOptions({ ...pki.ecdsa, certPem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }),
      (error: unknown) => isAppError(error) && error.code === 'TLS_MATERIAL_INVALID',
    );
  });
});

describe('optional client certificates', () => {
  let pki: TestPki;
  before(() => {
    pki = makeTestPki();
  });

  it('ok/clientCa asks for a client certificate without requiring one', () => {
    const options = buildHttpsOptions(pki.ecdsa, 'TLSv1.2', { clientCa: [pki.rootPem] });
    assert.equal(options.requestCert, true);
    assert.equal(options.rejectUnauthorized, false);
    assert.deepEqual(options.ca, [pki.rootPem]);
  });

  it('ok/without clientCa no client certificate is asked for', () => {
    const options = buildHttpsOptions(pki.ecdsa);
    assert.equal(options.requestCert, undefined);
    assert.equal(options.ca, undefined);
  });
});
