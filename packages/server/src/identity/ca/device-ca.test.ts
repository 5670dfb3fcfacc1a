/** The device CA: created on first use (older data directories too), device certificates, CRL. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAppError, ManualClock } from '../../kernel/index.js';
import { initKeyStore, openKeyStore, type KeyProvider } from '../../keys/index.js';
import { makeTestCsr } from './csr-fixtures.js';
import { caPaths, DeviceCertificateIssuer, ensureDeviceCa, initRootCa, openDeviceCa, type DeviceCa, type RootCa } from './index.js';
import { x509 } from './x509-library.js';

const MASTER = Buffer.alloc(32, 7).toString('hex');
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

describe('device CA', () => {
  let tmp: string;
  let dataDir: string;
  let keys: KeyProvider;
  let root: RootCa;
  let ca: DeviceCa;
  let issuer: DeviceCertificateIssuer;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'vigil-device-ca-'));
    dataDir = join(tmp, 'data');
    keys = await initKeyStore({ dataDir, masterKey: MASTER, clock });
    root = await initRootCa({ dataDir, keys, clock });
  });
  after(async () => rm(tmp, { recursive: true, force: true }));

  it('ok/a-key-store-without-a-device-ca-key-upgrades-on-first-ensure', async () => {
    assert.equal(keys.list().filter((k) => k.purpose === 'ca-device').length, 0, 'init makes no device CA key');
    ca = await ensureDeviceCa({ dataDir, keys, root, clock });
    const cert = new X509Certificate(await readFile(caPaths(dataDir).deviceCaCertFile, 'utf8'));
    assert.equal(cert.subject, 'CN=Vigil Device CA');
    assert.equal(cert.ca, true);
    assert.ok(cert.checkIssued(new X509Certificate(root.certPem)));
    assert.equal(ca.keyId, keys.active('ca-device').id);
    const parsed = new x509.X509Certificate(ca.certPem);
    assert.equal(parsed.getExtension(x509.BasicConstraintsExtension)?.pathLength, 0);
    // The key store on disk now holds it, and reopening (a new process) finds the same CA.
    const reopened = await openKeyStore({ dataDir, masterKey: MASTER, clock });
    const again = await ensureDeviceCa({ dataDir, keys: reopened, root, clock });
    assert.equal(again.fingerprint256, ca.fingerprint256);
    issuer = new DeviceCertificateIssuer({ dataDir, keys, ca, clock, validityDays: 90 });
  });

  it('ok/device-certificate-names-come-from-vigil-not-the-csr', async () => {
    const { pem } = await makeTestCsr({ subject: 'CN=admin, O=Vigil' });
    const issued = await issuer.issue({ csrPem: pem, deviceId: 'dev-00000001', orgId: 'org-1' });
    const cert = new X509Certificate(issued.certPem);
    assert.equal(cert.subject, 'CN=dev-00000001');
    assert.equal(cert.subjectAltName, 'URI:urn:vigil:device:org-1:dev-00000001');
    assert.equal(cert.ca, false);
    assert.deepEqual(cert.keyUsage, [CLIENT_AUTH]);
    assert.equal(issuer.issued(cert), true);
    assert.deepEqual(issuer.identify(cert), { orgId: 'org-1', deviceId: 'dev-00000001' });
    assert.equal(new Date(cert.validTo).getTime() - clock.now().getTime(), 90 * 24 * 3600 * 1000);
    assert.equal(issued.serial, cert.serialNumber.toLowerCase().replace(/^0+/, ''));
    assert.ok(issued.serial.length >= 30, '128-bit serial');
    const parsed = new x509.X509Certificate(issued.certPem);
    assert.equal(parsed.getExtension(x509.KeyUsagesExtension)?.usages, x509.KeyUsageFlags.digitalSignature);
    // The full chain verifies with openssl, for the clientAuth purpose.
    await writeFile(join(tmp, 'chain.pem'), ca.certPem + root.certPem);
    await writeFile(join(tmp, 'leaf.pem'), issued.certPem);
    const out = execFileSync('openssl', ['verify', '-purpose', 'sslclient', '-attime', String(clock.now().getTime() / 1000), '-CAfile', join(tmp, 'chain.pem'), join(tmp, 'leaf.pem')]);
    assert.match(out.toString(), /OK/);
  });

  it('fail/a-foreign-certificate-is-not-issued-by-the-device-ca', async () => {
    assert.equal(issuer.issued(new X509Certificate(root.certPem)), false);
    assert.equal(issuer.identify(new X509Certificate(root.certPem)), undefined);
  });

  it('fail/issue-refuses-a-bad-csr', async () => {
    const { pem } = await makeTestCsr({ key: 'RSA-1024' });
    await assert.rejects(issuer.issue({ csrPem: pem, deviceId: 'dev-00000001', orgId: 'org-1' }), (e: unknown) => isAppError(e) && e.code === 'CA_CSR_KEY_REFUSED');
  });

  it('ok/crl-lists-the-revoked-serial-and-verifies-against-the-device-ca', async () => {
    const { pem } = await makeTestCsr();
    const issued = await issuer.issue({ csrPem: pem, deviceId: 'dev-00000002', orgId: 'org-1' });
    const crlPem = await issuer.publishCrl([{ serial: issued.serial, revokedAt: clock.now().toISOString(), reason: 'key-compromise' }]);
    assert.equal(await readFile(caPaths(dataDir).deviceCrlFile, 'utf8'), crlPem);
    const crl = new x509.X509Crl(crlPem);
    assert.equal(await crl.verify({ publicKey: new x509.X509Certificate(ca.certPem) }, globalThis.crypto), true);
    const entry = crl.findRevoked(new x509.X509Certificate(issued.certPem));
    assert.ok(entry, 'the revoked certificate is listed');
    assert.equal(entry.reason, x509.X509CrlReason.keyCompromise);
    // openssl agrees: the leaf fails verification with the CRL checked.
    await writeFile(join(tmp, 'crl.pem'), crlPem);
    await writeFile(join(tmp, 'leaf2.pem'), issued.certPem);
    assert.throws(
      () =>
        execFileSync('openssl', ['verify', '-crl_check', '-attime', String(clock.now().getTime() / 1000 + 60), '-CAfile', join(tmp, 'chain.pem'), '-CRLfile', join(tmp, 'crl.pem'), join(tmp, 'leaf2.pem')], { stdio: 'pipe' }),
      /revoked/,
    );
  });

  it('fail/a-device-ca-not-issued-by-the-root-is-refused', async () => {
    const other = await mkdtemp(join(tmpdir(), 'vigil-device-ca-other-'));
    try {
      const otherKeys = await initKeyStore({ dataDir: other, masterKey: MASTER, clock });
      const otherRoot = await initRootCa({ dataDir: other, keys: otherKeys, clock });
      await ensureDeviceCa({ dataDir: other, keys: otherKeys, root: otherRoot, clock });
      await writeFile(caPaths(other).deviceCaCertFile, ca.certPem);
      await assert.rejects(openDeviceCa({ dataDir: other, keys: otherKeys, root: otherRoot }), (e: unknown) => isAppError(e) && e.code === 'CA_DEVICE_CA_INVALID');
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
