/** TelemetryStore, TelemetryRetentionStore and DeviceCommandStore over kysely (SQLite and PostgreSQL). */
import type BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import {
  decodeValues,
  isBatchRef,
  openBatchValues,
  readingContext,
  sealValueBatches,
  type CommandStatus,
  type DeviceCommandRow,
  type DeviceCommandStore,
  type ReadingIdentity,
  type ReadingRow,
  type TelemetryRetentionStore,
  type TelemetryStore,
  type VitalsSealing,
} from '../../telemetry/index.js';
import { AppError } from '../../kernel/index.js';
import type { SqlDialect } from '../dialect.js';
import type { Executor } from '../sql-database.js';
import type { DeviceCommandsTable, TelemetryReadingsTable } from '../tables.js';
import { monthlyPartitionsAround, parsePartitionName, partitionDdl } from '../telemetry-partitions.js';
import { minuteOf, writeRollups, writeRollupsSqlite } from './minute-rollups.js';
import { hourOf } from './rollup-blocks.js';

/** Rows per INSERT: 12 parameters each stays far below SQLite's and PostgreSQL's parameter limits. */
const INSERT_CHUNK = 1000;

export { minuteOf } from './minute-rollups.js';

/**
 * Readings and their minute rollups are written together, in the caller's transaction.
 * @param sqlite the better-sqlite3 handle under `db` (SQLite only): the two hot writes of the group
 * commit then run as prepared statements on the same connection, inside the same transaction,
 * instead of one freshly compiled multi-row statement per batch (about twice as fast).
 * @param sealing seals each value (and rollup) at rest (ADR 0008); its `prepare()` must have run
 * before the transaction. Without it, values are stored in clear (benches and old tests only).
 */
export function telemetryStore(db: Executor, sqlite?: BetterSqlite3.Database, sealing?: VitalsSealing): TelemetryStore {
  const generic = kyselyTelemetryStore(db, sealing);
  if (!sqlite) return generic;
  return {
    ...generic,
    // async: a constraint violation becomes a rejected promise, as on the kysely path.
    async insertReadings(rows) {
      const insert = sqlite.prepare(
        'INSERT INTO telemetry_readings (org_id, device_id, patient_id, seq, idx, metric, value, value_sealed, unit, measured_at, received_at, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      // Sealed: one block per organization for the whole batch (one GCM operation), rows hold references.
      const sealed = sealing && rows.length > 0 ? sealValueBatches(rows, sealing) : undefined;
      if (sealed) {
        const block = sqlite.prepare('INSERT INTO telemetry_value_batches (id, org_id, last_measured_at, sealed) VALUES (?, ?, ?, ?)');
        for (const b of sealed.batches) block.run(b.id, b.orgId, b.lastMeasuredAt, b.sealed);
      }
      rows.forEach((r, i) => {
        const ref = sealed ? (sealed.refs[i] ?? null) : null;
        insert.run(r.orgId, r.deviceId, r.patientId, r.seq, r.idx, r.metric, sealed ? null : r.value, ref, r.unit, r.measuredAt, r.receivedAt, r.digest);
      });
      await writeRollupsSqlite(sqlite, rows, sealing);
    },
    async advance(states, expected, now) {
      const insert = sqlite.prepare(
        'INSERT INTO telemetry_device_state (device_id, org_id, last_seq, last_measured_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (device_id) DO NOTHING',
      );
      const update = sqlite.prepare('UPDATE telemetry_device_state SET last_seq = ?, last_measured_at = ?, updated_at = ? WHERE device_id = ? AND last_seq = ?');
      for (const s of states) {
        const before = expected.get(s.deviceId);
        const changes =
          before === undefined
            ? insert.run(s.deviceId, s.orgId, s.lastSeq, s.lastMeasuredAt, now).changes
            : update.run(s.lastSeq, s.lastMeasuredAt, now, s.deviceId, before).changes;
        if (changes !== 1) throw conflict(s.deviceId);
      }
      await Promise.resolve();
    },
  };
}

function kyselyTelemetryStore(db: Executor, sealing: VitalsSealing | undefined): TelemetryStore {
  return {
    async lastSeqs(deviceIds) {
      const out = new Map<string, number>();
      if (deviceIds.length === 0) return out;
      const rows = await db.selectFrom('telemetry_device_state').select(['device_id', 'last_seq']).where('device_id', 'in', [...deviceIds]).execute();
      for (const r of rows) out.set(r.device_id, Number(r.last_seq));
      return out;
    },
    async findDigest(deviceId, seq, measuredAt) {
      // (device_id, measured_at, seq, idx): the SQLite index since 0011, a PostgreSQL partition's primary key.
      const row = await db
        .selectFrom('telemetry_readings')
        .select('digest')
        .where('device_id', '=', deviceId)
        .where('measured_at', '=', measuredAt)
        .where('seq', '=', seq)
        .where('idx', '=', 0)
        .executeTakeFirst();
      return row?.digest ?? undefined;
    },
    async insertReadings(rows) {
      // Sealed: one block per organization for the whole batch (one GCM operation), rows hold references.
      const sealed = sealing && rows.length > 0 ? sealValueBatches(rows, sealing) : undefined;
      if (sealed) {
        for (let i = 0; i < sealed.batches.length; i += INSERT_CHUNK) {
          await db
            .insertInto('telemetry_value_batches')
            .values(sealed.batches.slice(i, i + INSERT_CHUNK).map((b) => ({ id: b.id, org_id: b.orgId, last_measured_at: b.lastMeasuredAt, sealed: b.sealed })))
            .execute();
        }
      }
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await db
          .insertInto('telemetry_readings')
          .values(rows.slice(i, i + INSERT_CHUNK).map((r, j) => toReadingRow(r, sealed ? (sealed.refs[i + j] ?? null) : null)))
          .execute();
      }
      await writeRollups(db, rows, sealing);
    },
    async advance(states, expected, now) {
      for (const s of states) {
        const before = expected.get(s.deviceId);
        if (before === undefined) {
          const result = await db
            .insertInto('telemetry_device_state')
            .values({ device_id: s.deviceId, org_id: s.orgId, last_seq: s.lastSeq, last_measured_at: s.lastMeasuredAt, updated_at: now })
            .onConflict((oc) => oc.column('device_id').doNothing())
            .executeTakeFirst();
          if (Number(result.numInsertedOrUpdatedRows ?? 0n) !== 1) throw conflict(s.deviceId);
        } else {
          // Optimistic: only moves from the value this transaction read (another node may have moved it).
          const result = await db
            .updateTable('telemetry_device_state')
            .set({ last_seq: s.lastSeq, last_measured_at: s.lastMeasuredAt, updated_at: now })
            .where('device_id', '=', s.deviceId)
            .where('last_seq', '=', before)
            .executeTakeFirst();
          if (Number(result.numUpdatedRows) !== 1) throw conflict(s.deviceId);
        }
      }
    },
    async readingsForDevice(orgId, deviceId, from, to, limit) {
      const rows = await db
        .selectFrom('telemetry_readings')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('device_id', '=', deviceId)
        .where('measured_at', '>=', from)
        .where('measured_at', '<', to)
        .orderBy('measured_at')
        .orderBy('seq')
        .orderBy('idx')
        .limit(limit)
        .execute();
      return openReadings(rows, sealing, db);
    },
  };
}

export function telemetryRetentionStore(db: Executor, dialect: SqlDialect): TelemetryRetentionStore {
  return {
    async ensurePartitions(at) {
      if (dialect !== 'postgres') return [];
      const existing = await partitionNames(db);
      const created: string[] = [];
      for (const p of monthlyPartitionsAround(at, 0, 3)) {
        if (existing.includes(p.name)) continue;
        await sql.raw(partitionDdl(p)).execute(db);
        created.push(p.name);
      }
      return created;
    },
    async removeBefore(cutoff) {
      const droppedPartitions: string[] = [];
      if (dialect === 'postgres') {
        for (const name of await partitionNames(db)) {
          const p = parsePartitionName(name);
          if (p && p.to <= cutoff) {
            await sql.raw(`DROP TABLE ${p.name}`).execute(db);
            droppedPartitions.push(p.name);
          }
        }
      }
      const result = await db.deleteFrom('telemetry_readings').where('measured_at', '<', cutoff).executeTakeFirst();
      // Whole minutes only: a minute that straddles the cutoff stays until the next run.
      await db.deleteFrom('telemetry_minute_rollups').where('minute', '<', minuteOf(cutoff)).execute();
      // Sealed rollups go by whole hours: a block that straddles the cutoff stays until the next run.
      await db.deleteFrom('telemetry_rollup_blocks').where('hour', '<', hourOf(minuteOf(cutoff))).execute();
      // A block of values goes with its last reading.
      await db.deleteFrom('telemetry_value_batches').where('last_measured_at', '<', cutoff).execute();
      return { droppedPartitions, deletedRows: Number(result.numDeletedRows) };
    },
  };
}

async function partitionNames(db: Executor): Promise<string[]> {
  const result = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
    JOIN pg_namespace n ON n.oid = p.relnamespace
    WHERE p.relname = 'telemetry_readings' AND n.nspname = current_schema()`.execute(db);
  return result.rows.map((r) => r.name);
}

function conflict(deviceId: string): AppError {
  return new AppError('STORAGE_CONFLICT', { detail: `telemetry: sequence state of ${deviceId} moved concurrently` });
}

export function deviceCommandStore(db: Executor): DeviceCommandStore {
  return {
    async insert(row) {
      await db.insertInto('device_commands').values(toCommandRow(row)).execute();
    },
    async find(orgId, id) {
      const row = await db.selectFrom('device_commands').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return row ? fromCommandRow(row) : undefined;
    },
    async listForDevice(orgId, deviceId, limit) {
      const rows = await db
        .selectFrom('device_commands')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('device_id', '=', deviceId)
        .orderBy('issued_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(fromCommandRow);
    },
    async pendingFor(orgId, deviceId, now, limit) {
      const rows = await db
        .selectFrom('device_commands')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('device_id', '=', deviceId)
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .orderBy('issued_at')
        .limit(limit)
        .execute();
      return rows.map(fromCommandRow);
    },
    async markSent(orgId, id, at) {
      const result = await db
        .updateTable('device_commands')
        .set({ status: 'sent', delivered_at: at })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async recordAck(orgId, deviceId, id, nonce, status, reason, at) {
      const result = await db
        .updateTable('device_commands')
        .set({ status, acked_at: at, ack_reason: reason })
        .where('org_id', '=', orgId)
        .where('device_id', '=', deviceId)
        .where('id', '=', id)
        .where('nonce', '=', nonce)
        .where('status', 'in', ['pending', 'sent'])
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

/** @param sealed the row's reference into its value block (sealing on), or null (value in clear). */
function toReadingRow(r: ReadingRow, sealed: Buffer | null): TelemetryReadingsTable {
  return {
    org_id: r.orgId,
    device_id: r.deviceId,
    patient_id: r.patientId,
    seq: r.seq,
    idx: r.idx,
    metric: r.metric,
    value: sealed ? null : r.value,
    value_sealed: sealed,
    unit: r.unit,
    measured_at: r.measuredAt,
    received_at: r.receivedAt,
    digest: r.digest,
  };
}

/**
 * The values of stored readings: opened when sealing is on (a row without a sealed value is then
 * refused, never read in clear: it was not written by Vigil), read in clear otherwise. A sealed
 * value is either the reading's own (0x01, ADR 0008) or a reference into a value block (0x02,
 * written by the group commit since 0024), which is loaded from `db` and opened once per block.
 */
export async function openReadingValues(
  rows: readonly { org_id: string; device_id: string; patient_id: string | null; seq: number | bigint; idx: number; metric: string; measured_at: string; value: number | null; value_sealed: Buffer | null }[],
  sealing: VitalsSealing | undefined,
  db: Executor,
): Promise<number[]> {
  if (sealing === undefined) return rows.map((r) => Number(r.value));
  const own: { index: number; sealed: Buffer; context: string }[] = [];
  const referenced: { index: number; ref: Buffer; identity: ReadingIdentity }[] = [];
  rows.forEach((r, index) => {
    if (r.value_sealed === null) throw new AppError('KEYS_CIPHERTEXT_INVALID', { detail: `reading ${r.device_id}/${String(r.seq)}/${r.idx} has no sealed value` });
    const identity: ReadingIdentity = { orgId: r.org_id, deviceId: r.device_id, patientId: r.patient_id, seq: Number(r.seq), idx: r.idx, metric: r.metric, measuredAt: r.measured_at };
    if (isBatchRef(r.value_sealed)) referenced.push({ index, ref: r.value_sealed, identity });
    else own.push({ index, sealed: r.value_sealed, context: readingContext(identity) });
  });
  const out = new Array<number>(rows.length).fill(Number.NaN);
  if (own.length > 0) {
    const opened = await sealing.openMany(own);
    own.forEach((o, i) => (out[o.index] = decodeValues(opened[i] as Buffer, 1)[0] ?? Number.NaN));
  }
  if (referenced.length > 0) {
    const values = await openBatchValues(referenced, (ids) => loadValueBatches(db, ids), sealing);
    referenced.forEach((r, i) => (out[r.index] = values[i] ?? Number.NaN));
  }
  return out;
}

/** Value blocks by id (IN lists of at most 500). */
async function loadValueBatches(db: Executor, ids: readonly string[]): Promise<{ id: string; org_id: string; sealed: Buffer }[]> {
  const out: { id: string; org_id: string; sealed: Buffer }[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    out.push(...(await db.selectFrom('telemetry_value_batches').select(['id', 'org_id', 'sealed']).where('id', 'in', ids.slice(i, i + 500)).execute()));
  }
  return out;
}

async function openReadings(rows: readonly TelemetryReadingsTable[], sealing: VitalsSealing | undefined, db: Executor): Promise<ReadingRow[]> {
  const values = await openReadingValues(rows, sealing, db);
  return rows.map((r, i) => fromReadingRow(r, values[i] ?? Number.NaN));
}

function fromReadingRow(r: TelemetryReadingsTable, value: number): ReadingRow {
  return {
    orgId: r.org_id,
    deviceId: r.device_id,
    patientId: r.patient_id,
    seq: Number(r.seq),
    idx: r.idx,
    metric: r.metric,
    value,
    unit: r.unit,
    measuredAt: r.measured_at,
    receivedAt: r.received_at,
    digest: r.digest,
  };
}

function toCommandRow(r: DeviceCommandRow): DeviceCommandsTable {
  return {
    id: r.id,
    org_id: r.orgId,
    device_id: r.deviceId,
    name: r.name,
    args: r.args,
    nonce: r.nonce,
    issued_at: r.issuedAt,
    expires_at: r.expiresAt,
    status: r.status,
    issued_by: r.issuedBy,
    delivered_at: r.deliveredAt,
    acked_at: r.ackedAt,
    ack_reason: r.ackReason,
  };
}

function fromCommandRow(r: DeviceCommandsTable): DeviceCommandRow {
  return {
    id: r.id,
    orgId: r.org_id,
    deviceId: r.device_id,
    name: r.name,
    args: r.args,
    nonce: r.nonce,
    issuedAt: r.issued_at,
    expiresAt: r.expires_at,
    status: r.status as CommandStatus,
    issuedBy: r.issued_by,
    deliveredAt: r.delivered_at,
    ackedAt: r.acked_at,
    ackReason: r.ack_reason,
  };
}
