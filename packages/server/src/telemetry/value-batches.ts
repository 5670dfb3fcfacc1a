/**
 * Value blocks (ADR 0008, addendum of 2026-12-06): the group commit seals the values of a batch's
 * readings of one organization as ONE block, with one AES-256-GCM operation (keys/ BulkSealer),
 * instead of one per reading. The per-reading operation (a cipher context set up, run and torn
 * down for 8 bytes) was the largest single cost that sealing added to ingest.
 *
 *   block plaintext = per reading, in slot order: value (IEEE 754 binary64, LE) || SHA-256(readingContext)
 *   block context   = "telemetry_value_batches" NUL block id NUL org id
 *   reading's value_sealed = 0x02 || block id (16 bytes) || slot (uint32 BE)
 *
 * MUST: a reading's value opens only with its own identity: the slot holds the digest of the
 *       reading's context (org, device, seq, index, time, patient, metric), so a reference copied
 *       or swapped into another row, or a row whose identity was changed, fails to open
 *       (KEYS_CIPHERTEXT_INVALID), as the per-reading AAD did.
 * MUST: a block belongs to one organization (in its context and checked against the row): a
 *       reading never opens a block holding another organization's values.
 * MUST: a reference to a missing block, a slot outside it, or a block that does not authenticate
 *       is KEYS_CIPHERTEXT_INVALID and releases no value.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../kernel/index.js';
import type { ReadingRow } from './store.js';
import { readingContext, type ReadingIdentity, type VitalsSealing } from './value-sealing.js';

export const BATCH_REF_VERSION = 0x02;
const ID_BYTES = 16;
const REF_BYTES = 1 + ID_BYTES + 4;
const DIGEST_BYTES = 32;
const SLOT_BYTES = 8 + DIGEST_BYTES;

/** A sealed block, as stored in telemetry_value_batches. */
export interface ValueBatch {
  readonly id: string;
  readonly orgId: string;
  readonly lastMeasuredAt: string;
  readonly sealed: Buffer;
}

export interface SealedValues {
  readonly batches: readonly ValueBatch[];
  /** Each row's value_sealed (a reference into its block), in the order of the rows given. */
  readonly refs: readonly Buffer[];
}

function batchContext(id: string, orgId: string): string {
  return ['telemetry_value_batches', id, orgId].join('\u0000');
}

function contextDigest(r: ReadingIdentity): Buffer {
  return hash('sha256', readingContext(r), 'buffer') as unknown as Buffer;
}

/** Seals the values of `rows` as one block per organization. `sealing.prepare()` must have run. */
export function sealValueBatches(rows: readonly ReadingRow[], sealing: VitalsSealing): SealedValues {
  const byOrg = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const list = byOrg.get(r.orgId);
    if (list) list.push(i);
    else byOrg.set(r.orgId, [i]);
  });
  const refs: Buffer[] = new Array<Buffer>(rows.length);
  const batches: ValueBatch[] = [];
  for (const [orgId, indexes] of byOrg) {
    const idBytes = randomBytes(ID_BYTES);
    const id = idBytes.toString('base64url');
    const plaintext = Buffer.allocUnsafeSlow(indexes.length * SLOT_BYTES);
    let lastMeasuredAt = '';
    indexes.forEach((rowIndex, slot) => {
      const r = rows[rowIndex] as ReadingRow;
      plaintext.writeDoubleLE(r.value, slot * SLOT_BYTES);
      contextDigest(r).copy(plaintext, slot * SLOT_BYTES + 8);
      if (r.measuredAt > lastMeasuredAt) lastMeasuredAt = r.measuredAt;
      const ref = Buffer.allocUnsafe(REF_BYTES);
      ref[0] = BATCH_REF_VERSION;
      idBytes.copy(ref, 1);
      ref.writeUInt32BE(slot, 1 + ID_BYTES);
      refs[rowIndex] = ref;
    });
    try {
      batches.push({ id, orgId, lastMeasuredAt, sealed: sealing.seal(plaintext, batchContext(id, orgId)) });
    } finally {
      plaintext.fill(0);
    }
  }
  return { batches, refs };
}

/** Whether a stored value_sealed is a reference into a block (0x02) rather than a sealed value (0x01). */
export function isBatchRef(sealed: Uint8Array): boolean {
  return sealed.length > 0 && sealed[0] === BATCH_REF_VERSION;
}

function parseRef(sealed: Uint8Array): { readonly id: string; readonly slot: number } {
  if (sealed.length !== REF_BYTES || sealed[0] !== BATCH_REF_VERSION) {
    throw new AppError('KEYS_CIPHERTEXT_INVALID', { detail: 'value reference is malformed (version or length)' });
  }
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  return { id: bytes.toString('base64url', 1, 1 + ID_BYTES), slot: bytes.readUInt32BE(1 + ID_BYTES) };
}

/** Loads stored blocks by id (the caller's store; rows of other ids are ignored). */
export type ValueBatchLoader = (ids: readonly string[]) => Promise<readonly { readonly id: string; readonly org_id: string; readonly sealed: Uint8Array }[]>;

/**
 * The values of readings whose value_sealed is a block reference, in order: each block is loaded
 * and opened once, each slot checked against its reading's identity.
 */
export async function openBatchValues(readings: readonly { readonly ref: Uint8Array; readonly identity: ReadingIdentity }[], load: ValueBatchLoader, sealing: VitalsSealing): Promise<number[]> {
  const parsed = readings.map((r) => parseRef(r.ref));
  const ids = [...new Set(parsed.map((p) => p.id))];
  const stored = ids.length > 0 ? await load(ids) : [];
  const found = new Map(stored.map((b) => [b.id, b]));
  const blocks = ids.map((id) => {
    const b = found.get(id);
    if (b === undefined) throw new AppError('KEYS_CIPHERTEXT_INVALID', { detail: `value block ${id} is not stored` });
    return b;
  });
  const opened = await sealing.openMany(blocks.map((b) => ({ sealed: b.sealed, context: batchContext(b.id, b.org_id) })));
  const plaintexts = new Map(blocks.map((b, i) => [b.id, { orgId: b.org_id, plaintext: opened[i] as Buffer }]));
  try {
    return readings.map((r, i) => {
      const { id, slot } = parsed[i] as { id: string; slot: number };
      const block = plaintexts.get(id);
      const at = slot * SLOT_BYTES;
      if (block === undefined || block.orgId !== r.identity.orgId || at + SLOT_BYTES > block.plaintext.length) {
        throw new AppError('KEYS_CIPHERTEXT_INVALID', { detail: `reading ${r.identity.deviceId}/${r.identity.seq}/${r.identity.idx}: block ${id} has no slot ${slot} of its organization` });
      }
      if (!timingSafeEqual(block.plaintext.subarray(at + 8, at + SLOT_BYTES), contextDigest(r.identity))) {
        throw new AppError('KEYS_CIPHERTEXT_INVALID', { detail: `reading ${r.identity.deviceId}/${r.identity.seq}/${r.identity.idx}: its block slot belongs to another reading` });
      }
      return block.plaintext.readDoubleLE(at);
    });
  } finally {
    for (const { plaintext } of plaintexts.values()) plaintext.fill(0);
  }
}
