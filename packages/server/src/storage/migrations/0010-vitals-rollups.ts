/**
 * 0010: per-minute rollups of patient vitals, so that a bucketed chart over a day or a month reads
 * one row per minute and metric instead of every reading.
 *
 * One row per (org, patient, metric, minute): min, max, sum and count of the readings measured in
 * that minute ([minute, minute + 60 s)) and attributed to that patient. The group commit adds to
 * it in the transaction that stores the readings, so it is never behind them. Only readings with
 * a patient are rolled up (the vitals API reads by patient). Retention removes whole minutes.
 */
import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const real = dialect === 'postgres' ? 'double precision' : 'real';
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('telemetry_minute_rollups')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('patient_id', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    // ISO-8601 UTC, seconds and milliseconds zero: '2026-11-28T12:34:00.000Z'.
    .addColumn('minute', 'text', (c) => c.notNull())
    .addColumn('min_value', sql.raw(real), (c) => c.notNull())
    .addColumn('max_value', sql.raw(real), (c) => c.notNull())
    .addColumn('sum_value', sql.raw(real), (c) => c.notNull())
    .addColumn('n', sql.raw(bigint), (c) => c.notNull())
    .addPrimaryKeyConstraint('telemetry_minute_rollups_pk', ['org_id', 'patient_id', 'metric', 'minute'])
    .execute();
  // Retention deletes by time across patients.
  await db.schema.createIndex('telemetry_minute_rollups_minute').on('telemetry_minute_rollups').column('minute').execute();
}
