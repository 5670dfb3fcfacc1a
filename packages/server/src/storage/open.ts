/**
 * Opens the configured database and applies migrations: PostgreSQL when a URL is given,
 * otherwise SQLite at `<dataDir>/vigil.db`.
 */
import { join } from 'node:path';
import { sql } from 'kysely';
import { AppError } from '../kernel/index.js';
import { migrateToLatest } from './migrations/index.js';
import { openPostgres } from './postgres/connect.js';
import type { SqlDatabase } from './sql-database.js';
import { openSqlite } from './sqlite/connect.js';

export interface OpenDatabaseOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  readonly postgresSchema?: string;
  /** Skip migrations and open read-only (SQLite): for offline verification. */
  readonly readonly?: boolean;
}

export const SQLITE_FILE_NAME = 'vigil.db';

export async function openDatabase(options: OpenDatabaseOptions): Promise<SqlDatabase> {
  const database =
    options.databaseUrl !== undefined
      ? openPostgres({ url: options.databaseUrl, ...(options.postgresSchema !== undefined ? { schema: options.postgresSchema } : {}) })
      : openSqlite({ file: join(options.dataDir, SQLITE_FILE_NAME), readonly: options.readonly ?? false });
  try {
    await sql`select 1`.execute(database.db);
  } catch (cause) {
    await database.close().catch(() => undefined);
    throw new AppError('STORAGE_UNAVAILABLE', { detail: `storage: cannot reach ${database.description}: ${cause instanceof Error ? cause.message : String(cause)}`, cause });
  }
  if (options.readonly) return database;
  try {
    await migrateToLatest(database.db as never, database.dialect, options.postgresSchema);
  } catch (error) {
    await database.close();
    throw error;
  }
  database.health.attachProbe(() => writeProbe(database));
  return database;
}

/**
 * The recovery probe (storage-health.ts): one small write transaction. Its commit, seen by the
 * observed driver, is what turns a failing node healthy when no other traffic commits.
 */
async function writeProbe(database: SqlDatabase): Promise<void> {
  const now = new Date().toISOString();
  await database.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('system_meta')
      .values({ key: 'storage-probe', value: now, updated_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: now, updated_at: now }))
      .execute();
  });
}
