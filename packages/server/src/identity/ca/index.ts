/**
 * identity/ca: the public surface of Vigil's certificate authority.
 * Today: the root CA, the HTTPS server certificate it issues, and operator-supplied TLS material.
 * Device certificates (CSR checks, issue, renew, revoke, CRL) will be added here.
 *
 * MUST: the CA signs only through the KeyProvider's non-extractable CA key; no CA private key
 *       bytes exist in this module.
 */
export { initRootCa, openRootCa, ROOT_CA_NAME, type RootCa, type RootCaOptions } from './root-ca.js';
export {
  ensureServerCertificate,
  serverCertificateRenewalReason,
  RENEW_BEFORE_DAYS,
  SERVER_CERT_VALIDITY_DAYS,
  type RenewalCheck,
  type ServerCertificate,
  type ServerCertificateOptions,
} from './server-certificate.js';
export { resolveHttpsCredentials, type HttpsCredentials, type HttpsCredentialsOptions } from './https-credentials.js';
export { loadOperatorTlsCredentials, checkOperatorTlsCredentials, type OperatorTlsFiles, type OperatorTlsMaterial } from './operator-tls.js';
export { serverNames, parseHostname, type SubjectAltName } from './subject-alt-names.js';
export { caPaths, type CaPaths } from './ca-files.js';
