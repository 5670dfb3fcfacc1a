/**
 * 0031: a device's site (a short code such as "st-marys" or "clinic.north"; NULL: none), set with
 * PUT /api/v1/devices/{id}/site, and an index on (org_id, site) for the device list's site filter
 * and for a rollout narrowed to a site. A nullable column added to an existing table: no rewrite on
 * either dialect, existing devices have no site. The same DDL on SQLite and PostgreSQL.
 */
import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, _dialect: SqlDialect): Promise<void> {
  await db.schema.alterTable('devices').addColumn('site', 'text').execute();
  await db.schema.createIndex('devices_org_site').on('devices').columns(['org_id', 'site']).execute();
}
