/** CSR checks, table-driven over real CSRs (WebCrypto keys, @peculiar/x509 requests). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../kernel/index.js';
import { checkCsr, deviceCsrChecks, MAX_CSR_PEM_LENGTH } from './csr-checks.js';
import { makeTestCsr, type TestCsrOptions } from './csr-fixtures.js';
import { x509 } from './x509-library.js';

const cases: readonly { name: string; csr: TestCsrOptions; rsaMinBits?: number; code?: string; reason?: string }[] = [
  { name: 'ok/p256', csr: { key: 'P-256' } },
  { name: 'ok/p384', csr: { key: 'P-384' } },
  { name: 'ok/rsa-2048-when-the-policy-allows-rsa', csr: { key: 'RSA-2048' }, rsaMinBits: 2048 },
  { name: 'ok/leaf-extensions-are-ignored-not-refused', csr: { extensions: [new x509.BasicConstraintsExtension(false), new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature)] } },
  { name: 'fail/rsa-1024', csr: { key: 'RSA-1024' }, code: 'CA_CSR_KEY_REFUSED', reason: 'rsa-not-allowed' },
  { name: 'fail/rsa-1024-even-when-rsa-is-allowed', csr: { key: 'RSA-1024' }, rsaMinBits: 1024, code: 'CA_CSR_KEY_REFUSED', reason: 'rsa-too-short' },
  { name: 'fail/rsa-2048-by-default', csr: { key: 'RSA-2048' }, code: 'CA_CSR_KEY_REFUSED', reason: 'rsa-not-allowed' },
  { name: 'fail/wrong-curve-p521', csr: { key: 'P-521' }, code: 'CA_CSR_KEY_REFUSED', reason: 'curve-not-allowed' },
  { name: 'fail/ed25519', csr: { key: 'Ed25519' }, code: 'CA_CSR_KEY_REFUSED' },
  { name: 'fail/ca-basic-constraints-requested', csr: { extensions: [new x509.BasicConstraintsExtension(true, 0, true)] }, code: 'CA_CSR_EXTENSION_REFUSED', reason: 'ca-requested' },
  { name: 'fail/key-cert-sign-requested', csr: { extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign)] }, code: 'CA_CSR_EXTENSION_REFUSED', reason: 'cert-sign-requested' },
  { name: 'fail/crl-sign-requested', csr: { extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature)] }, code: 'CA_CSR_EXTENSION_REFUSED' },
  { name: 'fail/bad-signature', csr: { tamper: true }, code: 'CA_CSR_SIGNATURE_INVALID', reason: 'bad-signature' },
];

describe('CSR checks', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const { pem } = await makeTestCsr(c.csr);
      const checks = deviceCsrChecks({ ecCurves: ['P-256', 'P-384'], ...(c.rsaMinBits !== undefined ? { rsaMinBits: c.rsaMinBits } : {}) });
      if (c.code === undefined) {
        await checkCsr(pem, checks);
        return;
      }
      await assert.rejects(checkCsr(pem, checks), (error: unknown) => {
        assert.ok(isAppError(error));
        assert.equal(error.code, c.code);
        if (c.reason !== undefined) assert.match(error.detail ?? '', new RegExp(`\\(${c.reason}\\)`));
        return true;
      });
    });
  }

  const malformed: readonly [string, string][] = [
    ['fail/not-pem', 'hello'],
    ['fail/a-certificate-not-a-csr', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'],
    ['fail/garbage-in-a-csr-block', '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n'],
    ['fail/oversized', `-----BEGIN CERTIFICATE REQUEST-----\n${'A'.repeat(MAX_CSR_PEM_LENGTH)}\n-----END CERTIFICATE REQUEST-----\n`],
  ];
  for (const [name, pem] of malformed) {
    it(name, async () => {
      await assert.rejects(checkCsr(pem), (error: unknown) => isAppError(error) && error.code === 'CA_CSR_INVALID');
    });
  }

  it('fail/two-csr-blocks', async () => {
    const a = await makeTestCsr();
    const b = await makeTestCsr();
    await assert.rejects(checkCsr(a.pem + b.pem), (error: unknown) => isAppError(error) && error.code === 'CA_CSR_INVALID');
  });
});
