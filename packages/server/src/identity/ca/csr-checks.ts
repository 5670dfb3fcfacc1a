/**
 * Checks of a device's certificate signing request (PKCS#10, RFC 2986), small and composable
 * after smallstep's certificate checks: each check names one refusal.
 *
 * MUST: the CSR's signature verifies with its own public key (proof of possession, RFC 2986 §3),
 *       with SHA-256 or stronger.
 * MUST: the key is ECDSA on P-256 or P-384 by default; RSA only when a policy allows it, and never
 *       below 2048 bits; every other key type is refused.
 * MUST: a CSR that asks for CA powers (basicConstraints cA=TRUE, keyUsage keyCertSign or cRLSign,
 *       nameConstraints) is refused, not silently trimmed: a device that asks is misconfigured or hostile.
 * MUST: nothing else of the CSR (subject, SANs, other extensions) is used; the issuer sets them.
 */
import { createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import { AppError, type ErrorCode } from '../../kernel/index.js';
import { x509 } from './x509-library.js';

export type EcCurve = 'P-256' | 'P-384';

export interface CsrKeyPolicy {
  readonly ecCurves: readonly EcCurve[];
  /** RSA is refused unless set; when set, at least this many bits (never below 2048). */
  readonly rsaMinBits?: number;
}

export const DEFAULT_CSR_KEY_POLICY: CsrKeyPolicy = { ecCurves: ['P-256', 'P-384'] };
/** Largest CSR accepted, in PEM characters (a P-384 CSR is well under 1 KiB). */
export const MAX_CSR_PEM_LENGTH = 8 * 1024;

const CURVE_OF: Readonly<Record<string, EcCurve>> = { prime256v1: 'P-256', secp384r1: 'P-384' };
const STRONG_HASHES = ['SHA-256', 'SHA-384', 'SHA-512'];
const CSR_BLOCK = /^-----BEGIN CERTIFICATE REQUEST-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE REQUEST-----\r?\n?$/;
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
const OID_NAME_CONSTRAINTS = '2.5.29.30';

export interface ParsedCsr {
  readonly request: InstanceType<typeof x509.Pkcs10CertificateRequest>;
  readonly publicKey: KeyObject;
}

export interface CsrRefusal {
  readonly code: Extract<ErrorCode, `CA_CSR_${string}`>;
  /** Coded reason, for the log and the audit trail. */
  readonly reason: string;
}

export type CsrCheck = (csr: ParsedCsr) => Promise<CsrRefusal | undefined>;

/** Parses one PEM CSR; CA_CSR_INVALID when it is not exactly that. */
export function parseCsr(pem: string): ParsedCsr {
  if (pem.length > MAX_CSR_PEM_LENGTH || !CSR_BLOCK.test(pem.trim() + '\n')) {
    throw new AppError('CA_CSR_INVALID', { detail: 'csr: not a single PEM CERTIFICATE REQUEST block' });
  }
  let request: InstanceType<typeof x509.Pkcs10CertificateRequest>;
  try {
    request = new x509.Pkcs10CertificateRequest(pem.trim());
  } catch (error) {
    throw new AppError('CA_CSR_INVALID', { detail: 'csr: does not parse as PKCS#10', cause: error instanceof Error ? error.name : undefined });
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(request.publicKey.rawData), format: 'der', type: 'spki' });
  } catch {
    throw new AppError('CA_CSR_KEY_REFUSED', { detail: 'csr: the public key is of a type this server cannot read' });
  }
  return { request, publicKey };
}

export function checkKeyType(policy: CsrKeyPolicy = DEFAULT_CSR_KEY_POLICY): CsrCheck {
  return async ({ publicKey }) => {
    const details = publicKey.asymmetricKeyDetails ?? {};
    if (publicKey.asymmetricKeyType === 'ec') {
      const curve = CURVE_OF[details.namedCurve ?? ''];
      return curve !== undefined && policy.ecCurves.includes(curve) ? undefined : { code: 'CA_CSR_KEY_REFUSED', reason: 'curve-not-allowed' };
    }
    if (publicKey.asymmetricKeyType === 'rsa') {
      if (policy.rsaMinBits === undefined) return { code: 'CA_CSR_KEY_REFUSED', reason: 'rsa-not-allowed' };
      const bits = details.modulusLength ?? 0;
      return bits >= Math.max(2048, policy.rsaMinBits) ? undefined : { code: 'CA_CSR_KEY_REFUSED', reason: 'rsa-too-short' };
    }
    return { code: 'CA_CSR_KEY_REFUSED', reason: 'key-type-not-allowed' };
  };
}

export const checkSignature: CsrCheck = async ({ request }) => {
  const hash = (request.signatureAlgorithm as { hash?: { name?: string } }).hash?.name;
  if (hash === undefined || !STRONG_HASHES.includes(hash)) return { code: 'CA_CSR_SIGNATURE_INVALID', reason: 'weak-signature-hash' };
  try {
    return (await request.verify(webcrypto)) ? undefined : { code: 'CA_CSR_SIGNATURE_INVALID', reason: 'bad-signature' };
  } catch {
    return { code: 'CA_CSR_SIGNATURE_INVALID', reason: 'bad-signature' };
  }
};

export const checkNoCaExtensions: CsrCheck = async ({ request }) => {
  let extensions: readonly InstanceType<typeof x509.Extension>[];
  try {
    extensions = request.extensions;
  } catch {
    return { code: 'CA_CSR_INVALID', reason: 'extensions-unreadable' };
  }
  for (const extension of extensions) {
    if (extension.type === OID_BASIC_CONSTRAINTS) {
      const ca = extension instanceof x509.BasicConstraintsExtension ? extension.ca : true;
      if (ca) return { code: 'CA_CSR_EXTENSION_REFUSED', reason: 'ca-requested' };
    }
    if (extension.type === OID_KEY_USAGE) {
      const usages = extension instanceof x509.KeyUsagesExtension ? extension.usages : x509.KeyUsageFlags.keyCertSign;
      if ((usages & (x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign)) !== 0) {
        return { code: 'CA_CSR_EXTENSION_REFUSED', reason: 'cert-sign-requested' };
      }
    }
    if (extension.type === OID_NAME_CONSTRAINTS) return { code: 'CA_CSR_EXTENSION_REFUSED', reason: 'name-constraints-requested' };
  }
  return undefined;
};

/** The default checks, in order: the cheap ones before the signature. */
export function deviceCsrChecks(policy: CsrKeyPolicy = DEFAULT_CSR_KEY_POLICY): readonly CsrCheck[] {
  return [checkKeyType(policy), checkNoCaExtensions, checkSignature];
}

/** Parses and runs every check; throws the first refusal as an AppError with its code. */
export async function checkCsr(pem: string, checks: readonly CsrCheck[] = deviceCsrChecks()): Promise<ParsedCsr> {
  const csr = parseCsr(pem);
  for (const check of checks) {
    const refusal = await check(csr);
    if (refusal !== undefined) throw new AppError(refusal.code, { detail: `csr: refused (${refusal.reason})` });
  }
  return csr;
}
