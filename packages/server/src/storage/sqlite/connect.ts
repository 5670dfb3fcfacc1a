/**
 * The default adapter: SQLite in the data directory, through better-sqlite3 12.
 *
 * MUST: WAL mode with synchronous=FULL, so a committed transaction survives a crash or power loss
 *       (https://www.sqlite.org/pragma.html#pragma_synchronous).
 * MUST: foreign keys on; a busy timeout so a CLI verb beside a running server waits, not fails.
 * The database file is created with mode 0600.
 */
import { closeSync, openSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { AppError } from '../../kernel/index.js';
import type { SqlDatabase } from '../sql-database.js';
import type { Database } from '../tables.js';

export interface SqliteOptions {
  readonly file: string;
  readonly readonly?: boolean;
}

export function openSqlite(options: SqliteOptions): SqlDatabase {
  let raw: BetterSqlite3.Database;
  try {
    if (!options.readonly) closeSync(openSync(options.file, 'a', 0o600));
    raw = new BetterSqlite3(options.file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    raw.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      raw.pragma('journal_mode = WAL');
      raw.pragma('synchronous = FULL');
    }
    raw.pragma('foreign_keys = ON');
  } catch (cause) {
    throw new AppError('STORAGE_UNAVAILABLE', { detail: `storage: cannot open SQLite database ${options.file}`, cause });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  return {
    dialect: 'sqlite',
    db,
    description: `sqlite:${options.file}`,
    sqliteHandle: raw,
    ping: () => Promise.resolve(raw.open && raw.prepare('select 1 as ok').get() !== undefined),
    close: async () => {
      await db.destroy();
    },
  };
}
