/** PatientReadingStore (fhir/) over the telemetry_readings table, with kysely (SQLite and PostgreSQL). */
import type { PatientReadingStore, VitalReading } from '../../fhir/index.js';
import type { VitalsSealing } from '../../telemetry/index.js';
import type { Executor } from '../sql-database.js';
import type { TelemetryReadingsTable } from '../tables.js';
import { openReadingValues } from './telemetry-store.js';

/** @param sealing opens values sealed at rest (ADR 0008); absent, values are read in clear. */
export function fhirReadingStore(db: Executor, sealing?: VitalsSealing): PatientReadingStore {
  const toVitalReadings = async (rows: readonly TelemetryReadingsTable[]): Promise<VitalReading[]> => {
    const values = await openReadingValues(rows, sealing, db);
    return rows.map((r, i) => toVitalReading(r, values[i] ?? Number.NaN));
  };
  return {
    async page(orgId, patientId, q) {
      let query = db.selectFrom('telemetry_readings').selectAll().where('org_id', '=', orgId).where('patient_id', '=', patientId);
      if (q.metrics) query = query.where('metric', 'in', q.metrics.length > 0 ? [...q.metrics] : ['']);
      if (q.from !== undefined) query = query.where('measured_at', '>=', q.from);
      if (q.to !== undefined) query = query.where('measured_at', '<', q.to);
      const start = q.start;
      if (start) {
        // Row-value comparison: from this message on, in the order's direction (inclusive).
        const op = q.order === 'asc' ? '>=' : '<=';
        query = query.where((eb) => eb(eb.refTuple('measured_at', 'device_id', 'seq'), op, eb.tuple(start.measuredAt, start.deviceId, start.seq)));
      }
      const rows = await query
        .orderBy('measured_at', q.order)
        .orderBy('device_id', q.order)
        .orderBy('seq', q.order)
        .orderBy('idx', 'asc')
        .limit(q.limit)
        .execute();
      return toVitalReadings(rows);
    },
    async message(orgId, patientId, deviceId, seq) {
      const rows = await db
        .selectFrom('telemetry_readings')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('patient_id', '=', patientId)
        .where('device_id', '=', deviceId)
        .where('seq', '=', seq)
        .orderBy('idx')
        .execute();
      return toVitalReadings(rows);
    },
    async devicesOf(orgId, patientId, limit) {
      const rows = await db
        .selectFrom('telemetry_readings')
        .select('device_id')
        .distinct()
        .where('org_id', '=', orgId)
        .where('patient_id', '=', patientId)
        .orderBy('device_id')
        .limit(limit)
        .execute();
      return rows.map((r) => r.device_id);
    },
    async patientOfMessage(orgId, deviceId, seq) {
      const row = await db
        .selectFrom('telemetry_readings')
        .select('patient_id')
        .where('org_id', '=', orgId)
        .where('device_id', '=', deviceId)
        .where('seq', '=', seq)
        .where('patient_id', 'is not', null)
        .executeTakeFirst();
      return row?.patient_id ?? undefined;
    },
  };
}

function toVitalReading(r: TelemetryReadingsTable, value: number): VitalReading {
  return {
    patientId: r.patient_id ?? '',
    deviceId: r.device_id,
    seq: Number(r.seq),
    idx: r.idx,
    metric: r.metric,
    value,
    measuredAt: r.measured_at,
    receivedAt: r.received_at,
  };
}
