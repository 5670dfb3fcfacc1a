/**
 * The broker's coded refusal reasons: OpenSSL verification errors and aedes errors mapped to
 * reasons, and the severity of the security event each reason emits (low when not listed).
 */
import type { SecuritySeverity } from '../../kernel/index.js';

export const TLS_REASONS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not-yet-valid',
  CERT_REVOKED: 'revoked',
  UNABLE_TO_GET_ISSUER_CERT: 'foreign-ca',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'foreign-ca',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'foreign-ca',
  SELF_SIGNED_CERT_IN_CHAIN: 'foreign-ca',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'foreign-ca',
  CERT_SIGNATURE_FAILURE: 'foreign-ca',
};

export const AEDES_ERRORS: ReadonlyArray<readonly [RegExp, string]> = [
  [/too many levels/, 'topic-too-deep'],
  [/connect did not arrive in time/, 'connect-timeout'],
  [/keep ?alive/i, 'keepalive'],
  [/unacceptable protocol version/i, 'protocol-version'],
];

export const SEVERITY: Record<string, SecuritySeverity> = {
  'foreign-ca': 'high',
  expired: 'medium',
  revoked: 'high',
  'client-id-mismatch': 'high',
  'publish-acl': 'high',
  'subscribe-acl': 'high',
  wildcard: 'high',
  retained: 'medium',
  'packet-too-large': 'medium',
  'topic-too-deep': 'medium',
  'rate-limited': 'medium',
  'connection-rate': 'medium',
};
