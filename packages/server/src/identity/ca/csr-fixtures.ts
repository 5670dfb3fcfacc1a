/**
 * Test fixtures: real PKCS#10 CSRs made with WebCrypto keys, of every kind the checks must accept
 * or refuse. Imported by *.test.ts only. (Not named test-*.ts: node --test would run it as a test.)
 */
import { webcrypto } from 'node:crypto';
import { x509 } from './x509-library.js';

export type TestKeyKind = 'P-256' | 'P-384' | 'P-521' | 'RSA-1024' | 'RSA-2048' | 'Ed25519';

export interface TestCsrOptions {
  readonly key?: TestKeyKind;
  readonly subject?: string;
  /** Extensions the CSR asks for (an extensionRequest attribute). */
  readonly extensions?: readonly InstanceType<typeof x509.Extension>[];
  /** Flip a bit of the signature. */
  readonly tamper?: boolean;
}

export interface TestCsr {
  readonly pem: string;
  readonly keys: webcrypto.CryptoKeyPair;
}

type Params = { readonly name: string } & Record<string, unknown>;

function algorithmOf(kind: TestKeyKind): { generate: Params; sign: Params } {
  switch (kind) {
    case 'P-256':
      return { generate: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } };
    case 'P-384':
      return { generate: { name: 'ECDSA', namedCurve: 'P-384' }, sign: { name: 'ECDSA', hash: 'SHA-384' } };
    case 'P-521':
      return { generate: { name: 'ECDSA', namedCurve: 'P-521' }, sign: { name: 'ECDSA', hash: 'SHA-512' } };
    case 'RSA-1024':
    case 'RSA-2048':
      return {
        generate: { name: 'RSASSA-PKCS1-v1_5', modulusLength: kind === 'RSA-1024' ? 1024 : 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
        sign: { name: 'RSASSA-PKCS1-v1_5' },
      };
    case 'Ed25519':
      return { generate: { name: 'Ed25519' }, sign: { name: 'Ed25519' } };
  }
}

export async function makeTestCsr(options: TestCsrOptions = {}): Promise<TestCsr> {
  const { generate, sign } = algorithmOf(options.key ?? 'P-256');
  const keys = (await webcrypto.subtle.generateKey(generate as unknown as webcrypto.EcKeyGenParams, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    {
      name: options.subject ?? 'CN=device-chosen-name, O=Evil Corp',
      keys,
      signingAlgorithm: sign as unknown as webcrypto.EcdsaParams,
      extensions: [
        new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'vigil.example' }, { type: 'url', value: 'urn:vigil:device:other-org:other-device' }]),
        ...(options.extensions ?? []),
      ],
    },
    webcrypto,
  );
  let der = Buffer.from(csr.rawData);
  if (options.tamper === true) {
    der = Buffer.from(der);
    const last = der.length - 2;
    der[last] = (der[last] ?? 0) ^ 0x01;
  }
  const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE REQUEST-----\n`;
  return { pem, keys };
}
