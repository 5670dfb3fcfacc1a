/**
 * 0024: the values of a group commit's readings sealed as one block per organization and batch
 * (ADR 0008, addendum of 2026-12-06; ADR 0007 ingest speed).
 *
 * - telemetry_value_batches: one row per (group commit, organization): the sealed block of the
 *   batch's values, each slot bound to its reading by a digest of the reading's identity, and the
 *   latest measurement time among its readings (retention deletes a block with its last reading).
 * - telemetry_readings.value_sealed of a reading written from now on holds a reference into a
 *   block (format 0x02) instead of its own sealed value (0x01); rows written before stay as they are
 *   and are read as before.
 * Same on SQLite and PostgreSQL; nothing existing is rewritten.
 */
import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const bytes = dialect === 'postgres' ? 'bytea' : 'blob';
  await db.schema
    .createTable('telemetry_value_batches')
    // 16 random bytes, base64url (the reference in each reading holds the bytes).
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    // ISO-8601 UTC, the latest measured_at of the block's readings.
    .addColumn('last_measured_at', 'text', (c) => c.notNull())
    .addColumn('sealed', sql.raw(bytes), (c) => c.notNull())
    .execute();
  await db.schema.createIndex('telemetry_value_batches_last').on('telemetry_value_batches').column('last_measured_at').execute();
}
