/**
 * Key material per purpose: generate it, serialise it for sealing, and load it back.
 * kek: 32 random bytes (AES-256-GCM). audit-signing: Ed25519 (RFC 8032).
 * ca-root, ca-device, tls-server: ECDSA over P-256 (FIPS 186-5), PKCS#8.
 *
 * MUST: the algorithm of a purpose is pinned here and checked again on load, so a stored entry
 *       cannot turn an audit key into, say, an RSA key.
 * MUST: serialised bytes are zeroed by the caller once sealed or loaded.
 */
import { createPrivateKey, createPublicKey, createSecretKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { AES_256_KEY_BYTES } from './aes-256-gcm.js';
import type { KeyAlgorithm, KeyPurpose } from './ports.js';

export const ALGORITHM_OF: Readonly<Record<KeyPurpose, KeyAlgorithm>> = {
  kek: 'AES-256-GCM',
  'audit-signing': 'Ed25519',
  'ca-root': 'ECDSA-P256',
  'tls-server': 'ECDSA-P256',
  'ca-device': 'ECDSA-P256',
  'tuf-timestamp': 'Ed25519',
  'tuf-snapshot': 'Ed25519',
  'tuf-targets': 'Ed25519',
  'tuf-delegation': 'Ed25519',
};

/** A loaded key: the secret half as a KeyObject, and the public half for asymmetric keys. */
export interface KeyMaterial {
  readonly algorithm: KeyAlgorithm;
  readonly key: KeyObject;
  readonly publicKeyPem?: string;
}

export function generateKeyMaterial(purpose: KeyPurpose): KeyMaterial {
  const algorithm = ALGORITHM_OF[purpose];
  switch (algorithm) {
    case 'AES-256-GCM': {
      const raw = randomBytes(AES_256_KEY_BYTES);
      const key = createSecretKey(raw);
      raw.fill(0);
      return { algorithm, key };
    }
    case 'Ed25519': {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      return { algorithm, key: privateKey, publicKeyPem: spkiPem(publicKey) };
    }
    case 'ECDSA-P256': {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      return { algorithm, key: privateKey, publicKeyPem: spkiPem(publicKey) };
    }
  }
}

/** The bytes to seal: raw for a KEK, PKCS#8 DER for a private key. The caller zeroes them. */
export function exportKeyMaterial(material: KeyMaterial): Buffer {
  return material.algorithm === 'AES-256-GCM'
    ? material.key.export()
    : material.key.export({ format: 'der', type: 'pkcs8' });
}

/** Loads sealed-then-opened bytes; undefined when they are not a key of `algorithm`. */
export function importKeyMaterial(algorithm: KeyAlgorithm, bytes: Buffer): KeyMaterial | undefined {
  try {
    if (algorithm === 'AES-256-GCM') {
      return bytes.length === AES_256_KEY_BYTES ? { algorithm, key: createSecretKey(bytes) } : undefined;
    }
    const key = createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' });
    const ok =
      algorithm === 'Ed25519'
        ? key.asymmetricKeyType === 'ed25519'
        : key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
    return ok ? { algorithm, key, publicKeyPem: spkiPem(createPublicKey(key)) } : undefined;
  } catch {
    return undefined;
  }
}

function spkiPem(publicKey: KeyObject): string {
  return publicKey.export({ format: 'pem', type: 'spki' }).toString();
}
