/**
 * The device CA: an intermediate ECDSA P-256 CA, "CN=Vigil Device CA", issued by Vigil's root,
 * whose key is the key store's 'ca-device' key. It issues device client certificates from CSRs
 * and signs the device CRL.
 *
 * MUST: the device CA certificate has basicConstraints cA=TRUE pathLen=0 (critical) and keyUsage
 *       keyCertSign + cRLSign (critical): it issues leaves only (RFC 5280 §4.2.1.9, §4.2.1.3).
 * MUST: it is created when missing (new and older data directories alike, by rotating in a
 *       'ca-device' key) and never replaced; on open it must be a CA issued by the current root
 *       for a 'ca-device' key of this key store, else CA_DEVICE_CA_INVALID.
 * MUST: a device certificate's subject is CN=<deviceId> and its only SAN is the URI
 *       urn:vigil:device:<orgId>:<deviceId>, both set here and never copied from the CSR; it is
 *       not a CA, its keyUsage is digitalSignature only, its EKU is clientAuth only
 *       (RFC 5280 §4.2.1.12), its serial is 128 random bits, and it lives `validityDays`.
 * MUST: the CRL is an X.509 v2 CRL (RFC 5280 §5) signed by the device CA, with the authority key
 *       identifier and a CRL number that only grows (§5.2.1, §5.2.3).
 */
import { createHash, createPublicKey, webcrypto, X509Certificate } from 'node:crypto';
import { AppError, type Clock } from '../../kernel/index.js';
import type { KeyProvider } from '../../keys/index.js';
import { caPaths, createCaFile, readCaFile, replaceCaFile } from './ca-files.js';
import { checkCsr, deviceCsrChecks, type CsrKeyPolicy } from './csr-checks.js';
import { BACKDATE_MS, ECDSA_SHA256, type RootCa } from './root-ca.js';
import { newSerialNumber } from './serial-number.js';
import { x509 } from './x509-library.js';

export const DEVICE_CA_NAME = 'CN=Vigil Device CA';
export const DEVICE_CA_VALIDITY_YEARS = 5;
export const DEFAULT_DEVICE_CERT_VALIDITY_DAYS = 90;
/** A CRL is valid this long; it is re-signed on every revocation and well before it lapses. */
export const CRL_VALIDITY_HOURS = 24;
const DAY_MS = 24 * 60 * 60 * 1000;
const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const URN_PREFIX = 'urn:vigil:device:';
const NAME_PART = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const OID_CRL_NUMBER = '2.5.29.20';

export interface DeviceCa {
  readonly certPem: string;
  readonly keyId: string;
  readonly rootPem: string;
  readonly notAfter: Date;
  readonly fingerprint256: string;
}

export interface DeviceCaOptions {
  readonly dataDir: string;
  readonly keys: KeyProvider;
  readonly root: RootCa;
  readonly clock: Clock;
}

/** The URI SAN of a device certificate. */
export function deviceUrn(orgId: string, deviceId: string): string {
  return `${URN_PREFIX}${orgId}:${deviceId}`;
}

/** Creates the device CA (key and certificate) when missing; otherwise opens and checks it. */
export async function ensureDeviceCa(options: DeviceCaOptions): Promise<DeviceCa> {
  const path = caPaths(options.dataDir).deviceCaCertFile;
  if ((await readCaFile(path)) !== undefined) return openDeviceCa(options);
  const existing = options.keys.list().find((k) => k.purpose === 'ca-device' && k.status === 'active');
  const keyId = existing?.id ?? (await options.keys.rotate('ca-device')).id;
  const certPem = await issueDeviceCaCertificate(options, keyId);
  try {
    await createCaFile(path, certPem);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return openDeviceCa(options);
}

/** Opens `<dataDir>/ca/device-ca.pem`: CA_NOT_INITIALIZED when absent, CA_DEVICE_CA_INVALID when wrong. */
export async function openDeviceCa(options: Pick<DeviceCaOptions, 'dataDir' | 'keys' | 'root'>): Promise<DeviceCa> {
  const path = caPaths(options.dataDir).deviceCaCertFile;
  const pem = await readCaFile(path);
  if (pem === undefined) throw new AppError('CA_NOT_INITIALIZED', { detail: `no device CA certificate at ${path}; start the server once` });
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch (error) {
    throw invalid(path, 'does not parse as an X.509 certificate', error);
  }
  const root = new X509Certificate(options.root.certPem);
  if (!certificate.ca) throw invalid(path, 'is not a CA certificate');
  if (!certificate.checkIssued(root) || !certificate.verify(root.publicKey)) throw invalid(path, 'was not issued by the current root CA');
  const keyId = options.keys
    .list()
    .filter((k) => k.purpose === 'ca-device')
    .find((k) => createPublicKey(options.keys.publicKeyPem(k.id)).equals(certificate.publicKey))?.id;
  if (keyId === undefined) throw invalid(path, 'certifies a key that is not in this key store');
  return {
    certPem: certificate.toString(),
    keyId,
    rootPem: options.root.certPem,
    notAfter: new x509.X509Certificate(certificate.raw).notAfter,
    fingerprint256: certificate.fingerprint256,
  };
}

async function issueDeviceCaCertificate(options: DeviceCaOptions, keyId: string): Promise<string> {
  const now = options.clock.now();
  const rootKey = await options.keys.caSigningKey(options.root.keyId);
  const spki = createPublicKey(options.keys.publicKeyPem(keyId)).export({ format: 'der', type: 'spki' });
  const publicKey = await webcrypto.subtle.importKey('spki', spki, P256, true, ['verify']);
  const root = new x509.X509Certificate(options.root.certPem);
  const wanted = new Date(now);
  wanted.setUTCFullYear(wanted.getUTCFullYear() + DEVICE_CA_VALIDITY_YEARS);
  // An intermediate must not outlive its issuer (RFC 5280 §6.1.3 checks each link's validity).
  const notAfter = wanted.getTime() < root.notAfter.getTime() ? wanted : root.notAfter;
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: newSerialNumber(),
      subject: DEVICE_CA_NAME,
      issuer: root.subjectName,
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter,
      signingAlgorithm: ECDSA_SHA256,
      publicKey,
      signingKey: rootKey.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(publicKey, false, webcrypto),
        await x509.AuthorityKeyIdentifierExtension.create(rootKey.publicKey, false, webcrypto),
      ],
    },
    webcrypto,
  );
  return certificate.toString('pem') + '\n';
}

function invalid(path: string, what: string, cause?: unknown): AppError {
  return new AppError('CA_DEVICE_CA_INVALID', { detail: `${path} ${what}`, ...(cause !== undefined ? { cause } : {}) });
}

export interface DeviceCertificateIssuerOptions {
  readonly dataDir: string;
  readonly keys: KeyProvider;
  readonly ca: DeviceCa;
  readonly clock: Clock;
  readonly validityDays?: number;
  readonly keyPolicy?: CsrKeyPolicy;
}

export interface IssuedCertificate {
  readonly certPem: string;
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly fingerprint: string;
}

/** RFC 5280 §5.3.1 reason codes for the coded reasons Vigil records. */
const CRL_REASONS: Readonly<Record<string, number>> = {
  'key-compromise': x509.X509CrlReason.keyCompromise,
  superseded: x509.X509CrlReason.superseded,
  decommissioned: x509.X509CrlReason.cessationOfOperation,
  'cessation-of-operation': x509.X509CrlReason.cessationOfOperation,
};

/**
 * Issues device certificates and CRLs with the device CA's key. Implements the devices module's
 * DeviceCertificateAuthority port (structurally: identity does not import devices).
 */
export class DeviceCertificateIssuer {
  readonly #options: DeviceCertificateIssuerOptions;
  readonly #caCert: X509Certificate;
  readonly #caParsed: InstanceType<typeof x509.X509Certificate>;
  readonly #validityDays: number;
  #lastCrlNumber = 0;

  constructor(options: DeviceCertificateIssuerOptions) {
    this.#options = options;
    this.#caCert = new X509Certificate(options.ca.certPem);
    this.#caParsed = new x509.X509Certificate(options.ca.certPem);
    this.#validityDays = options.validityDays ?? DEFAULT_DEVICE_CERT_VALIDITY_DAYS;
  }

  async checkCsr(csrPem: string): Promise<void> {
    await checkCsr(csrPem, deviceCsrChecks(this.#options.keyPolicy));
  }

  async issue(request: { readonly csrPem: string; readonly deviceId: string; readonly orgId: string }): Promise<IssuedCertificate> {
    if (!NAME_PART.test(request.deviceId) || !NAME_PART.test(request.orgId)) {
      throw new AppError('INTERNAL', { detail: 'device CA: device and organization ids must be plain identifiers' });
    }
    const csr = await checkCsr(request.csrPem, deviceCsrChecks(this.#options.keyPolicy));
    const now = this.#options.clock.now();
    const signingKey = await this.#options.keys.caSigningKey(this.#options.ca.keyId);
    const spki = csr.publicKey.export({ format: 'der', type: 'spki' });
    const publicKey = await webcrypto.subtle.importKey('spki', spki, importParams(csr.publicKey), true, ['verify']);
    const notBefore = new Date(now.getTime() - BACKDATE_MS);
    const wanted = new Date(now.getTime() + this.#validityDays * DAY_MS);
    const notAfter = wanted.getTime() < this.#caParsed.notAfter.getTime() ? wanted : this.#caParsed.notAfter;
    const serialNumber = newSerialNumber();
    const certificate = await x509.X509CertificateGenerator.create(
      {
        serialNumber,
        subject: `CN=${request.deviceId}`,
        issuer: this.#caParsed.subjectName,
        notBefore,
        notAfter,
        signingAlgorithm: ECDSA_SHA256,
        publicKey,
        signingKey: signingKey.privateKey,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
          new x509.SubjectAlternativeNameExtension([{ type: 'url', value: deviceUrn(request.orgId, request.deviceId) }], false),
          await x509.SubjectKeyIdentifierExtension.create(publicKey, false, webcrypto),
          await x509.AuthorityKeyIdentifierExtension.create(signingKey.publicKey, false, webcrypto),
        ],
      },
      webcrypto,
    );
    return {
      certPem: certificate.toString('pem') + '\n',
      serial: normalizeHex(serialNumber),
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
      fingerprint: createHash('sha256').update(Buffer.from(certificate.rawData)).digest('hex'),
    };
  }

  chainPems(): readonly string[] {
    return [this.#options.ca.certPem, this.#options.ca.rootPem];
  }

  issued(certificate: X509Certificate): boolean {
    try {
      return certificate.checkIssued(this.#caCert) && certificate.verify(this.#caCert.publicKey);
    } catch {
      return false;
    }
  }

  identify(certificate: X509Certificate): { orgId: string; deviceId: string } | undefined {
    const sans = (certificate.subjectAltName ?? '').split(', ');
    if (sans.length !== 1 || !sans[0]?.startsWith(`URI:${URN_PREFIX}`)) return undefined;
    const [orgId, deviceId, ...rest] = sans[0].slice(`URI:${URN_PREFIX}`.length).split(':');
    if (orgId === undefined || deviceId === undefined || rest.length > 0 || !NAME_PART.test(orgId) || !NAME_PART.test(deviceId)) return undefined;
    if (certificate.subject !== `CN=${deviceId}`) return undefined;
    return { orgId, deviceId };
  }

  async publishCrl(entries: readonly { readonly serial: string; readonly revokedAt: string; readonly reason: string }[]): Promise<string> {
    const now = this.#options.clock.now();
    const signingKey = await this.#options.keys.caSigningKey(this.#options.ca.keyId);
    // The CRL number must grow (RFC 5280 §5.2.3): time in ms, and never less than the last one.
    this.#lastCrlNumber = Math.max(this.#lastCrlNumber + 1, now.getTime());
    const crl = await x509.X509CrlGenerator.create(
      {
        issuer: this.#caParsed.subjectName,
        thisUpdate: now,
        nextUpdate: new Date(now.getTime() + CRL_VALIDITY_HOURS * 60 * 60 * 1000),
        signingAlgorithm: ECDSA_SHA256,
        signingKey: signingKey.privateKey,
        extensions: [
          await x509.AuthorityKeyIdentifierExtension.create(signingKey.publicKey, false, webcrypto),
          new x509.Extension(OID_CRL_NUMBER, false, derInteger(this.#lastCrlNumber)),
        ],
        entries: entries.map((e) => ({
          serialNumber: e.serial.length % 2 === 0 ? e.serial : `0${e.serial}`,
          revocationDate: new Date(e.revokedAt),
          reason: CRL_REASONS[e.reason] ?? x509.X509CrlReason.unspecified,
        })),
      },
      webcrypto,
    );
    // RFC 7468 §5 labels a CRL "X509 CRL" (OpenSSL reads nothing else); the library writes "CRL".
    const pem = pemBlock('X509 CRL', Buffer.from(crl.rawData));
    await replaceCaFile(caPaths(this.#options.dataDir).deviceCrlFile, pem);
    return pem;
  }
}

function importParams(key: ReturnType<typeof createPublicKey>): webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams {
  if (key.asymmetricKeyType === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  return { name: 'ECDSA', namedCurve: key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'P-384' : 'P-256' };
}

function pemBlock(label: string, der: Buffer): string {
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

function normalizeHex(hex: string): string {
  return hex.toLowerCase().replace(/^0+/, '') || '0';
}

/** DER INTEGER of a non-negative safe integer (X.690 §8.3): big-endian, minimal, positive. */
function derInteger(value: number): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  const body = Buffer.from(hex, 'hex');
  return Uint8Array.from([0x02, body.length, ...body]);
}
