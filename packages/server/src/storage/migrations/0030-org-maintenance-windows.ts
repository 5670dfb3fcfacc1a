/**
 * 0030: an organization's maintenance window for firmware installs on devices bound to a patient
 * (days and local hours, in the organization's time zone), applied to every rollout of the
 * organization unless the campaign sets its own.
 */
import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  void dialect; // text and integer columns: the same DDL on SQLite and PostgreSQL
  await db.schema
    .createTable('org_maintenance_windows')
    .addColumn('org_id', 'text', (c) => c.primaryKey())
    .addColumn('days', 'text', (c) => c.notNull())
    .addColumn('start_hour', 'integer', (c) => c.notNull())
    .addColumn('end_hour', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
}
