/**
 * AES-256-GCM (NIST SP 800-38D) through node:crypto, with the parameters Vigil pins.
 * Every secret-key encryption in keys/ goes through here; nothing else calls createCipheriv.
 *
 * MUST: each encryption draws a fresh random 96-bit IV (SP 800-38D §8.2.2, RBG-based IVs).
 *       Keys here are single-purpose and see far fewer than the 2^32 invocations that allows.
 * MUST: the tag is the full 128 bits and is checked at that length (`authTagLength`), so a
 *       truncated tag is refused rather than checked on fewer bits (SP 800-38D §5.2.1.2).
 * MUST: a failed check releases no plaintext: `gcmOpen` returns undefined instead.
 */
import { createCipheriv, createDecipheriv, randomFillSync, type KeyObject } from 'node:crypto';

export const AES_256_KEY_BYTES = 32;
export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;
/** Bytes that `gcmSeal` adds to the plaintext: IV in front, tag behind. */
export const GCM_OVERHEAD_BYTES = GCM_IV_BYTES + GCM_TAG_BYTES;

const CIPHER = 'aes-256-gcm';

/**
 * IVs are drawn from the CSPRNG in bulk (4 KiB at a time) and handed out once each: still fresh
 * random IVs, without a call into the RNG per encryption (the vitals seal one value per reading).
 */
const IV_POOL_BYTES = GCM_IV_BYTES * 341;
let ivPool = Buffer.alloc(0);
let ivOffset = 0;

/** Copies a fresh IV into `out` at `offset` and returns that view of `out`. */
function freshIvInto(out: Buffer, offset: number): Buffer {
  if (ivOffset + GCM_IV_BYTES > ivPool.length) {
    // Its own allocation (not Buffer's shared pool), so the zeroing below reaches no other buffer.
    ivPool = randomFillSync(Buffer.allocUnsafeSlow(IV_POOL_BYTES));
    ivOffset = 0;
  }
  // Each IV is copied out and its bytes in the pool zeroed: no IV is ever handed out twice.
  ivPool.copy(out, offset, ivOffset, ivOffset + GCM_IV_BYTES);
  ivPool.fill(0, ivOffset, ivOffset + GCM_IV_BYTES);
  ivOffset += GCM_IV_BYTES;
  return out.subarray(offset, offset + GCM_IV_BYTES);
}

function freshIv(): Buffer {
  return freshIvInto(Buffer.allocUnsafe(GCM_IV_BYTES), 0);
}

export interface GcmParts {
  readonly iv: Buffer;
  readonly ciphertext: Buffer;
  readonly tag: Buffer;
}

export function gcmEncrypt(key: KeyObject, plaintext: Uint8Array, aad: Uint8Array): GcmParts {
  assertAes256(key);
  const iv = freshIv();
  const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

/** The plaintext, or undefined when the parts do not authenticate under this key and AAD. */
export function gcmDecrypt(key: KeyObject, parts: GcmParts, aad: Uint8Array): Buffer | undefined {
  assertAes256(key);
  if (parts.iv.length !== GCM_IV_BYTES || parts.tag.length !== GCM_TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv(CIPHER, key, parts.iv, { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(parts.tag);
    return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** One buffer: IV || ciphertext || tag. */
export function gcmSeal(key: KeyObject, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(GCM_OVERHEAD_BYTES + plaintext.length);
  gcmSealInto(key, plaintext, aad, out, 0);
  return out;
}

/**
 * `gcmSeal`'s layout (IV || ciphertext || tag) written into `out` from `offset`, which must leave
 * room for GCM_OVERHEAD_BYTES + plaintext.length bytes: the hot path of the vitals (one value per
 * reading) then allocates one buffer per value instead of five.
 */
export function gcmSealInto(key: KeyObject, plaintext: Uint8Array, aad: Uint8Array, out: Buffer, offset: number): void {
  assertAes256(key);
  if (out.length - offset < GCM_OVERHEAD_BYTES + plaintext.length) throw new RangeError('gcmSealInto: output too short');
  const iv = freshIvInto(out, offset);
  const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const rest = cipher.final(); // GCM is a stream mode: empty, but final() is what computes the tag
  let at = offset + GCM_IV_BYTES;
  at += body.copy(out, at);
  at += rest.copy(out, at);
  cipher.getAuthTag().copy(out, at);
}

/** Opens what `gcmSeal` made; undefined when it is too short or does not authenticate. */
export function gcmOpen(key: KeyObject, sealed: Uint8Array, aad: Uint8Array): Buffer | undefined {
  if (sealed.length < GCM_OVERHEAD_BYTES) return undefined;
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  return gcmDecrypt(
    key,
    {
      iv: bytes.subarray(0, GCM_IV_BYTES),
      ciphertext: bytes.subarray(GCM_IV_BYTES, bytes.length - GCM_TAG_BYTES),
      tag: bytes.subarray(bytes.length - GCM_TAG_BYTES),
    },
    aad,
  );
}

/** Keys already checked (KeyObjects are immutable): the check asks the native handle twice. */
const checkedKeys = new WeakSet<KeyObject>();

function assertAes256(key: KeyObject): void {
  if (checkedKeys.has(key)) return;
  if (key.type !== 'secret' || key.symmetricKeySize !== AES_256_KEY_BYTES) {
    throw new TypeError('AES-256-GCM needs a 32-byte secret key');
  }
  checkedKeys.add(key);
}
