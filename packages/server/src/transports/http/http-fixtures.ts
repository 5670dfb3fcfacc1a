/**
 * Test fixtures for the HTTP transport: a throwaway PKI (keys from node:crypto, certificates
 * signed by the openssl CLI), a capturing logger and a server factory with test defaults.
 * Imported by *.test.ts only. (Not named test-*.ts: node --test would run it as a test file.)
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger } from '../../observability/index.js';
import { createHttpServer, type HttpServerOptions } from './http-server.js';
import type { HttpServer } from './http-server-type.js';
import type { TlsCredentials } from './tls-profile.js';

export interface TestPki {
  /** The root the clients trust. */
  readonly rootPem: string;
  /** ECDSA P-256 leaf for localhost/127.0.0.1, issued by an intermediate (sent as the chain). */
  readonly ecdsa: TlsCredentials;
  /** RSA 2048 leaf from the same intermediate, when asked for (RSA keys are slower to make). */
  readonly rsa: TlsCredentials | undefined;
  /** A key that matches none of the certificates. */
  readonly strayKeyPem: string;
}

const CA_EXTENSIONS = [
  'basicConstraints=critical,CA:TRUE',
  'keyUsage=critical,keyCertSign,cRLSign',
  'subjectKeyIdentifier=hash',
];
const LEAF_EXTENSIONS = [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=serverAuth',
  'subjectAltName=DNS:localhost,IP:127.0.0.1',
  'subjectKeyIdentifier=hash',
  'authorityKeyIdentifier=keyid',
];

function pkcs8Pem(kind: 'ec' | 'rsa'): string {
  const { privateKey } =
    kind === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * Makes root -> intermediate -> leaf certificates valid for one day. Keys come from node:crypto;
 * openssl only signs (one `req -x509` per certificate, with a minimal config of our own).
 */
export function makeTestPki(options: { readonly rsa?: boolean } = {}): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-http-test-'));
  const file = (name: string): string => join(dir, name);
  const certify = (name: string, keyPem: string, commonName: string, extensions: readonly string[], issuer?: string): string => {
    writeFileSync(file(`${name}.key`), keyPem, { mode: 0o600 });
    writeFileSync(
      file(`${name}.cnf`),
      ['[req]', 'prompt=no', 'distinguished_name=dn', 'x509_extensions=ext', '[dn]', `CN=${commonName}`, '[ext]', ...extensions, ''].join('\n'),
    );
    const issuerArgs = issuer === undefined ? [] : ['-CA', file(`${issuer}.pem`), '-CAkey', file(`${issuer}.key`)];
    execFileSync(
      'openssl',
      ['req', '-x509', '-new', '-key', file(`${name}.key`), '-config', file(`${name}.cnf`), '-days', '1', '-sha256', ...issuerArgs, '-out', file(`${name}.pem`)],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return readFileSync(file(`${name}.pem`), 'utf8');
  };
  try {
    const rootPem = certify('root', pkcs8Pem('ec'), 'Vigil Test Root', CA_EXTENSIONS);
    const intPem = certify('int', pkcs8Pem('ec'), 'Vigil Test Intermediate', [...CA_EXTENSIONS, 'authorityKeyIdentifier=keyid'], 'root');
    const leafKey = pkcs8Pem('ec');
    const leafPem = certify('leaf', leafKey, 'localhost', LEAF_EXTENSIONS, 'int');
    let rsa: TlsCredentials | undefined;
    if (options.rsa === true) {
      const rsaKey = pkcs8Pem('rsa');
      rsa = { certPem: certify('rsa', rsaKey, 'localhost', LEAF_EXTENSIONS, 'int'), chainPem: intPem, keyPem: rsaKey };
    }
    return { rootPem, ecdsa: { certPem: leafPem, chainPem: intPem, keyPem: leafKey }, rsa, strayKeyPem: pkcs8Pem('ec') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface CapturedLog {
  readonly logger: Logger;
  /** The lines written so far, parsed. */
  lines(): Record<string, unknown>[];
}

export function captureLogger(level: 'info' | 'debug' = 'info'): CapturedLog {
  const raw: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void raw.push(line) } });
  return { logger, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** A server with test defaults: the given PKI, a silent logger unless one is passed. */
export function createTestServer(
  pki: TestPki,
  overrides: Partial<HttpServerOptions> = {},
): Promise<HttpServer> {
  return createHttpServer({ tls: pki.ecdsa, logger: createLogger({ level: 'silent' }), ...overrides });
}
