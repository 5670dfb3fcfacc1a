/**
 * Verifier for Ed25519 signatures (RFC 8032 §5.1.7) against a public key in SPKI PEM.
 *
 * MUST: return false, never throw, on any malformed input: a key that is not one SPKI PEM
 *       block, a key of another algorithm, a signature that is not 64 bytes.
 * MUST: accept only a PUBLIC KEY block. node:crypto would derive a public key from a private
 *       PEM, which would let a caller "verify" with material it should never hold.
 */
import { createPublicKey, verify } from 'node:crypto';
import type { Verifier } from './ports.js';

const ED25519_SIGNATURE_BYTES = 64;
const SPKI_PEM = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----$/;

export const ed25519Verifier: Verifier = {
  verify(publicKeyPem: string, data: Uint8Array, signature: Uint8Array): boolean {
    try {
      if (typeof publicKeyPem !== 'string' || !SPKI_PEM.test(publicKeyPem.trim())) return false;
      if (!(data instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false;
      if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
      const key = createPublicKey({ key: publicKeyPem, format: 'pem' });
      if (key.asymmetricKeyType !== 'ed25519') return false;
      return verify(null, data, key, signature);
    } catch {
      return false;
    }
  },
};
