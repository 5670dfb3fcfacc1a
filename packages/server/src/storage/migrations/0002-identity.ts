/**
 * 0002: the tables of identity (organizations, users, credentials, sessions, MFA, service tokens).
 */
import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  void db;
  void dialect;
  return Promise.resolve();
}
