/**
 * The barrier between the master key and the key store (after HashiCorp Vault's "barrier"):
 * three keys derived from the master key with HKDF-SHA-256 (RFC 5869) and the store's salt.
 *
 *   verifier  = HKDF(master, salt, "vigil/keystore/v1/verifier")   stored; proves the master key
 *   entry key = HKDF(master, salt, "vigil/keystore/v1/entry")      AES-256-GCM over each stored key
 *   mac key   = HKDF(master, salt, "vigil/keystore/v1/integrity")  HMAC-SHA-256 over the whole store
 *   hash root = HKDF(master, salt, "vigil/keystore/v1/keyed-hash") root of the keyed hashes
 *               (keyed-hash.ts): blind indexes and fingerprints, one derived key per domain;
 *               a store re-sealed for recovery carries its original root sealed under the
 *               entry key instead (`hashRoot`), so its blind indexes stay valid
 *
 * MUST: the master key is used only through HKDF, never directly as a cipher key, so each use
 *       has its own key (RFC 5869 §3.2, domain separation by `info`).
 * MUST: the verifier and the MAC are compared in constant time (crypto.timingSafeEqual).
 * MUST: each entry is sealed with its id, purpose and algorithm as AAD, so entries cannot be
 *       swapped or relabelled without detection.
 */
import { createHmac, createSecretKey, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import { gcmOpen, gcmSeal } from './aes-256-gcm.js';
import type { KeyAlgorithm, KeyPurpose } from './ports.js';

const LABEL_VERIFIER = 'vigil/keystore/v1/verifier';
const LABEL_ENTRY = 'vigil/keystore/v1/entry';
const LABEL_INTEGRITY = 'vigil/keystore/v1/integrity';
const LABEL_KEYED_HASH = 'vigil/keystore/v1/keyed-hash';
/** AAD of a carried keyed-hash root (a store re-sealed for recovery keeps its blind indexes). */
const LABEL_HASH_ROOT = 'vigil/keystore/v1/keyed-hash-root';
const DERIVED_BYTES = 32;

export interface EntryLabel {
  readonly id: string;
  readonly purpose: KeyPurpose;
  readonly algorithm: KeyAlgorithm;
}

export class StoreBarrier {
  readonly #verifier: Buffer;
  readonly #entryKey: KeyObject;
  readonly #macKey: KeyObject;
  #keyedHashRoot: KeyObject;

  private constructor(verifier: Buffer, entryKey: KeyObject, macKey: KeyObject, keyedHashRoot: KeyObject) {
    this.#verifier = verifier;
    this.#entryKey = entryKey;
    this.#macKey = macKey;
    this.#keyedHashRoot = keyedHashRoot;
  }

  /** Derives the barrier keys. The caller still owns (and zeroes) `masterKey`. */
  static derive(masterKey: Uint8Array, salt: Uint8Array): StoreBarrier {
    const derive = (label: string): Buffer => Buffer.from(hkdfSync('sha256', masterKey, salt, label, DERIVED_BYTES));
    const entry = derive(LABEL_ENTRY);
    const mac = derive(LABEL_INTEGRITY);
    const hashRoot = derive(LABEL_KEYED_HASH);
    const barrier = new StoreBarrier(derive(LABEL_VERIFIER), createSecretKey(entry), createSecretKey(mac), createSecretKey(hashRoot));
    entry.fill(0);
    mac.fill(0);
    hashRoot.fill(0);
    return barrier;
  }

  /**
   * The HMAC key of one keyed-hash domain: HKDF(hash root, no salt, "vigil/keyed-hash/v1/<domain>").
   * Stable for the life of the store (it depends on the master key and salt only, not on KEK
   * rotation), which a blind index needs.
   */
  keyedHashKey(domain: string): KeyObject {
    const bytes = Buffer.from(hkdfSync('sha256', this.#keyedHashRoot, Buffer.alloc(0), `vigil/keyed-hash/v1/${domain}`, DERIVED_BYTES));
    try {
      return createSecretKey(bytes);
    } finally {
      bytes.fill(0);
    }
  }

  /**
   * The keyed-hash root as bytes, only to carry it into a store re-sealed for recovery
   * (recovery-key-store.ts): blind indexes must survive a change of master key.
   */
  keyedHashRootBytes(): Buffer {
    return this.#keyedHashRoot.export();
  }

  /** Replaces the derived keyed-hash root with one carried by the store (a recovered store). */
  useKeyedHashRoot(root: Uint8Array): void {
    this.#keyedHashRoot = createSecretKey(Buffer.from(root));
  }

  sealHashRoot(root: Uint8Array): Buffer {
    return gcmSeal(this.#entryKey, root, Buffer.from(LABEL_HASH_ROOT, 'utf8'));
  }

  openHashRoot(sealed: Uint8Array): Buffer | undefined {
    return gcmOpen(this.#entryKey, sealed, Buffer.from(LABEL_HASH_ROOT, 'utf8'));
  }

  verifier(): Buffer {
    return Buffer.from(this.#verifier);
  }

  /** True when `stored` was made by the same master key and salt. */
  verifierMatches(stored: Uint8Array): boolean {
    return stored.length === this.#verifier.length && timingSafeEqual(stored, this.#verifier);
  }

  mac(canonical: string): Buffer {
    return createHmac('sha256', this.#macKey).update(canonical, 'utf8').digest();
  }

  macMatches(canonical: string, stored: Uint8Array): boolean {
    const expected = this.mac(canonical);
    return stored.length === expected.length && timingSafeEqual(stored, expected);
  }

  sealEntry(label: EntryLabel, keyBytes: Uint8Array): Buffer {
    return gcmSeal(this.#entryKey, keyBytes, entryAad(label));
  }

  /** The key bytes, or undefined when the entry does not authenticate under this label. */
  openEntry(label: EntryLabel, sealed: Uint8Array): Buffer | undefined {
    return gcmOpen(this.#entryKey, sealed, entryAad(label));
  }
}

function entryAad(label: EntryLabel): Buffer {
  return Buffer.from(`${LABEL_ENTRY}\0${label.id}\0${label.purpose}\0${label.algorithm}`, 'utf8');
}
