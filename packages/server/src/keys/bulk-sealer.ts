/**
 * Bulk sealing (the BulkSealer port): many small values (a vital sign's 8 bytes) sealed with
 * AES-256-GCM (NIST SP 800-38D) under a shared data key, instead of one data key per value as the
 * envelope Sealer does. The data key is wrapped under the active KEK by the KeyProvider and kept,
 * wrapped, in the database (WrappedDataKeyStore), so that a KEK rotation re-wraps a few data keys
 * and never touches the values. See docs/adr/0008-vitals-at-rest.md.
 *
 *   sealed value = 0x01 || data key id (16 bytes) || IV (12) || ciphertext || tag (16)
 *   payload AAD  = "vigil/bulk/v1/payload" NUL context   (the caller's row identity)
 *   wrap AAD     = "vigil/bulk/v1/data-key" NUL data key id
 *
 * MUST: a data key is stored (wrapped) and committed before it seals anything (`prepare`), so no
 *       committed value ever names a key the database does not hold.
 * MUST: a data key seals at most MAX_SEALS_PER_KEY values (random 96-bit IVs: far below the 2^32
 *       invocations SP 800-38D §8.3 allows) and for at most KEY_LIFETIME_MS; then a fresh one is drawn.
 * MUST: the context binds a value to its row (org, device, seq, index, time, patient, metric for a
 *       reading), so a value copied or swapped into another row does not open.
 * MUST: every failure to open is KEYS_CIPHERTEXT_INVALID and releases no plaintext.
 * MUST: unwrapped data keys live only in this object's bounded cache, as KeyObjects.
 */
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { AppError, isAppError, type Clock } from '../kernel/index.js';
import { AES_256_KEY_BYTES, gcmOpen, GCM_OVERHEAD_BYTES, gcmSealInto } from './aes-256-gcm.js';
import type { BulkSealer, KeyProvider, WrappedDataKey, WrappedDataKeyStore } from './ports.js';
import { decodeBase64Url, encodeBase64Url } from './strict-base64url.js';

const VERSION = 0x01;
const ID_BYTES = 16;
const HEADER_BYTES = 1 + ID_BYTES;
export const MAX_SEALS_PER_KEY = 2 ** 24;
export const KEY_LIFETIME_MS = 3_600_000;
const CACHE_LIMIT = 4096;
const PAYLOAD_LABEL = 'vigil/bulk/v1/payload\0';
const REWRAP_BATCH = 500;

interface CurrentKey {
  readonly id: string;
  readonly idBytes: Buffer;
  readonly key: KeyObject;
  readonly createdMs: number;
  seals: number;
}

export function createBulkSealer(keys: KeyProvider, store: WrappedDataKeyStore, clock: Clock): BulkSealer {
  return new StoredKeyBulkSealer(keys, store, clock);
}

class StoredKeyBulkSealer implements BulkSealer {
  #current: CurrentKey | undefined;
  #preparing: Promise<void> | undefined;
  readonly #cache = new Map<string, KeyObject>();

  constructor(
    private readonly keys: KeyProvider,
    private readonly store: WrappedDataKeyStore,
    private readonly clock: Clock,
  ) {}

  prepare(): Promise<void> {
    if (this.#usable(this.#current)) return Promise.resolve();
    this.#preparing ??= this.#newKey().finally(() => (this.#preparing = undefined));
    return this.#preparing;
  }

  seal(plaintext: Uint8Array, context: string): Buffer {
    const current = this.#current;
    if (current === undefined || current.seals >= MAX_SEALS_PER_KEY) {
      throw new AppError('INTERNAL', { detail: 'bulk sealer: prepare() must run (and finish) before sealing' });
    }
    current.seals += 1;
    // One buffer for the whole value: header, then gcmSeal's layout (IV || ciphertext || tag).
    const out = Buffer.allocUnsafe(HEADER_BYTES + GCM_OVERHEAD_BYTES + plaintext.length);
    out[0] = VERSION;
    current.idBytes.copy(out, 1);
    gcmSealInto(current.key, plaintext, payloadAad(context), out, HEADER_BYTES);
    return out;
  }

  async openMany(values: readonly { readonly sealed: Uint8Array; readonly context: string }[]): Promise<Buffer[]> {
    const missing = new Set<string>();
    for (const v of values) {
      const id = keyIdOf(v.sealed);
      if (!this.#cache.has(id)) missing.add(id);
    }
    if (missing.size > 0) await this.#load([...missing]);
    return values.map((v) => this.#open(v.sealed, v.context));
  }

  async rewrapDataKeys(): Promise<number> {
    const kekId = this.keys.active('kek').id;
    let rewrapped = 0;
    for (;;) {
      const batch = await this.store.notUnder(kekId, REWRAP_BATCH);
      if (batch.length === 0) return rewrapped;
      for (const row of batch) {
        const raw = this.#unwrap(row);
        try {
          const { kekId: to, wrapped } = this.keys.wrapDataKey(raw, wrapAad(row.id));
          if (await this.store.replaceWrap(row.id, row.kekId, { kekId: to, wrapped })) rewrapped += 1;
        } finally {
          raw.fill(0);
        }
      }
    }
  }

  #usable(current: CurrentKey | undefined): current is CurrentKey {
    return current !== undefined && current.seals < MAX_SEALS_PER_KEY && this.clock.now().getTime() - current.createdMs < KEY_LIFETIME_MS;
  }

  async #newKey(): Promise<void> {
    const idBytes = randomBytes(ID_BYTES);
    const id = encodeBase64Url(idBytes);
    const raw = randomBytes(AES_256_KEY_BYTES);
    try {
      const { kekId, wrapped } = this.keys.wrapDataKey(raw, wrapAad(id));
      const now = this.clock.now();
      await this.store.insert({ id, kekId, wrapped, createdAt: now.toISOString() });
      const key = createSecretKey(raw);
      this.#remember(id, key);
      this.#current = { id, idBytes, key, createdMs: now.getTime(), seals: 0 };
    } finally {
      raw.fill(0);
    }
  }

  async #load(ids: readonly string[]): Promise<void> {
    const rows = await this.store.find(ids);
    for (const row of rows) {
      const raw = this.#unwrap(row);
      try {
        this.#remember(row.id, createSecretKey(raw));
      } finally {
        raw.fill(0);
      }
    }
  }

  #unwrap(row: WrappedDataKey): Buffer {
    let raw: Uint8Array;
    try {
      raw = this.keys.unwrapDataKey(row.kekId, row.wrapped, wrapAad(row.id));
    } catch (error) {
      if (isAppError(error) && (error.code === 'KEYS_KEY_NOT_FOUND' || error.code === 'KEYS_CIPHERTEXT_INVALID')) {
        throw new AppError('KEYS_CIPHERTEXT_INVALID', { detail: `data key ${row.id} under ${row.kekId} does not open: ${error.message}`, cause: error });
      }
      throw error;
    }
    if (raw.length !== AES_256_KEY_BYTES) throw new AppError('KEYS_CIPHERTEXT_INVALID', { detail: `data key ${row.id} has the wrong size` });
    return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  }

  #remember(id: string, key: KeyObject): void {
    if (this.#cache.size >= CACHE_LIMIT) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(id, key);
  }

  #open(sealed: Uint8Array, context: string): Buffer {
    const id = keyIdOf(sealed);
    const key = this.#cache.get(id);
    if (key === undefined) throw new AppError('KEYS_CIPHERTEXT_INVALID', { detail: `sealed value names data key ${id}, which is not stored` });
    const plaintext = gcmOpen(key, sealed.subarray(HEADER_BYTES), payloadAad(context));
    if (plaintext === undefined) throw new AppError('KEYS_CIPHERTEXT_INVALID', { detail: `sealed value under data key ${id} does not authenticate` });
    return plaintext;
  }
}

function keyIdOf(sealed: Uint8Array): string {
  if (!(sealed instanceof Uint8Array) || sealed.length < HEADER_BYTES + GCM_OVERHEAD_BYTES || sealed[0] !== VERSION) {
    throw new AppError('KEYS_CIPHERTEXT_INVALID', { detail: 'sealed value is malformed (version or length)' });
  }
  return encodeBase64Url(Buffer.from(sealed.buffer, sealed.byteOffset + 1, ID_BYTES));
}

function payloadAad(context: string): Buffer {
  return Buffer.from(PAYLOAD_LABEL + context, 'utf8');
}

function wrapAad(id: string): Buffer {
  if (decodeBase64Url(id)?.length !== ID_BYTES) throw new AppError('KEYS_CIPHERTEXT_INVALID', { detail: 'malformed data key id' });
  return Buffer.from(`vigil/bulk/v1/data-key\0${id}`, 'utf8');
}
