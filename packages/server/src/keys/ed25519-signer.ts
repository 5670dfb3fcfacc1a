/**
 * Signer over one Ed25519 key (RFC 8032, "pure" Ed25519: node:crypto sign with a null digest).
 *
 * MUST: a signer refuses to sign once its key is retired (KEYS_KEY_NOT_FOUND); retired keys
 *       only verify. A holder of a stale Signer therefore cannot sign with a rotated-out key.
 * MUST: the private key stays inside this object as a KeyObject; it is never exported.
 */
import { sign, type KeyObject } from 'node:crypto';
import { AppError } from '../kernel/index.js';
import type { Signer } from './ports.js';

export class Ed25519Signer implements Signer {
  readonly keyId: string;
  readonly algorithm = 'Ed25519' as const;
  readonly #privateKey: KeyObject;
  readonly #publicKeyPem: string;
  readonly #isActive: () => boolean;

  constructor(keyId: string, privateKey: KeyObject, publicKeyPem: string, isActive: () => boolean) {
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new TypeError('Ed25519Signer needs an Ed25519 private key');
    this.keyId = keyId;
    this.#privateKey = privateKey;
    this.#publicKeyPem = publicKeyPem;
    this.#isActive = isActive;
  }

  sign(data: Uint8Array): Uint8Array {
    if (!this.#isActive()) {
      throw new AppError('KEYS_KEY_NOT_FOUND', { detail: `signing key ${this.keyId} is retired; get a new signer for the active key` });
    }
    return sign(null, data, this.#privateKey);
  }

  publicKeyPem(): string {
    return this.#publicKeyPem;
  }
}
