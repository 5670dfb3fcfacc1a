/**
 * Verifier for ECDSA P-256 / SHA-256 signatures (FIPS 186-5 §6.4.2, curve P-256 from SP 800-186)
 * in IEEE P1363 form (r || s, 64 bytes), against a public key in SPKI PEM. Used for signed
 * device telemetry (the device's certificate key).
 *
 * MUST: return false, never throw, on any malformed input: a key that is not one SPKI PEM
 *       block, a key of another type or curve, a signature that is not 64 bytes.
 * MUST: accept only a PUBLIC KEY block (never derive a public key from private material).
 */
import { createPublicKey, verify } from 'node:crypto';
import type { Verifier } from './ports.js';

const P1363_P256_BYTES = 64;
const SPKI_PEM = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----$/;

export const ecdsaP256Verifier: Verifier = {
  verify(publicKeyPem: string, data: Uint8Array, signature: Uint8Array): boolean {
    try {
      if (typeof publicKeyPem !== 'string' || !SPKI_PEM.test(publicKeyPem.trim())) return false;
      if (!(data instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false;
      if (signature.length !== P1363_P256_BYTES) return false;
      const key = createPublicKey({ key: publicKeyPem, format: 'pem' });
      if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return false;
      return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    } catch {
      return false;
    }
  },
};
