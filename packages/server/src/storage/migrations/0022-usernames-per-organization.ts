/**
 * 0022: usernames are unique per organization, not across the installation (issue 11 item 7: a
 * taken name in another tenant answered 409, an oracle). Unique (org_id, username_key); a plain
 * index on username_key serves a sign-in that names no organization.
 *
 * PostgreSQL drops the column's unique constraint. SQLite cannot drop a column constraint, so the
 * table is rebuilt from its own current definition (sqlite_master) without it, the documented
 * way (https://sqlite.org/lang_altertable.html#otheralter): foreign keys off, one transaction,
 * copy, drop, rename, indexes again, foreign_key_check, foreign keys on.
 */
import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

const UNIQUE_COLUMN = '"username_key" text not null unique';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`ALTER TABLE users DROP CONSTRAINT IF EXISTS users_username_key_key`.execute(db);
  } else {
    await rebuildSqliteUsers(db);
  }
  await db.schema.createIndex('users_org_username_key').on('users').columns(['org_id', 'username_key']).unique().execute();
  await db.schema.createIndex('users_username_key').on('users').column('username_key').execute();
}

async function rebuildSqliteUsers(db: Kysely<unknown>): Promise<void> {
  const table = await sql<{ sql: string }>`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'`.execute(db);
  const create = table.rows[0]?.sql ?? '';
  if (!create.includes(UNIQUE_COLUMN)) throw new Error('0022: the users table is not in the expected shape (username_key unique)');
  const rebuilt = create.replace(UNIQUE_COLUMN, '"username_key" text not null').replace(/^CREATE TABLE "users"/, 'CREATE TABLE "users_0022"');
  const indexes = await sql<{ sql: string }>`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users' AND sql IS NOT NULL`.execute(db);
  await sql`PRAGMA foreign_keys = OFF`.execute(db);
  try {
    await sql`BEGIN IMMEDIATE`.execute(db);
    try {
      await sql.raw(rebuilt).execute(db);
      await sql`INSERT INTO users_0022 SELECT * FROM users`.execute(db);
      await sql`DROP TABLE users`.execute(db);
      await sql`ALTER TABLE users_0022 RENAME TO users`.execute(db);
      for (const index of indexes.rows) await sql.raw(index.sql).execute(db);
      const broken = await sql`PRAGMA foreign_key_check`.execute(db);
      if (broken.rows.length > 0) throw new Error(`0022: ${broken.rows.length} foreign keys broken by the rebuild`);
      await sql`COMMIT`.execute(db);
    } catch (error) {
      await sql`ROLLBACK`.execute(db);
      throw error;
    }
  } finally {
    await sql`PRAGMA foreign_keys = ON`.execute(db);
  }
}
