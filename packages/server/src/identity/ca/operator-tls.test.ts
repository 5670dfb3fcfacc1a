import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, webcrypto } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../kernel/index.js';
import { checkOperatorTlsCredentials, loadOperatorTlsCredentials } from './index.js';
import { x509 } from './x509-library.js';

const DAY_MS = 24 * 3600 * 1000;
const NOW = new Date(Date.UTC(2026, 5, 1));
const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

interface Issued {
  readonly certPem: string;
  readonly keyPem: string;
  readonly keys: webcrypto.CryptoKeyPair;
  readonly cert: x509.X509Certificate;
}

async function newKeys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(P256, true, ['sign', 'verify']);
}

async function pemOf(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
}

/** A test certificate: self-signed when `issuer` is absent. */
async function makeCertificate(options: {
  subject: string;
  issuer?: Issued;
  ca?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  eku?: string[];
}): Promise<Issued> {
  const keys = await newKeys();
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(options.ca ?? false, undefined, true)];
  if (options.eku) extensions.push(new x509.ExtendedKeyUsageExtension(options.eku));
  if (!options.ca) extensions.push(new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'vigil.example.org' }]));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: '01',
      subject: options.subject,
      issuer: options.issuer?.cert.subject ?? options.subject,
      notBefore: options.notBefore ?? new Date(NOW.getTime() - DAY_MS),
      notAfter: options.notAfter ?? new Date(NOW.getTime() + 90 * DAY_MS),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      publicKey: keys.publicKey,
      signingKey: options.issuer?.keys.privateKey ?? keys.privateKey,
      extensions,
    },
    webcrypto,
  );
  return { certPem: `${cert.toString('pem')}\n`, keyPem: await pemOf(keys.privateKey), keys, cert };
}

describe('operator-supplied TLS material', () => {
  let dir: string;
  let rootCa: Issued;
  let intermediate: Issued;
  let leaf: Issued;
  let otherLeaf: Issued;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-ca-operator-'));
    rootCa = await makeCertificate({ subject: 'CN=Operator Root', ca: true });
    intermediate = await makeCertificate({ subject: 'CN=Operator Intermediate', ca: true, issuer: rootCa });
    leaf = await makeCertificate({ subject: 'CN=vigil.example.org', issuer: intermediate, eku: [x509.ExtendedKeyUsage.serverAuth] });
    otherLeaf = await makeCertificate({ subject: 'CN=vigil.example.org', issuer: intermediate });
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  function check(certText: string, keyPem: string, now = NOW): ReturnType<typeof checkOperatorTlsCredentials> {
    return checkOperatorTlsCredentials({ certText, keyPem, certFile: 'cert.pem', keyFile: 'key.pem', now });
  }

  it('ok/leaf-with-chain-from-files', async () => {
    const certFile = join(dir, 'fullchain.pem');
    const keyFile = join(dir, 'privkey.pem');
    await writeFile(certFile, leaf.certPem + intermediate.certPem + rootCa.certPem);
    await writeFile(keyFile, leaf.keyPem, { mode: 0o600 });
    const credentials = await loadOperatorTlsCredentials({ certFile, keyFile, clock: new ManualClock(NOW) });
    assert.equal(credentials.certPem, leaf.certPem);
    assert.equal(credentials.chainPem, intermediate.certPem + rootCa.certPem);
    assert.equal(credentials.keyPem, leaf.keyPem);
  });

  it('ok/leaf-alone', () => {
    assert.equal(check(otherLeaf.certPem, otherLeaf.keyPem).chainPem, '');
  });

  it('ok/sec1-ec-key', () => {
    const sec1 = createPrivateKey(leaf.keyPem).export({ format: 'pem', type: 'sec1' }).toString();
    assert.match(sec1, /BEGIN EC PRIVATE KEY/);
    assert.equal(check(leaf.certPem, sec1).keyPem, sec1);
  });

  const failures: ReadonlyArray<[string, () => [string, string, Date?]]> = [
    ['fail/mismatched-key', () => [leaf.certPem, otherLeaf.keyPem]],
    ['fail/rsa-key-for-ecdsa-cert', () => [leaf.certPem, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()]],
    ['fail/expired', () => [leaf.certPem, leaf.keyPem, new Date(NOW.getTime() + 91 * DAY_MS)]],
    ['fail/not-yet-valid', () => [leaf.certPem, leaf.keyPem, new Date(NOW.getTime() - 2 * DAY_MS)]],
    ['fail/no-certificate', () => ['', leaf.keyPem]],
    ['fail/garbage-certificate', () => ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', leaf.keyPem]],
    ['fail/garbage-key', () => [leaf.certPem, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n']],
    ['fail/public-key-as-key', () => [leaf.certPem, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'pem', type: 'spki' }).toString()]],
    ['fail/encrypted-key', () => [leaf.certPem, '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n']],
    ['fail/chain-out-of-order', () => [leaf.certPem + rootCa.certPem + intermediate.certPem, leaf.keyPem]],
    ['fail/chain-of-a-stranger', () => [leaf.certPem + rootCa.certPem, leaf.keyPem]],
  ];
  for (const [name, build] of failures) {
    it(name, () => {
      const [certText, keyPem, now] = build();
      assert.throws(() => check(certText, keyPem, now), (error: unknown) => {
        assert.equal((error as { code?: string }).code, 'TLS_MATERIAL_INVALID');
        assert.doesNotMatch((error as Error).message, /BEGIN/, 'no key material in the message');
        return true;
      });
    });
  }

  it('fail/client-auth-only-certificate', async () => {
    const clientOnly = await makeCertificate({ subject: 'CN=device', issuer: intermediate, eku: [x509.ExtendedKeyUsage.clientAuth] });
    assert.throws(() => check(clientOnly.certPem, clientOnly.keyPem), { code: 'TLS_MATERIAL_INVALID' });
  });

  it('fail/missing-file', async () => {
    await assert.rejects(
      loadOperatorTlsCredentials({ certFile: join(dir, 'absent.pem'), keyFile: join(dir, 'absent.key'), clock: new ManualClock(NOW) }),
      { code: 'TLS_MATERIAL_INVALID' },
    );
  });
});
