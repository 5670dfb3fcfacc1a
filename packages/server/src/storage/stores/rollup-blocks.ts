/**
 * Sealed rollups (ADR 0008): the minute rollups of one (organization, patient, metric, hour) in ONE
 * sealed block of 60 slots (count, min, max, sum as binary64), table telemetry_rollup_blocks (0014).
 * A 24-hour chart opens 24 blocks per metric instead of 1,440 minute rows: per-row decryption
 * would otherwise cost more than the aggregation it replaces.
 *
 * The group commit merges a batch's minute rollups into their blocks: read, open, add, seal again,
 * with the clear total n as an optimistic version (an UPDATE that finds another n, or an INSERT
 * that finds a row, is STORAGE_CONFLICT: the group commit decides again on fresh state).
 *
 * MUST: a block is written only with the total its context names (rollupContext).
 * MUST: on SQLite the reads and writes run on the connection of the caller's transaction.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { AppError } from '../../kernel/index.js';
import { rollupContext, type VitalsSealing } from '../../telemetry/index.js';
import type { Executor } from '../sql-database.js';
import type { MinuteRollup } from './minute-rollups.js';

const SLOTS = 60;
const SLOT_BYTES = 32;
export const BLOCK_BYTES = SLOTS * SLOT_BYTES;

/** The hour a minute ('2026-11-28T12:34:00.000Z') falls in: '2026-11-28T12:00:00.000Z'. */
export function hourOf(minute: string): string {
  return `${minute.slice(0, 14)}00:00.000Z`;
}

export interface Slot {
  n: number;
  min: number;
  max: number;
  sum: number;
}

export function emptyBlock(): Slot[] {
  return Array.from({ length: SLOTS }, () => ({ n: 0, min: 0, max: 0, sum: 0 }));
}

export function encodeBlock(slots: readonly Slot[]): Buffer {
  const out = Buffer.alloc(BLOCK_BYTES);
  slots.forEach((s, i) => {
    out.writeDoubleLE(s.n, i * SLOT_BYTES);
    out.writeDoubleLE(s.min, i * SLOT_BYTES + 8);
    out.writeDoubleLE(s.max, i * SLOT_BYTES + 16);
    out.writeDoubleLE(s.sum, i * SLOT_BYTES + 24);
  });
  return out;
}

export function decodeBlock(bytes: Uint8Array): Slot[] {
  if (bytes.length !== BLOCK_BYTES) throw new AppError('KEYS_CIPHERTEXT_INVALID', { detail: 'a rollup block has the wrong size' });
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: SLOTS }, (_, i) => ({
    n: b.readDoubleLE(i * SLOT_BYTES),
    min: b.readDoubleLE(i * SLOT_BYTES + 8),
    max: b.readDoubleLE(i * SLOT_BYTES + 16),
    sum: b.readDoubleLE(i * SLOT_BYTES + 24),
  }));
}

function slotOf(minute: string): number {
  return Number(minute.slice(14, 16));
}

interface BlockKey {
  readonly orgId: string;
  readonly patientId: string;
  readonly metric: string;
  readonly hour: string;
}

interface StoredBlock {
  readonly org_id: string;
  readonly patient_id: string;
  readonly metric: string;
  readonly hour: string;
  readonly n: number | bigint;
  readonly sealed: Buffer;
}

const keyOf = (k: BlockKey): string => `${k.orgId}\n${k.patientId}\n${k.metric}\n${k.hour}`;

/** Opens stored blocks; KEYS_CIPHERTEXT_INVALID when one does not authenticate. */
export async function openBlocks(rows: readonly StoredBlock[], sealing: VitalsSealing): Promise<Slot[][]> {
  const opened = await sealing.openMany(rows.map((r) => ({ sealed: r.sealed, context: rollupContext(r.org_id, r.patient_id, r.metric, r.hour, Number(r.n)) })));
  return opened.map(decodeBlock);
}

/** What to write per block: the merged slots, sealed, and the total they replace (undefined: a new row). */
async function merge(rollups: readonly MinuteRollup[], stored: readonly StoredBlock[], sealing: VitalsSealing) {
  const opened = await openBlocks(stored, sealing);
  const blocks = new Map<string, { key: BlockKey; slots: Slot[]; previousN: number | undefined; n: number }>();
  stored.forEach((r, i) => {
    const key = { orgId: r.org_id, patientId: r.patient_id, metric: r.metric, hour: r.hour };
    blocks.set(keyOf(key), { key, slots: opened[i] ?? emptyBlock(), previousN: Number(r.n), n: Number(r.n) });
  });
  for (const m of rollups) {
    const key = { orgId: m.orgId, patientId: m.patientId, metric: m.metric, hour: hourOf(m.minute) };
    let block = blocks.get(keyOf(key));
    if (block === undefined) {
      block = { key, slots: emptyBlock(), previousN: undefined, n: 0 };
      blocks.set(keyOf(key), block);
    }
    const slot = block.slots[slotOf(m.minute)];
    if (slot === undefined) continue;
    if (slot.n === 0) Object.assign(slot, { n: m.n, min: m.min, max: m.max, sum: m.sum });
    else Object.assign(slot, { n: slot.n + m.n, min: Math.min(slot.min, m.min), max: Math.max(slot.max, m.max), sum: slot.sum + m.sum });
    block.n += m.n;
  }
  return [...blocks.values()].map((b) => ({ ...b, sealed: sealing.seal(encodeBlock(b.slots), rollupContext(b.key.orgId, b.key.patientId, b.key.metric, b.key.hour, b.n)) }));
}

function conflict(k: BlockKey): AppError {
  return new AppError('STORAGE_CONFLICT', { detail: `telemetry: the rollup block of ${k.metric} at ${k.hour} moved concurrently` });
}

function distinctBlocks(rollups: readonly MinuteRollup[]): BlockKey[] {
  const out = new Map<string, BlockKey>();
  for (const m of rollups) {
    const k = { orgId: m.orgId, patientId: m.patientId, metric: m.metric, hour: hourOf(m.minute) };
    out.set(keyOf(k), k);
  }
  return [...out.values()];
}

const CHUNK = 200;

/** Merges minute rollups into their sealed blocks through kysely (PostgreSQL; SQLite without a handle). */
export async function writeBlocks(db: Executor, rollups: readonly MinuteRollup[], sealing: VitalsSealing): Promise<void> {
  const keys = distinctBlocks(rollups);
  for (let i = 0; i < keys.length; i += CHUNK) {
    const chunk = keys.slice(i, i + CHUNK);
    const wanted = new Set(chunk.map(keyOf));
    const stored = await db
      .selectFrom('telemetry_rollup_blocks')
      .select(['org_id', 'patient_id', 'metric', 'hour', 'n', 'sealed'])
      .where((eb) => eb.or(chunk.map((k) => eb.and([eb('org_id', '=', k.orgId), eb('patient_id', '=', k.patientId), eb('metric', '=', k.metric), eb('hour', '=', k.hour)]))))
      .execute();
    const mine = rollups.filter((m) => wanted.has(keyOf({ orgId: m.orgId, patientId: m.patientId, metric: m.metric, hour: hourOf(m.minute) })));
    for (const b of await merge(mine, stored, sealing)) {
      const { key } = b;
      if (b.previousN === undefined) {
        const result = await db
          .insertInto('telemetry_rollup_blocks')
          .values({ org_id: key.orgId, patient_id: key.patientId, metric: key.metric, hour: key.hour, n: b.n, sealed: b.sealed })
          .onConflict((oc) => oc.columns(['org_id', 'patient_id', 'metric', 'hour']).doNothing())
          .executeTakeFirst();
        if (Number(result.numInsertedOrUpdatedRows ?? 0n) !== 1) throw conflict(key);
      } else {
        const result = await db
          .updateTable('telemetry_rollup_blocks')
          .set({ n: b.n, sealed: b.sealed })
          .where('org_id', '=', key.orgId)
          .where('patient_id', '=', key.patientId)
          .where('metric', '=', key.metric)
          .where('hour', '=', key.hour)
          .where('n', '=', b.previousN)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) throw conflict(key);
      }
    }
  }
}

/** The same on SQLite's handle, with prepared statements, inside the caller's transaction. */
export async function writeBlocksSqlite(sqlite: BetterSqlite3.Database, rollups: readonly MinuteRollup[], sealing: VitalsSealing): Promise<void> {
  const select = sqlite.prepare('SELECT org_id, patient_id, metric, hour, n, sealed FROM telemetry_rollup_blocks WHERE org_id = ? AND patient_id = ? AND metric = ? AND hour = ?');
  const stored: StoredBlock[] = [];
  for (const k of distinctBlocks(rollups)) {
    const row = select.get(k.orgId, k.patientId, k.metric, k.hour) as StoredBlock | undefined;
    if (row !== undefined) stored.push(row);
  }
  const insert = sqlite.prepare('INSERT INTO telemetry_rollup_blocks (org_id, patient_id, metric, hour, n, sealed) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
  const update = sqlite.prepare('UPDATE telemetry_rollup_blocks SET n = ?, sealed = ? WHERE org_id = ? AND patient_id = ? AND metric = ? AND hour = ? AND n = ?');
  for (const b of await merge(rollups, stored, sealing)) {
    const { key } = b;
    const changes =
      b.previousN === undefined
        ? insert.run(key.orgId, key.patientId, key.metric, key.hour, b.n, b.sealed).changes
        : update.run(b.n, b.sealed, key.orgId, key.patientId, key.metric, key.hour, b.previousN).changes;
    if (changes !== 1) throw conflict(key);
  }
}
