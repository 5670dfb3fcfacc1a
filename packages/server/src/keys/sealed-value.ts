/**
 * The text form of an envelope-sealed value (see envelope-sealer.ts):
 *
 *   v1.<kekId>.<wrapped data key>.<iv>.<ciphertext>.<tag>
 *
 * every binary part unpadded base64url (RFC 4648 §5). The wrapped data key is the KeyProvider's
 * opaque blob (locally IV || encrypted key || tag); the rest is the payload's AES-256-GCM output.
 *
 * MUST: parsing is strict: the version, a well-formed KEK id, canonical base64url, and the
 *       exact lengths of IV and tag; anything else is KEYS_CIPHERTEXT_INVALID.
 */
import { AppError } from '../kernel/index.js';
import { GCM_IV_BYTES, GCM_TAG_BYTES } from './aes-256-gcm.js';
import { isKeyId } from './key-id.js';
import { decodeBase64Url, encodeBase64Url } from './strict-base64url.js';

export const SEALED_VERSION = 'v1';
/** Bounds the blob a provider may hand back; a local one is 60 bytes. */
const MAX_WRAPPED_BYTES = 1024;

export interface SealedValue {
  readonly kekId: string;
  readonly wrappedKey: Buffer;
  readonly iv: Buffer;
  readonly ciphertext: Buffer;
  readonly tag: Buffer;
}

export function formatSealedValue(value: SealedValue): string {
  return [
    SEALED_VERSION,
    value.kekId,
    encodeBase64Url(value.wrappedKey),
    encodeBase64Url(value.iv),
    encodeBase64Url(value.ciphertext),
    encodeBase64Url(value.tag),
  ].join('.');
}

export function parseSealedValue(text: string): SealedValue {
  if (typeof text !== 'string') throw invalid('is not a string');
  const parts = text.split('.');
  if (parts.length !== 6) throw invalid('does not have six parts');
  const [version, kekId, wrapped, iv, ciphertext, tag] = parts as [string, string, string, string, string, string];
  if (version !== SEALED_VERSION) throw invalid('has an unknown version');
  if (!isKeyId(kekId) || !kekId.startsWith('kek-')) throw invalid('names a malformed key id');
  const wrappedKey = decodeBase64Url(wrapped);
  const ivBytes = decodeBase64Url(iv);
  const ciphertextBytes = decodeBase64Url(ciphertext);
  const tagBytes = decodeBase64Url(tag);
  if (wrappedKey === undefined || wrappedKey.length === 0 || wrappedKey.length > MAX_WRAPPED_BYTES) throw invalid('has a malformed wrapped key');
  if (ivBytes?.length !== GCM_IV_BYTES) throw invalid('has a malformed IV');
  if (ciphertextBytes === undefined) throw invalid('has a malformed ciphertext');
  if (tagBytes?.length !== GCM_TAG_BYTES) throw invalid('has a malformed tag');
  return { kekId, wrappedKey, iv: ivBytes, ciphertext: ciphertextBytes, tag: tagBytes };
}

function invalid(what: string): AppError {
  return new AppError('KEYS_CIPHERTEXT_INVALID', { detail: `sealed value ${what}` });
}
