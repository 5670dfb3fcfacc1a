/**
 * The adapters every store contract runs against: SQLite always, PostgreSQL when
 * VIGIL_TEST_DATABASE_URL is set. Each PostgreSQL run gets its own schema, dropped afterwards,
 * so parallel test files never see each other's rows.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { openDatabase } from '../open.js';
import type { SqlDatabase } from '../sql-database.js';

export interface TestDatabase {
  readonly database: SqlDatabase;
  /** Closes the database and removes everything it created. */
  dispose(): Promise<void>;
}

export interface TestAdapter {
  readonly name: 'sqlite' | 'postgres';
  open(): Promise<TestDatabase>;
}

/** Opens a throwaway database, runs `fn` on it, and disposes of it whatever happens. */
export async function withTestDatabase<T>(open: () => Promise<TestDatabase>, fn: (t: TestDatabase) => Promise<T>): Promise<T> {
  const t = await open();
  try {
    return await fn(t);
  } finally {
    await t.dispose();
  }
}

export const POSTGRES_TEST_URL = process.env['VIGIL_TEST_DATABASE_URL'];

export function testAdapters(): TestAdapter[] {
  const adapters: TestAdapter[] = [{ name: 'sqlite', open: openTestSqlite }];
  if (POSTGRES_TEST_URL !== undefined && POSTGRES_TEST_URL !== '') adapters.push({ name: 'postgres', open: () => openTestPostgres(POSTGRES_TEST_URL) });
  return adapters;
}

export async function openTestSqlite(): Promise<TestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-sqlite-'));
  const database = await openDatabase({ dataDir: dir });
  return {
    database,
    dispose: async () => {
      await database.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * kysely's migrator introspects every schema in the database, calling has_schema_privilege() by
 * name; a schema another test file drops at that moment fails the call with "schema ... does not
 * exist". Migrations therefore hold this advisory lock shared and drops hold it exclusively.
 */
const SCHEMA_LOCK = 0x76_69_67_6c; // 'vigl'

export async function openTestPostgres(url: string): Promise<TestDatabase> {
  const schema = `vigil_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  let database: SqlDatabase;
  try {
    await admin.query('SELECT pg_advisory_lock_shared($1)', [SCHEMA_LOCK]);
    await admin.query(`CREATE SCHEMA ${schema}`);
    database = await openDatabase({ dataDir: tmpdir(), databaseUrl: url, postgresSchema: schema });
  } finally {
    await admin.end(); // ending the session releases the lock
  }
  return {
    database,
    dispose: async () => {
      await database.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query('SELECT pg_advisory_lock($1)', [SCHEMA_LOCK]);
        await c.query(`DROP SCHEMA ${schema} CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}
