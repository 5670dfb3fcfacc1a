/**
 * identity/ca: the public surface of Vigil's certificate authority.
 * The root CA, the HTTPS server certificate it issues, operator-supplied TLS material, and the
 * device CA (CSR checks, device certificates, CRL).
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
export {
  ensureDeviceCa,
  openDeviceCa,
  deviceUrn,
  DeviceCertificateIssuer,
  DEVICE_CA_NAME,
  DEFAULT_DEVICE_CERT_VALIDITY_DAYS,
  CRL_VALIDITY_HOURS,
  type DeviceCa,
  type DeviceCaOptions,
  type DeviceCertificateIssuerOptions,
  type IssuedCertificate,
} from './device-ca.js';
export {
  checkCsr,
  parseCsr,
  checkKeyType,
  checkSignature,
  checkNoCaExtensions,
  deviceCsrChecks,
  DEFAULT_CSR_KEY_POLICY,
  MAX_CSR_PEM_LENGTH,
  type CsrCheck,
  type CsrKeyPolicy,
  type CsrRefusal,
  type EcCurve,
  type ParsedCsr,
} from './csr-checks.js';
