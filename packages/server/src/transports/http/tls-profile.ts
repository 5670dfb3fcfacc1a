/**
 * The TLS profile of the HTTPS listener.
 *
 * Source: Mozilla Server Side TLS, "intermediate" configuration (guideline v5.7,
 * https://wiki.mozilla.org/Security/Server_Side_TLS), narrowed by RFC 9325 (BCP 195):
 *  - §3.1.1: TLS 1.0 and 1.1 MUST NOT be negotiated; TLS 1.2 MUST and TLS 1.3 SHOULD be supported.
 *  - §4.1, §4.2: TLS 1.2 suites offer forward secrecy (ECDHE) and AEAD only (AES-GCM, ChaCha20-Poly1305).
 *  - §4.4 / RFC 8422: X25519 and the NIST P-256 and P-384 groups.
 * Unlike Mozilla intermediate, the DHE-RSA suites are left out: every client we serve speaks ECDHE,
 * and finite-field groups would need parameters we would then have to manage.
 *
 * MUST: a handshake below TLS 1.2, or with a suite that lacks forward secrecy or AEAD, fails.
 * MUST: certificate and key are checked when the server is built, not at the first handshake.
 */
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { AppError } from '../../kernel/index.js';

/** TLS 1.3 suites (RFC 8446 §9.1 mandatory + recommended); all are AEAD with ephemeral key exchange. */
const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;

/** TLS 1.2 suites: ECDHE key exchange + AEAD, in the Mozilla intermediate order. */
const TLS12_SUITES = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
] as const;

export const TLS_PROFILE = {
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.3',
  ciphers: [...TLS13_SUITES, ...TLS12_SUITES].join(':'),
  honorCipherOrder: true,
  ecdhCurve: 'X25519:P-256:P-384',
} as const satisfies SecureContextOptions;

/** The server's certificate, the intermediates that lead to a trusted root, and its private key (all PEM). */
export interface TlsCredentials {
  readonly certPem: string;
  /** Intermediate certificates, leaf-issuer first; '' when the issuer is a root the clients trust. */
  readonly chainPem: string;
  readonly keyPem: string;
}

export type TlsMinVersion = 'TLSv1.2' | 'TLSv1.3';

export type HttpsOptions = SecureContextOptions &
  Omit<typeof TLS_PROFILE, 'minVersion'> & {
    readonly minVersion: TlsMinVersion;
    readonly cert: string;
    readonly key: string;
    /** Set with `clientCa`: ask for a client certificate, but let the handshake finish without one. */
    readonly requestCert?: boolean;
    readonly rejectUnauthorized?: boolean;
  };

/**
 * Optional client certificates (devices on the HTTPS listener): the CA certificates a client
 * certificate must chain to. The server asks for a certificate (requestCert) but does not refuse
 * the handshake without one (rejectUnauthorized false): people use the same listener. A route
 * that needs a device reads it with deviceCertificate(), which returns only a chain OpenSSL verified.
 */
export interface ClientCertificateOptions {
  readonly clientCa?: readonly string[];
}

/**
 * Builds node:https options from credentials and the profile. Throws TLS_MATERIAL_INVALID when
 * OpenSSL rejects the material (unparsable PEM, key that does not match the certificate).
 */
export function buildHttpsOptions(
  credentials: TlsCredentials,
  minVersion: TlsMinVersion = TLS_PROFILE.minVersion,
  client: ClientCertificateOptions = {},
): HttpsOptions {
  const cert = joinPem(credentials.certPem, credentials.chainPem);
  const clientCa = client.clientCa ?? [];
  const options: HttpsOptions = {
    ...TLS_PROFILE,
    minVersion,
    cert,
    key: credentials.keyPem,
    ...(clientCa.length > 0 ? { ca: [...clientCa], requestCert: true, rejectUnauthorized: false } : {}),
  };
  try {
    createSecureContext(options);
  } catch (cause) {
    throw new AppError('TLS_MATERIAL_INVALID', {
      detail: `The HTTPS certificate, chain or key was rejected: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    });
  }
  return options;
}

function joinPem(...blocks: readonly string[]): string {
  return blocks
    .map((block) => block.trim())
    .filter((block) => block.length > 0)
    .map((block) => `${block}\n`)
    .join('');
}
