/**
 * 0005: the tables of telemetry (readings, per-device sequence state, device commands).
 *
 * Readings are indexed for per-device and per-patient time-range queries. On PostgreSQL the
 * readings table is natively partitioned by month on `measured_at` (PARTITION BY RANGE; ISO-8601
 * UTC text sorts in time order), with partitions created ahead by the retention job and a
 * DEFAULT partition so that an insert never fails for want of a partition. Retention drops whole
 * monthly partitions; on SQLite it deletes rows.
 */
import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';
import { monthlyPartitionsAround, partitionDdl } from '../telemetry-partitions.js';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer';
  const real = dialect === 'postgres' ? 'double precision' : 'real';
  const columns = `org_id text NOT NULL, device_id text NOT NULL, patient_id text, seq ${bigint} NOT NULL, idx integer NOT NULL,
    metric text NOT NULL, value ${real} NOT NULL, unit text NOT NULL, measured_at text NOT NULL, received_at text NOT NULL, digest text`;
  if (dialect === 'postgres') {
    await sql.raw(`CREATE TABLE telemetry_readings (${columns}, PRIMARY KEY (device_id, seq, idx, measured_at)) PARTITION BY RANGE (measured_at)`).execute(db);
    await sql.raw('CREATE TABLE telemetry_readings_default PARTITION OF telemetry_readings DEFAULT').execute(db);
    for (const partition of monthlyPartitionsAround(new Date(), 1, 3)) await sql.raw(partitionDdl(partition)).execute(db);
  } else {
    await sql.raw(`CREATE TABLE telemetry_readings (${columns}, PRIMARY KEY (device_id, seq, idx))`).execute(db);
  }
  await db.schema.createIndex('telemetry_readings_device_time').on('telemetry_readings').columns(['device_id', 'measured_at']).execute();
  // Partial: readings without a patient binding (all of them until bindings exist) cost no index write.
  await db.schema
    .createIndex('telemetry_readings_patient_time')
    .on('telemetry_readings')
    .columns(['patient_id', 'measured_at'])
    .where(sql.ref('patient_id'), 'is not', null)
    .execute();
  // Lookups by (device_id, seq) for deduplication use the primary key's prefix: no index of their own.

  await db.schema
    .createTable('telemetry_device_state')
    .addColumn('device_id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('last_seq', sql.raw(bigint), (c) => c.notNull())
    .addColumn('last_measured_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('device_commands')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('args', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull().unique())
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('issued_by', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .addColumn('acked_at', 'text')
    .addColumn('ack_reason', 'text')
    .execute();
  await db.schema.createIndex('device_commands_device_status').on('device_commands').columns(['device_id', 'status', 'expires_at']).execute();
}
