/**
 * A throwaway PKI for the SDK's tests, generated with @peculiar/x509: a root CA, a device
 * intermediate CA, a TLS server certificate for localhost, and device certificates issued from
 * CSRs (CN = device id) the way Vigil's device CA does. Test code only.
 */
import { webcrypto } from 'node:crypto';
import { x509 } from '../x509-library.js';

const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export interface CaMaterial {
  readonly certPem: string;
  readonly keys: webcrypto.CryptoKeyPair;
  readonly certificate: x509.X509Certificate;
}

export interface TestPki {
  readonly root: CaMaterial;
  readonly deviceCa: CaMaterial;
  /** The HTTPS/MQTT server certificate (localhost, 127.0.0.1) and its key, PEM. */
  readonly server: { readonly certPem: string; readonly keyPem: string };
  /** Issues a device certificate for the key in `csrPem`, subject CN=deviceId. */
  issueDevice(csrPem: string, deviceId: string, validity?: { notBefore?: Date; notAfter?: Date }): Promise<string>;
}

let serialCounter = 1;
function serial(): string {
  return (serialCounter++).toString(16).padStart(16, '0').replace(/^0/, '1');
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END PRIVATE KEY-----\n`;
}

export async function createCa(name: string, issuer?: CaMaterial): Promise<CaMaterial> {
  const keys = await generateKeys();
  const now = Date.now();
  const extensions = [
    new x509.BasicConstraintsExtension(true, issuer ? 0 : undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
  ];
  const certificate = issuer
    ? await x509.X509CertificateGenerator.create(
        {
          serialNumber: serial(),
          subject: name,
          issuer: issuer.certificate.subjectName,
          notBefore: new Date(now - DAY_MS),
          notAfter: new Date(now + 365 * DAY_MS),
          signingAlgorithm: ECDSA_SHA256,
          publicKey: keys.publicKey,
          signingKey: issuer.keys.privateKey,
          extensions,
        },
        webcrypto,
      )
    : await x509.X509CertificateGenerator.createSelfSigned(
        { serialNumber: serial(), name, notBefore: new Date(now - DAY_MS), notAfter: new Date(now + 365 * DAY_MS), signingAlgorithm: ECDSA_SHA256, keys, extensions },
        webcrypto,
      );
  return { certPem: certificate.toString('pem') + '\n', keys, certificate };
}

export async function createTestPki(): Promise<TestPki> {
  const root = await createCa('CN=Test Vigil Root CA');
  const deviceCa = await createCa('CN=Test Vigil Device CA', root);
  const serverKeys = await generateKeys();
  const now = Date.now();
  const serverCert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject: 'CN=localhost',
      issuer: root.certificate.subjectName,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 30 * DAY_MS),
      signingAlgorithm: ECDSA_SHA256,
      publicKey: serverKeys.publicKey,
      signingKey: root.keys.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: 'localhost' },
          { type: 'ip', value: '127.0.0.1' },
        ]),
      ],
    },
    webcrypto,
  );
  return {
    root,
    deviceCa,
    server: { certPem: serverCert.toString('pem') + '\n', keyPem: await privateKeyPem(serverKeys.privateKey) },
    async issueDevice(csrPem, deviceId, validity = {}) {
      const csr = new x509.Pkcs10CertificateRequest(csrPem);
      if (!(await csr.verify(webcrypto))) throw new Error('CSR signature does not verify');
      const t = Date.now();
      const cert = await x509.X509CertificateGenerator.create(
        {
          serialNumber: serial(),
          subject: `CN=${deviceId}`,
          issuer: deviceCa.certificate.subjectName,
          notBefore: validity.notBefore ?? new Date(t - 60_000),
          notAfter: validity.notAfter ?? new Date(t + 30 * DAY_MS),
          signingAlgorithm: ECDSA_SHA256,
          publicKey: await csr.publicKey.export(webcrypto),
          signingKey: deviceCa.keys.privateKey,
          extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
          ],
        },
        webcrypto,
      );
      return cert.toString('pem') + '\n';
    },
  };
}
