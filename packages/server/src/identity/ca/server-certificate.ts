/**
 * The HTTPS server certificate Vigil issues itself from its root CA, for the 'tls-server' key:
 * SAN DNS:localhost, IP:127.0.0.1, IP:::1 plus configured hostnames, EKU serverAuth, 1 year.
 *
 * MUST: re-issue when the certificate is missing or unreadable, not issued by the current root,
 *       for another key than the active 'tls-server' key, for other names than requested, not
 *       yet valid, or expiring within RENEW_BEFORE_DAYS; otherwise keep it (no churn at start).
 * MUST: the leaf is not a CA (basicConstraints cA=FALSE, critical), its keyUsage is only
 *       digitalSignature (ECDHE key exchange signs; RFC 5280 §4.2.1.3), and its EKU is serverAuth
 *       (RFC 5280 §4.2.1.12).
 * MUST: the private key is never written to disk here: server.pem holds only the certificate.
 */
import { createPublicKey, webcrypto, X509Certificate } from 'node:crypto';
import type { Clock } from '../../kernel/index.js';
import type { KeyProvider, TlsCredentials } from '../../keys/index.js';
import { caPaths, readCaFile, replaceCaFile } from './ca-files.js';
import { BACKDATE_MS, ECDSA_SHA256, type RootCa } from './root-ca.js';
import { newSerialNumber } from './serial-number.js';
import { canonicalIp, sameNames, serverNames, type SubjectAltName } from './subject-alt-names.js';
import { x509 } from './x509-library.js';

export const SERVER_CERT_VALIDITY_DAYS = 365;
export const RENEW_BEFORE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

export interface ServerCertificateOptions {
  readonly dataDir: string;
  readonly keys: KeyProvider;
  readonly root: RootCa;
  readonly clock: Clock;
  /** Extra DNS names or IP addresses (config tls.hostnames), besides localhost and loopback. */
  readonly hostnames?: readonly string[];
}

export interface ServerCertificate {
  readonly credentials: TlsCredentials;
  readonly notAfter: Date;
  /** Why a new certificate was issued now; undefined when the existing one was kept. */
  readonly issuedBecause: string | undefined;
}

/** Returns the server credentials, issuing a new certificate first when one is due. */
export async function ensureServerCertificate(options: ServerCertificateOptions): Promise<ServerCertificate> {
  const names = serverNames(options.hostnames);
  const tlsKey = options.keys.tlsServerKey();
  const path = caPaths(options.dataDir).serverCertFile;
  const existing = await readCaFile(path);
  const reason = serverCertificateRenewalReason(existing, {
    root: options.root,
    publicKeyPem: tlsKey.publicKeyPem,
    names,
    now: options.clock.now(),
  });
  let certPem: string;
  if (reason === undefined && existing !== undefined) {
    certPem = existing;
  } else {
    certPem = await issueServerCertificate({ ...options, names, publicKeyPem: tlsKey.publicKeyPem });
    await replaceCaFile(path, certPem);
  }
  return {
    credentials: { certPem, chainPem: options.root.certPem, keyPem: tlsKey.privateKeyPem },
    notAfter: new x509.X509Certificate(certPem).notAfter,
    issuedBecause: reason,
  };
}

export interface RenewalCheck {
  readonly root: RootCa;
  readonly publicKeyPem: string;
  readonly names: readonly SubjectAltName[];
  readonly now: Date;
}

/** Why `certPem` must be re-issued, or undefined when it is still good. Pure. */
export function serverCertificateRenewalReason(certPem: string | undefined, check: RenewalCheck): string | undefined {
  if (certPem === undefined) return 'there is no server certificate';
  let certificate: X509Certificate;
  let parsed: InstanceType<typeof x509.X509Certificate>;
  try {
    certificate = new X509Certificate(certPem);
    parsed = new x509.X509Certificate(certPem);
  } catch {
    return 'the server certificate does not parse';
  }
  const root = new X509Certificate(check.root.certPem);
  if (!certificate.checkIssued(root) || !certificate.verify(root.publicKey)) return 'the server certificate was not issued by the current root';
  if (!certificate.publicKey.equals(createPublicKey(check.publicKeyPem))) return 'the TLS server key changed';
  const names = namesOf(parsed);
  if (names === undefined || !sameNames(names, check.names)) return 'the requested hostnames changed';
  if (parsed.notBefore.getTime() > check.now.getTime()) return 'the server certificate is not yet valid';
  if (parsed.notAfter.getTime() - check.now.getTime() <= RENEW_BEFORE_DAYS * DAY_MS) {
    return `the server certificate expires within ${RENEW_BEFORE_DAYS} days`;
  }
  return undefined;
}

async function issueServerCertificate(
  options: ServerCertificateOptions & { readonly names: readonly SubjectAltName[]; readonly publicKeyPem: string },
): Promise<string> {
  const now = options.clock.now();
  const signingKey = await options.keys.caSigningKey(options.root.keyId);
  const spki = createPublicKey(options.publicKeyPem).export({ format: 'der', type: 'spki' });
  const publicKey = await webcrypto.subtle.importKey('spki', spki, P256, true, ['verify']);
  const root = new x509.X509Certificate(options.root.certPem);
  const firstDns = options.names.find((n) => n.type === 'dns' && n.value !== 'localhost') ?? { value: 'localhost' };
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: newSerialNumber(),
      subject: `CN=${firstDns.value}`,
      issuer: root.subjectName,
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + SERVER_CERT_VALIDITY_DAYS * DAY_MS),
      signingAlgorithm: ECDSA_SHA256,
      publicKey,
      signingKey: signingKey.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension(options.names.map((n) => ({ type: n.type, value: n.value }))),
        await x509.SubjectKeyIdentifierExtension.create(publicKey, false, webcrypto),
        await x509.AuthorityKeyIdentifierExtension.create(signingKey.publicKey, false, webcrypto),
      ],
    },
    webcrypto,
  );
  return certificate.toString('pem') + '\n';
}

/** The DNS and IP names of a certificate, canonical; undefined if it has others or unreadable ones. */
function namesOf(certificate: InstanceType<typeof x509.X509Certificate>): SubjectAltName[] | undefined {
  try {
    const extension = certificate.getExtension(x509.SubjectAlternativeNameExtension);
    if (extension === null) return undefined;
    const names: SubjectAltName[] = [];
    for (const item of extension.names.items) {
      if (item.type === 'dns') names.push({ type: 'dns', value: item.value.toLowerCase() });
      else if (item.type === 'ip') names.push({ type: 'ip', value: canonicalIp(item.value) });
      else return undefined;
    }
    return names;
  } catch {
    return undefined;
  }
}
