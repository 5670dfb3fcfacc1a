/**
 * The HTTPS transport's credentials: the operator's own certificate and key when configured
 * (tls.certFile + tls.keyFile), otherwise the server certificate Vigil's root CA issues itself.
 *
 * MUST: operator material is used only after every check of operator-tls.ts passed, and a
 *       half-configured pair (one file without the other) is refused, never silently replaced
 *       by Vigil's own certificate.
 */
import { AppError, type Clock } from '../../kernel/index.js';
import type { KeyProvider, TlsCredentials } from '../../keys/index.js';
import { loadOperatorTlsCredentials } from './operator-tls.js';
import type { RootCa } from './root-ca.js';
import { ensureServerCertificate } from './server-certificate.js';
import { x509 } from './x509-library.js';

export interface HttpsCredentialsOptions {
  readonly dataDir: string;
  readonly keys: KeyProvider;
  readonly root: RootCa;
  readonly clock: Clock;
  /** config tls.certFile / tls.keyFile: both or neither. */
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  /** config tls.hostnames, for the certificate Vigil issues itself. */
  readonly hostnames?: readonly string[];
}

export interface HttpsCredentials {
  readonly credentials: TlsCredentials;
  readonly source: 'operator' | 'vigil-ca';
  readonly notAfter: Date;
  /** Set when Vigil issued a new certificate just now, with the reason (for the start-up log). */
  readonly issuedBecause: string | undefined;
}

export async function resolveHttpsCredentials(options: HttpsCredentialsOptions): Promise<HttpsCredentials> {
  const { certFile, keyFile } = options;
  if (certFile !== undefined || keyFile !== undefined) {
    if (certFile === undefined || keyFile === undefined) {
      throw new AppError('TLS_MATERIAL_INVALID', { detail: 'tls.certFile and tls.keyFile must be set together' });
    }
    const credentials = await loadOperatorTlsCredentials({ certFile, keyFile, clock: options.clock });
    return { credentials, source: 'operator', notAfter: new x509.X509Certificate(credentials.certPem).notAfter, issuedBecause: undefined };
  }
  const issued = await ensureServerCertificate({
    dataDir: options.dataDir,
    keys: options.keys,
    root: options.root,
    clock: options.clock,
    ...(options.hostnames !== undefined ? { hostnames: options.hostnames } : {}),
  });
  return { credentials: issued.credentials, source: 'vigil-ca', notAfter: issued.notAfter, issuedBecause: issued.issuedBecause };
}
