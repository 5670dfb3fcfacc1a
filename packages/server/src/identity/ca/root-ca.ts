/**
 * The Vigil root CA: a self-signed ECDSA P-256 certificate, "CN=Vigil Root CA", valid 10 years,
 * whose key is the key store's 'ca-root' key. It issues the HTTPS server certificate and
 * (later) device certificates.
 *
 * MUST: the root certificate carries basicConstraints cA=TRUE (critical) and keyUsage
 *       keyCertSign + cRLSign (critical) and nothing more (RFC 5280 §4.2.1.9, §4.2.1.3).
 * MUST: the CA key is used only as a non-extractable WebCrypto key from the KeyProvider.
 * MUST: an existing root.pem is never replaced; on open it must be self-signed, a CA, and
 *       certify a 'ca-root' key of this key store, else CA_CERTIFICATE_INVALID.
 */
import { createPublicKey, webcrypto, X509Certificate } from 'node:crypto';
import { AppError, type Clock } from '../../kernel/index.js';
import type { KeyProvider } from '../../keys/index.js';
import { caPaths, createCaFile, readCaFile } from './ca-files.js';
import { newSerialNumber } from './serial-number.js';
import { x509 } from './x509-library.js';

export const ROOT_CA_NAME = 'CN=Vigil Root CA';
export const ROOT_CA_VALIDITY_YEARS = 10;
/** Certificates start a little in the past so a peer whose clock runs slow still accepts them. */
export const BACKDATE_MS = 5 * 60 * 1000;
export const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface RootCa {
  readonly certPem: string;
  /** The key store id of the key this root certifies. */
  readonly keyId: string;
  readonly subject: string;
  readonly notAfter: Date;
  /** SHA-256 fingerprint, colon-separated hex, for operators to pin or compare. */
  readonly fingerprint256: string;
}

export interface RootCaOptions {
  readonly dataDir: string;
  readonly keys: KeyProvider;
  readonly clock: Clock;
}

/** Creates the root certificate if there is none; otherwise opens (and checks) the existing one. */
export async function initRootCa(options: RootCaOptions): Promise<RootCa> {
  const paths = caPaths(options.dataDir);
  if ((await readCaFile(paths.rootCertFile)) !== undefined) return openRootCa(options);

  const keyId = options.keys.active('ca-root').id;
  const keyPair = await options.keys.caSigningKey(keyId);
  const now = options.clock.now();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + ROOT_CA_VALIDITY_YEARS);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: newSerialNumber(),
      name: ROOT_CA_NAME,
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter,
      signingAlgorithm: ECDSA_SHA256,
      keys: keyPair,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keyPair.publicKey, false, webcrypto),
      ],
    },
    webcrypto,
  );
  try {
    await createCaFile(paths.rootCertFile, certificate.toString('pem') + '\n');
  } catch (error) {
    // Another init won the race: use its root, which the checks below must accept.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return openRootCa(options);
}

/** Opens `<dataDir>/ca/root.pem`: CA_NOT_INITIALIZED when absent, CA_CERTIFICATE_INVALID when wrong. */
export async function openRootCa(options: Pick<RootCaOptions, 'dataDir' | 'keys'>): Promise<RootCa> {
  const path = caPaths(options.dataDir).rootCertFile;
  const pem = await readCaFile(path);
  if (pem === undefined) throw new AppError('CA_NOT_INITIALIZED', { detail: `no root certificate at ${path}; run \`vigil init\` first` });
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch (error) {
    throw invalid(path, 'does not parse as an X.509 certificate', error);
  }
  if (!certificate.ca) throw invalid(path, 'is not a CA certificate');
  if (!certificate.checkIssued(certificate) || !certificate.verify(certificate.publicKey)) throw invalid(path, 'is not self-signed');
  const keyId = options.keys
    .list()
    .filter((k) => k.purpose === 'ca-root')
    .find((k) => createPublicKey(options.keys.publicKeyPem(k.id)).equals(certificate.publicKey))?.id;
  if (keyId === undefined) throw invalid(path, 'certifies a key that is not in this key store');
  return {
    certPem: certificate.toString(),
    keyId,
    subject: certificate.subject,
    notAfter: new x509.X509Certificate(certificate.raw).notAfter,
    fingerprint256: certificate.fingerprint256,
  };
}

function invalid(path: string, what: string, cause?: unknown): AppError {
  return new AppError('CA_CERTIFICATE_INVALID', { detail: `${path} ${what}`, ...(cause !== undefined ? { cause } : {}) });
}
