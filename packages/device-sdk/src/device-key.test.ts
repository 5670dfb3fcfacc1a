import assert from 'node:assert/strict';
import { createPublicKey, webcrypto } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createCsr, loadDeviceKey, loadOrCreateDeviceKey } from './device-key.js';
import { statePaths } from './state-dir.js';
import { x509 } from './x509-library.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-sdk-key-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'state');
}

test('ok/key file is written 0600 in a 0700 state directory and reused, not regenerated', async (t) => {
  const dir = await tempDir(t);
  const key = await loadOrCreateDeviceKey(dir);
  const paths = statePaths(dir);
  assert.equal((await stat(paths.keyFile)).mode & 0o777, 0o600);
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  const again = await loadOrCreateDeviceKey(dir);
  assert.ok(again.publicKey.equals(key.publicKey));
  assert.equal(key.privateKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.match(await readFile(paths.keyFile, 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
});

test('ok/CSR is a valid PKCS#10 request for the device key, self-signed with ECDSA P-256 SHA-256, without extensions', async (t) => {
  const dir = await tempDir(t);
  const key = await loadOrCreateDeviceKey(dir);
  const pem = await createCsr(key, 'SN-0001');
  const csr = new x509.Pkcs10CertificateRequest(pem);
  assert.equal(await csr.verify(webcrypto), true);
  const csrKey = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
  assert.ok(csrKey.equals(key.publicKey), 'the CSR carries the generated public key');
  assert.equal(csr.subject, 'CN=SN-0001');
  assert.deepEqual(csr.extensions, []);
  assert.equal((csr.signatureAlgorithm as { hash?: { name: string } }).hash?.name, 'SHA-256');
  assert.doesNotMatch(pem, /PRIVATE KEY/);
});

test('fail/a CSR signed by another key does not verify against the device key', async (t) => {
  const a = await loadOrCreateDeviceKey(await tempDir(t));
  const b = await loadOrCreateDeviceKey(await tempDir(t));
  const csr = new x509.Pkcs10CertificateRequest(await createCsr(a, 'SN-A'));
  const csrKey = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
  assert.equal(csrKey.equals(b.publicKey), false);
});

test('ok/a key file left group-readable is narrowed back to 0600 on load', async (t) => {
  const dir = await tempDir(t);
  await loadOrCreateDeviceKey(dir);
  const { chmod } = await import('node:fs/promises');
  await chmod(statePaths(dir).keyFile, 0o644);
  assert.ok(await loadDeviceKey(dir));
  assert.equal((await stat(statePaths(dir).keyFile)).mode & 0o777, 0o600);
});
