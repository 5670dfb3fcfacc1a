/**
 * 0009: indexes shaped like the two patient read paths, so that a 24-hour chart or a FHIR search
 * page reads the index range it needs instead of every reading of the patient.
 *
 * - Vitals (range and buckets per metric): (org, patient, metric, time, value) covers the query,
 *   with no table lookup. Before, a bucketed chart visited every reading of the patient once per
 *   metric through the patient-time index, each with a table lookup.
 * - FHIR Observation search: (org, patient, time, device, seq)
 *   replaces 0005's (patient, time); the org filter and the paging order's tie-breakers come
 *   from the index, leaving only the reading index (idx) to sort within a message.
 *
 * Both partial like 0005's: readings without a patient binding cost no index write. On
 * PostgreSQL an index on the partitioned parent is created on every partition.
 */
import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, _dialect: SqlDialect): Promise<void> {
  await db.schema
    .createIndex('telemetry_readings_patient_metric_time')
    .on('telemetry_readings')
    .columns(['org_id', 'patient_id', 'metric', 'measured_at', 'value'])
    .where(sql.ref('patient_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('telemetry_readings_org_patient_time')
    .on('telemetry_readings')
    .columns(['org_id', 'patient_id', 'measured_at', 'device_id', 'seq'])
    .where(sql.ref('patient_id'), 'is not', null)
    .execute();
  await db.schema.dropIndex('telemetry_readings_patient_time').execute();
}
