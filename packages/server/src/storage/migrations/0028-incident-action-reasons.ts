/**
 * 0028: containment actions keep the reason the person gave (sealed, like the incident's notes)
 * and their options (a block's hours, the device group a whole-group action named), so that a
 * bulk action approved later runs exactly as requested.
 */
import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  void dialect; // nullable text columns: the same DDL on SQLite and PostgreSQL
  await db.schema.alterTable('incident_actions').addColumn('reason_sealed', 'text').execute();
  await db.schema.alterTable('incident_actions').addColumn('options', 'text').execute();
}
