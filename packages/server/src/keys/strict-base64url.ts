/**
 * Base64url (RFC 4648 §5) without padding, decoded strictly.
 *
 * MUST: decoding accepts only the canonical encoding of some byte string. Node's decoder
 *       ignores stray characters and the unused low bits of the last character, so two
 *       different strings could name the same bytes; a sealed value must have one spelling.
 */
const ALPHABET = /^[A-Za-z0-9_-]*$/;

export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** The bytes, or undefined when `text` is not canonical unpadded base64url. */
export function decodeBase64Url(text: string): Buffer | undefined {
  if (!ALPHABET.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}
