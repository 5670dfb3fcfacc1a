/**
 * 0011 (SQLite only): one index keyed by device per reading instead of two.
 *
 * Before: the table's PRIMARY KEY (device_id, seq, idx) and telemetry_readings_device_time
 * (device_id, measured_at). Both are keyed by device, so a group commit of D devices dirtied about
 * 2 x D index leaf pages scattered over the file, each one a WAL frame (two pwrite calls) at
 * COMMIT; that was the largest single cost of ingest. Now:
 * - telemetry_readings_device_time: UNIQUE (device_id, measured_at, seq, idx). Per-device time
 *   ranges read it as before; the group commit's redelivery check looks a message up by
 *   (device, measured_at, seq), all three known from the envelope (a redelivery carries the same ts).
 * - telemetry_readings_patient_device_seq: UNIQUE (device_id, seq, idx) WHERE patient_id IS NOT NULL,
 *   for the lookups by key (a FHIR Observation id, a vitals reading), which all concern readings
 *   attributed to a patient.
 * A reading without a patient now writes one device-keyed index; one with a patient writes the
 * same number of indexes as before (the two patient indexes of 0009 are unchanged).
 * That no (device, seq) is stored twice is the group commit's invariant (it advances
 * telemetry_device_state with a conditional update in the same transaction); the unique indexes
 * back it per time and for patient readings.
 *
 * SQLite cannot drop a primary key: the table is rebuilt (copied in rowid order, which keeps
 * arrival order). PostgreSQL keeps 0005's layout: its primary key must hold the partition key
 * (device_id, seq, idx, measured_at), which already serves both lookups.
 */
import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

const COLUMNS = 'org_id, device_id, patient_id, seq, idx, metric, value, unit, measured_at, received_at, digest';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  if (dialect !== 'sqlite') return;
  await sql
    .raw(
      `CREATE TABLE telemetry_readings_0011 (org_id text NOT NULL, device_id text NOT NULL, patient_id text, seq integer NOT NULL, idx integer NOT NULL,
    metric text NOT NULL, value real NOT NULL, unit text NOT NULL, measured_at text NOT NULL, received_at text NOT NULL, digest text)`,
    )
    .execute(db);
  await sql.raw(`INSERT INTO telemetry_readings_0011 (${COLUMNS}) SELECT ${COLUMNS} FROM telemetry_readings ORDER BY rowid`).execute(db);
  await sql.raw('DROP TABLE telemetry_readings').execute(db);
  await sql.raw('ALTER TABLE telemetry_readings_0011 RENAME TO telemetry_readings').execute(db);
  await db.schema.createIndex('telemetry_readings_device_time').unique().on('telemetry_readings').columns(['device_id', 'measured_at', 'seq', 'idx']).execute();
  await db.schema
    .createIndex('telemetry_readings_patient_device_seq')
    .unique()
    .on('telemetry_readings')
    .columns(['device_id', 'seq', 'idx'])
    .where(sql.ref('patient_id'), 'is not', null)
    .execute();
  // 0009's patient indexes, as they were (DROP TABLE took them).
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
}
