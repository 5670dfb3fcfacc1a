/** BindingStore and VitalsStore over kysely (SQLite and PostgreSQL). */
import { sql } from 'kysely';
import type { BindingStore, PatientBinding } from '../../devices/index.js';
import type { VitalBucket, VitalPoint, VitalsSealing, VitalsStore } from '../../telemetry/index.js';
import type { SqlDialect } from '../dialect.js';
import type { Executor } from '../sql-database.js';
import type { PatientBindingsTable } from '../tables.js';
import { sealedBuckets } from './sealed-vitals-buckets.js';
import { openReadingValues } from './telemetry-store.js';
import { boardSeries, POINT_COLUMNS, type PointRow } from './ward-board-vitals.js';

export function bindingStore(db: Executor): BindingStore {
  return {
    async insert(b) {
      await db.insertInto('patient_bindings').values(toBindingRow(b)).execute();
    },
    async find(orgId, id) {
      const row = await db.selectFrom('patient_bindings').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return row ? fromBindingRow(row) : undefined;
    },
    async forDevices(deviceIds) {
      if (deviceIds.length === 0) return [];
      const rows = await db.selectFrom('patient_bindings').selectAll().where('device_id', 'in', [...deviceIds]).orderBy('start_at').execute();
      return rows.map(fromBindingRow);
    },
    async forPatient(orgId, patientId, limit) {
      const rows = await db
        .selectFrom('patient_bindings')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('patient_id', '=', patientId)
        .orderBy('start_at', 'desc')
        .limit(limit)
        .execute();
      return rows.map(fromBindingRow);
    },
    async end(orgId, id, endAt, by) {
      const result = await db
        .updateTable('patient_bindings')
        .set({ end_at: endAt, ended_by: by })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .where('end_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

/**
 * Bucket index of a reading (or a rollup minute), in the database: floor((epoch ms of the time - from ms) / bucket ms).
 * Times are ISO-8601 UTC text; SQLite reads them with unixepoch(..., 'subsec') (3.42+), PostgreSQL
 * casts to timestamptz. Both give integer milliseconds, and integer division of non-negative
 * integers floors, so both dialects put a reading in the same bucket.
 */
function bucketIndex(dialect: SqlDialect, fromMs: number, bucketMs: number, column: 'measured_at' | 'minute') {
  const time = sql.ref(column);
  return dialect === 'postgres'
    ? sql<number>`((round(extract(epoch from ${time}::timestamptz) * 1000)::bigint - ${fromMs}::bigint) / ${bucketMs}::bigint)`
    : // Parameters arrive as REAL from JavaScript numbers: cast them, or the division is not integral.
      sql<number>`((CAST(round(unixepoch(${time}, 'subsec') * 1000) AS INTEGER) - CAST(${fromMs} AS INTEGER)) / CAST(${bucketMs} AS INTEGER))`;
}

const MINUTE_MS = 60_000;

function toBucket(r: { k: number; min: number; max: number; mean: number; count: number }, fromMs: number, bucketMs: number): VitalBucket {
  return { t: new Date(fromMs + Number(r.k) * bucketMs).toISOString(), min: Number(r.min), max: Number(r.max), mean: Number(r.mean), count: Number(r.count) };
}

export function vitalsStore(db: Executor, dialect: SqlDialect, sealing?: VitalsSealing): VitalsStore {
  const base = (orgId: string, patientId: string, metric: string) =>
    db.selectFrom('telemetry_readings').where('org_id', '=', orgId).where('patient_id', '=', patientId).where('metric', '=', metric);
  const toPoints = async (rows: readonly PointRow[]): Promise<VitalPoint[]> => {
    const values = await openReadingValues(rows, sealing, db);
    return rows.map((r, i) => ({ metric: r.metric, value: values[i] ?? Number.NaN, unit: r.unit, measuredAt: r.measured_at, deviceId: r.device_id }));
  };
  return {
    async latest(orgId, patientId, metrics) {
      const rows: PointRow[] = [];
      for (const metric of metrics) {
        const row = await base(orgId, patientId, metric).select(POINT_COLUMNS).orderBy('measured_at', 'desc').orderBy('seq', 'desc').limit(1).executeTakeFirst();
        if (row) rows.push(row);
      }
      return toPoints(rows);
    },
    async range(orgId, patientId, metric, from, to, limit, order) {
      const rows = await base(orgId, patientId, metric)
        .select(POINT_COLUMNS)
        .where('measured_at', '>=', from)
        .where('measured_at', '<', to)
        .orderBy('measured_at', order)
        .orderBy('seq', order)
        .limit(limit)
        .execute();
      return toPoints(rows);
    },
    async buckets(orgId, patientId, metric, from, to, bucketSeconds, limit) {
      const fromMs = Date.parse(from);
      const bucketMs = bucketSeconds * 1000;
      const wholeMinutes = fromMs % MINUTE_MS === 0 && Date.parse(to) % MINUTE_MS === 0 && bucketMs % MINUTE_MS === 0;
      if (sealing !== undefined) return sealedBuckets(db, sealing, { orgId, patientId, metric, from, to, fromMs, bucketMs, limit, wholeMinutes });
      if (wholeMinutes) {
        // Whole minutes: every bucket is a union of whole minutes, so the minute rollups answer exactly.
        const rows = await db
          .selectFrom('telemetry_minute_rollups')
          .where('org_id', '=', orgId)
          .where('patient_id', '=', patientId)
          .where('metric', '=', metric)
          .where('minute', '>=', from)
          .where('minute', '<', to)
          .select([
            bucketIndex(dialect, fromMs, bucketMs, 'minute').as('k'),
            sql<number>`min(min_value)`.as('min'),
            sql<number>`max(max_value)`.as('max'),
            sql<number>`sum(sum_value) / sum(n)`.as('mean'),
            sql<number>`sum(n)`.as('count'),
          ])
          .groupBy(sql`1`)
          .orderBy(sql`1`)
          .limit(limit)
          .execute();
        return rows.map((r) => toBucket(r, fromMs, bucketMs));
      }
      const k = bucketIndex(dialect, fromMs, bucketMs, 'measured_at');
      const rows = await base(orgId, patientId, metric)
        .where('measured_at', '>=', from)
        .where('measured_at', '<', to)
        .select([
          k.as('k'),
          sql<number>`min(value)`.as('min'),
          sql<number>`max(value)`.as('max'),
          sql<number>`avg(value)`.as('mean'),
          sql<number>`count(*)`.as('count'),
        ])
        // By position: the bucket expression's parameters are numbered anew in each clause on PostgreSQL.
        .groupBy(sql`1`)
        .orderBy(sql`1`)
        .limit(limit)
        .execute();
      return rows.map((r) => toBucket(r, fromMs, bucketMs));
    },
    boardSeries(orgId, patientIds, metrics, from, to) {
      return boardSeries(db, sealing, { orgId, patientIds, metrics, from, to });
    },
    async reading(orgId, deviceId, seq, idx) {
      const row = await db
        .selectFrom('telemetry_readings')
        .select(POINT_COLUMNS)
        .where('org_id', '=', orgId)
        .where('device_id', '=', deviceId)
        .where('seq', '=', seq)
        .where('idx', '=', idx)
        .where('patient_id', 'is not', null) // the partial (device_id, seq, idx) index: readings by key are patients' readings
        .executeTakeFirst();
      if (!row) return undefined;
      const [point] = await toPoints([row]);
      return point ? { ...point, patientId: row.patient_id } : undefined;
    },
  };
}


function toBindingRow(b: PatientBinding): PatientBindingsTable {
  return {
    id: b.id,
    org_id: b.orgId,
    device_id: b.deviceId,
    patient_id: b.patientId,
    start_at: b.startAt,
    end_at: b.endAt,
    created_at: b.createdAt,
    created_by: b.createdBy,
    ended_by: b.endedBy,
  };
}

function fromBindingRow(r: PatientBindingsTable): PatientBinding {
  return {
    id: r.id,
    orgId: r.org_id,
    deviceId: r.device_id,
    patientId: r.patient_id,
    startAt: r.start_at,
    endAt: r.end_at,
    createdAt: r.created_at,
    createdBy: r.created_by,
    endedBy: r.ended_by,
  };
}
