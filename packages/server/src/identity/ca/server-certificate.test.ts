import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../kernel/index.js';
import { initKeyStore, type KeyProvider } from '../../keys/index.js';
import { caPaths, ensureServerCertificate, initRootCa, RENEW_BEFORE_DAYS, SERVER_CERT_VALIDITY_DAYS, type RootCa } from './index.js';
import { x509 } from './x509-library.js';

const DAY_MS = 24 * 3600 * 1000;

describe('HTTPS server certificate', () => {
  let root: string;
  let dataDir: string;
  let keys: KeyProvider;
  let ca: RootCa;
  const clock = new ManualClock(Date.UTC(2026, 0, 1));

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'vigil-ca-server-'));
    dataDir = join(root, 'data');
    keys = await initKeyStore({ dataDir, masterKey: Buffer.alloc(32, 3).toString('hex'), clock });
    ca = await initRootCa({ dataDir, keys, clock });
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it('ok/issued-by-the-root-with-sans-key-usage-and-eku', async () => {
    const issued = await ensureServerCertificate({ dataDir, keys, root: ca, clock, hostnames: ['vigil.example.org', '192.0.2.10'] });
    assert.equal(issued.issuedBecause, 'there is no server certificate');
    const { certPem, chainPem, keyPem } = issued.credentials;
    assert.equal(await readFile(caPaths(dataDir).serverCertFile, 'utf8'), certPem);
    assert.equal(chainPem, ca.certPem);

    const leaf = new X509Certificate(certPem);
    const rootCert = new X509Certificate(ca.certPem);
    assert.equal(leaf.checkIssued(rootCert), true);
    assert.equal(leaf.verify(rootCert.publicKey), true);
    assert.equal(leaf.ca, false);
    assert.equal(leaf.checkPrivateKey(createPrivateKey(keyPem)), true);
    assert.equal(leaf.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:vigil.example.org, IP Address:192.0.2.10');
    assert.equal(leaf.checkHost('localhost'), 'localhost');
    assert.equal(leaf.checkHost('vigil.example.org'), 'vigil.example.org');
    assert.equal(leaf.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(leaf.checkIP('::1'), '::1');
    assert.equal(leaf.checkHost('evil.example.org'), undefined);
    assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1']); // node lists the EKU here: serverAuth only

    const parsed = new x509.X509Certificate(certPem);
    assert.equal(parsed.getExtension(x509.KeyUsagesExtension)?.usages, x509.KeyUsageFlags.digitalSignature);
    assert.equal(parsed.getExtension(x509.BasicConstraintsExtension)?.critical, true);
    const lifetime = parsed.notAfter.getTime() - clock.now().getTime();
    assert.ok(Math.abs(lifetime - SERVER_CERT_VALIDITY_DAYS * DAY_MS) < DAY_MS);
    assert.equal(issued.notAfter.getTime(), parsed.notAfter.getTime());
    const keyId = parsed.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
    assert.equal(keyId, new x509.X509Certificate(ca.certPem).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);

    const caFiles = await readdir(caPaths(dataDir).caDir);
    for (const name of caFiles) assert.doesNotMatch(await readFile(join(caPaths(dataDir).caDir, name), 'utf8'), /PRIVATE KEY/);
  });

  it('ok/a-tls-client-trusting-only-the-root-connects', async () => {
    const { credentials } = await ensureServerCertificate({ dataDir, keys, root: ca, clock, hostnames: ['vigil.example.org', '192.0.2.10'] });
    const server = createServer({ cert: credentials.certPem + credentials.chainPem, key: credentials.keyPem, minVersion: 'TLSv1.2' }, (socket) => socket.end('hi'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      for (const servername of ['localhost', 'vigil.example.org']) {
        const text = await new Promise<string>((resolve, reject) => {
          const socket = connect({ host: '127.0.0.1', port, servername, ca: ca.certPem }, () => undefined);
          let data = '';
          socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
          socket.on('end', () => resolve(data));
          socket.on('error', reject);
        });
        assert.equal(text, 'hi');
      }
      await assert.rejects(
        new Promise((resolve, reject) => {
          const socket = connect({ host: '127.0.0.1', port, servername: 'evil.example.org', ca: ca.certPem }, () => resolve(undefined));
          socket.on('error', reject);
        }),
        { code: 'ERR_TLS_CERT_ALTNAME_INVALID' },
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('ok/kept-when-nothing-changed-even-if-names-are-reordered', async () => {
    const first = await ensureServerCertificate({ dataDir, keys, root: ca, clock, hostnames: ['vigil.example.org', '192.0.2.10'] });
    const again = await ensureServerCertificate({ dataDir, keys, root: ca, clock, hostnames: ['192.0.2.10', 'VIGIL.example.org'] });
    assert.equal(again.issuedBecause, undefined);
    assert.equal(again.credentials.certPem, first.credentials.certPem);
  });

  it('ok/reissued-when-hostnames-change', async () => {
    const before = await ensureServerCertificate({ dataDir, keys, root: ca, clock, hostnames: ['vigil.example.org', '192.0.2.10'] });
    const after = await ensureServerCertificate({ dataDir, keys, root: ca, clock, hostnames: ['vigil.example.org'] });
    assert.equal(after.issuedBecause, 'the requested hostnames changed');
    assert.notEqual(after.credentials.certPem, before.credentials.certPem);
    assert.equal(new X509Certificate(after.credentials.certPem).checkIP('192.0.2.10'), undefined);
  });

  it('ok/reissued-within-30-days-of-expiry-not-before', async () => {
    const current = await ensureServerCertificate({ dataDir, keys, root: ca, clock, hostnames: ['vigil.example.org'] });
    const start = clock.now();
    clock.set(new Date(current.notAfter.getTime() - (RENEW_BEFORE_DAYS + 1) * DAY_MS));
    const kept = await ensureServerCertificate({ dataDir, keys, root: ca, clock, hostnames: ['vigil.example.org'] });
    assert.equal(kept.issuedBecause, undefined);
    clock.set(new Date(current.notAfter.getTime() - (RENEW_BEFORE_DAYS - 1) * DAY_MS));
    const renewed = await ensureServerCertificate({ dataDir, keys, root: ca, clock, hostnames: ['vigil.example.org'] });
    assert.equal(renewed.issuedBecause, `the server certificate expires within ${RENEW_BEFORE_DAYS} days`);
    assert.ok(renewed.notAfter.getTime() > current.notAfter.getTime());
    clock.set(start);
    const early = await ensureServerCertificate({ dataDir, keys, root: ca, clock, hostnames: ['vigil.example.org'] });
    assert.equal(early.issuedBecause, 'the server certificate is not yet valid');
  });

  it('ok/reissued-for-a-rotated-tls-key', async () => {
    const before = await ensureServerCertificate({ dataDir, keys, root: ca, clock, hostnames: ['vigil.example.org'] });
    await keys.rotate('tls-server');
    const after = await ensureServerCertificate({ dataDir, keys, root: ca, clock, hostnames: ['vigil.example.org'] });
    assert.equal(after.issuedBecause, 'the TLS server key changed');
    assert.notEqual(after.credentials.keyPem, before.credentials.keyPem);
    assert.equal(new X509Certificate(after.credentials.certPem).checkPrivateKey(createPrivateKey(after.credentials.keyPem)), true);
  });

  it('ok/reissued-when-server-pem-is-damaged-or-foreign', async () => {
    await writeFile(caPaths(dataDir).serverCertFile, 'garbage');
    const repaired = await ensureServerCertificate({ dataDir, keys, root: ca, clock, hostnames: ['vigil.example.org'] });
    assert.equal(repaired.issuedBecause, 'the server certificate does not parse');

    await writeFile(caPaths(dataDir).serverCertFile, ca.certPem); // a certificate, but not one the root issued to the server key
    const replaced = await ensureServerCertificate({ dataDir, keys, root: ca, clock, hostnames: ['vigil.example.org'] });
    assert.notEqual(replaced.issuedBecause, undefined);
    assert.equal(new X509Certificate(replaced.credentials.certPem).checkIssued(new X509Certificate(ca.certPem)), true);
  });

  it('fail/invalid-hostname', async () => {
    await assert.rejects(ensureServerCertificate({ dataDir, keys, root: ca, clock, hostnames: ['*.example.org'] }), { code: 'CONFIG_INVALID' });
  });
});
