/**
 * Envelope encryption (the Sealer port). Per seal: a fresh random 256-bit data key encrypts the
 * payload with AES-256-GCM; the KeyProvider wraps that data key under its active KEK.
 * The caller's `context` is authenticated on both layers, so a value copied to another row,
 * column or tenant does not open.
 *
 * MUST: never reuse a data key: one per seal, zeroed after use.
 * MUST: every failure to open (tampered part, wrong context, unknown or wrong KEK) is
 *       KEYS_CIPHERTEXT_INVALID and releases no plaintext.
 * MUST: `rewrap` authenticates the whole value before it re-wraps, and never changes the payload.
 */
import { randomBytes, createSecretKey } from 'node:crypto';
import { AppError, isAppError } from '../kernel/index.js';
import { AES_256_KEY_BYTES, gcmDecrypt, gcmEncrypt } from './aes-256-gcm.js';
import type { KeyProvider, Sealer } from './ports.js';
import { formatSealedValue, parseSealedValue, SEALED_VERSION, type SealedValue } from './sealed-value.js';

const MAX_CONTEXT_LENGTH = 1024;

export function createEnvelopeSealer(keys: KeyProvider): Sealer {
  return new EnvelopeSealer(keys);
}

class EnvelopeSealer implements Sealer {
  readonly #keys: KeyProvider;

  constructor(keys: KeyProvider) {
    this.#keys = keys;
  }

  seal(plaintext: Uint8Array, context: string): string {
    checkContext(context);
    const dataKey = randomBytes(AES_256_KEY_BYTES);
    try {
      const { iv, ciphertext, tag } = gcmEncrypt(createSecretKey(dataKey), plaintext, aad('payload', context));
      const { kekId, wrapped } = this.#keys.wrapDataKey(dataKey, aad('data-key', context));
      return formatSealedValue({ kekId, wrappedKey: Buffer.from(wrapped), iv, ciphertext, tag });
    } finally {
      dataKey.fill(0);
    }
  }

  open(sealed: string, context: string): Uint8Array {
    checkContext(context);
    return this.#open(parseSealedValue(sealed), context);
  }

  rewrap(sealed: string, context: string): string {
    checkContext(context);
    const value = parseSealedValue(sealed);
    this.#open(value, context).fill(0); // authenticate the payload too, not only the data key
    const activeId = this.#keys.active('kek').id;
    if (value.kekId === activeId) return sealed;
    const dataKey = this.#unwrap(value, context);
    try {
      const { kekId, wrapped } = this.#keys.wrapDataKey(dataKey, aad('data-key', context));
      return formatSealedValue({ ...value, kekId, wrappedKey: Buffer.from(wrapped) });
    } finally {
      dataKey.fill(0);
    }
  }

  keyIdOf(sealed: string): string {
    return parseSealedValue(sealed).kekId;
  }

  activeKeyId(): string {
    return this.#keys.active('kek').id;
  }

  #open(value: SealedValue, context: string): Buffer {
    const dataKey = this.#unwrap(value, context);
    try {
      const plaintext = gcmDecrypt(createSecretKey(dataKey), value, aad('payload', context));
      if (plaintext === undefined) {
        throw new AppError('KEYS_CIPHERTEXT_INVALID', { detail: `sealed value under ${value.kekId} does not authenticate (payload)` });
      }
      return plaintext;
    } finally {
      dataKey.fill(0);
    }
  }

  #unwrap(value: SealedValue, context: string): Buffer {
    let dataKey: Uint8Array;
    try {
      dataKey = this.#keys.unwrapDataKey(value.kekId, value.wrappedKey, aad('data-key', context));
    } catch (error) {
      if (isAppError(error) && (error.code === 'KEYS_KEY_NOT_FOUND' || error.code === 'KEYS_CIPHERTEXT_INVALID')) {
        throw new AppError('KEYS_CIPHERTEXT_INVALID', { detail: `sealed value under ${value.kekId} does not open: ${error.message}`, cause: error });
      }
      throw error;
    }
    if (dataKey.length !== AES_256_KEY_BYTES) {
      throw new AppError('KEYS_CIPHERTEXT_INVALID', { detail: `sealed value under ${value.kekId} has a data key of the wrong size` });
    }
    return Buffer.from(dataKey.buffer, dataKey.byteOffset, dataKey.byteLength);
  }
}

/** AAD of a layer: "vigil/seal/v1/<layer>" NUL context. The context is last, so no ambiguity. */
function aad(layer: 'payload' | 'data-key', context: string): Buffer {
  return Buffer.from(`vigil/seal/${SEALED_VERSION}/${layer}\0${context}`, 'utf8');
}

function checkContext(context: string): void {
  if (typeof context !== 'string' || context.length === 0 || context.length > MAX_CONTEXT_LENGTH) {
    throw new AppError('INTERNAL', { detail: `a seal context must be a string of 1..${MAX_CONTEXT_LENGTH} characters` });
  }
}
