import assert from 'node:assert/strict';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../kernel/index.js';
import { initKeyStore, type KeyProvider } from '../../keys/index.js';
import { caPaths, initRootCa, openRootCa } from './index.js';
import { x509 } from './x509-library.js';

const YEAR_MS = 365.25 * 24 * 3600 * 1000;

describe('root CA', () => {
  let root: string;
  let dataDir: string;
  let keys: KeyProvider;
  const clock = new ManualClock(Date.UTC(2026, 0, 1));

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'vigil-ca-root-'));
    dataDir = join(root, 'data');
    keys = await initKeyStore({ dataDir, masterKey: Buffer.alloc(32, 1).toString('hex'), clock });
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it('ok/creates-a-self-signed-p256-root', async () => {
    const ca = await initRootCa({ dataDir, keys, clock });
    const pem = await readFile(caPaths(dataDir).rootCertFile, 'utf8');
    assert.equal(pem.trim(), ca.certPem.trim());
    const cert = new X509Certificate(pem);
    assert.equal(cert.subject, 'CN=Vigil Root CA');
    assert.equal(cert.issuer, 'CN=Vigil Root CA');
    assert.equal(cert.ca, true);
    assert.equal(cert.checkIssued(cert), true);
    assert.equal(cert.verify(cert.publicKey), true);
    assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(ca.keyId, keys.active('ca-root').id);
    assert.ok(cert.publicKey.equals(createPublicKey(keys.publicKeyPem(ca.keyId))));

    const parsed = new x509.X509Certificate(pem);
    assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
    const basic = parsed.getExtension(x509.BasicConstraintsExtension);
    assert.equal(basic?.ca, true);
    assert.equal(basic?.critical, true);
    const usage = parsed.getExtension(x509.KeyUsagesExtension);
    assert.equal(usage?.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    assert.equal(usage?.critical, true);
    assert.ok(parsed.getExtension(x509.SubjectKeyIdentifierExtension));
    const lifetime = parsed.notAfter.getTime() - clock.now().getTime();
    assert.ok(Math.abs(lifetime - 10 * YEAR_MS) < 2 * 24 * 3600 * 1000, 'about ten years');
    assert.ok(parsed.notBefore.getTime() <= clock.now().getTime());
    assert.equal(ca.notAfter.getTime(), parsed.notAfter.getTime());
    assert.match(ca.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.ok(BigInt(`0x${cert.serialNumber}`) > 0n);
  });

  it('ok/init-again-keeps-the-existing-root', async () => {
    const before = await stat(caPaths(dataDir).rootCertFile);
    const first = await openRootCa({ dataDir, keys });
    const again = await initRootCa({ dataDir, keys, clock });
    assert.equal(again.certPem, first.certPem);
    assert.equal((await stat(caPaths(dataDir).rootCertFile)).mtimeMs, before.mtimeMs);
  });

  it('ok/root-keeps-its-key-after-a-ca-key-rotation', async () => {
    const before = await openRootCa({ dataDir, keys });
    const rotated = await keys.rotate('ca-root');
    const after = await openRootCa({ dataDir, keys });
    assert.equal(after.keyId, before.keyId);
    assert.notEqual(after.keyId, rotated.id);
  });

  it('fail/not-initialized', async () => {
    const empty = join(root, 'empty');
    await assert.rejects(openRootCa({ dataDir: empty, keys }), { code: 'CA_NOT_INITIALIZED' });
  });

  it('fail/root-of-another-key-store', async () => {
    const otherDir = join(root, 'other');
    const otherKeys = await initKeyStore({ dataDir: otherDir, masterKey: Buffer.alloc(32, 2).toString('hex'), clock });
    await initRootCa({ dataDir: otherDir, keys: otherKeys, clock });
    await assert.rejects(openRootCa({ dataDir: otherDir, keys }), { code: 'CA_CERTIFICATE_INVALID' });
  });

  it('fail/garbage-root-file', async () => {
    const badDir = join(root, 'bad');
    await initRootCa({ dataDir: badDir, keys, clock });
    await writeFile(caPaths(badDir).rootCertFile, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    await assert.rejects(openRootCa({ dataDir: badDir, keys }), { code: 'CA_CERTIFICATE_INVALID' });
  });
});
