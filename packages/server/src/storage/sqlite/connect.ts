/**
 * The default adapter: SQLite in the data directory, through better-sqlite3 12.
 *
 * MUST: WAL mode with synchronous=FULL, so a committed transaction survives a crash or power loss
 *       (https://www.sqlite.org/pragma.html#pragma_synchronous).
 * MUST: foreign keys on; a busy timeout so a CLI verb beside a running server waits, not fails.
 * MUST: write transactions begin IMMEDIATE (immediate-transactions.ts), so that the busy timeout
 *       applies to them: a deferred one fails at once when another process committed first.
 * The database file is created with mode 0600.
 * Prepared statements are cached by SQL text (kysely prepares every query anew otherwise, which
 * was ~6% of a busy API server's CPU); SQLite re-prepares a cached statement itself after a
 * schema change. Statements with many bound parameters are not cached (see cachingStatements).
 */
import { closeSync, openSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import { AppError } from '../../kernel/index.js';
import { observedDialect } from '../observed-dialect.js';
import type { SqlDatabase } from '../sql-database.js';
import { StorageHealth } from '../storage-health.js';
import type { Database } from '../tables.js';
import { ImmediateSqliteDialect } from './immediate-transactions.js';

export interface SqliteOptions {
  readonly file: string;
  readonly readonly?: boolean;
  readonly health?: StorageHealth;
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
  const health = options.health ?? new StorageHealth();
  // A writable connection shares the file with other processes (server and CLI): its transactions
  // take the write lock up front (see immediate-transactions.ts). A read-only one cannot take it.
  const database = cachingStatements(raw);
  const base = options.readonly ? new SqliteDialect({ database }) : new ImmediateSqliteDialect({ database });
  const dialect = observedDialect(base, { health, inTransaction: () => raw.open && raw.inTransaction });
  const db = new Kysely<Database>({ dialect });
  return {
    dialect: 'sqlite',
    db,
    health,
    description: `sqlite:${options.file}`,
    sqliteHandle: raw,
    ping: () => Promise.resolve(raw.open && raw.prepare('select 1 as ok').get() !== undefined),
    transportSecurity: () => Promise.resolve({ kind: 'local-file' as const }),
    close: async () => {
      health.close();
      await db.destroy();
    },
  };
}

/** Most statements kept; the SQL texts of a server are a few hundred (queries are parameterized). */
const STATEMENT_CACHE_SIZE = 1000;

/**
 * Statements with more bound parameters than this are prepared for the one use and not cached.
 * Such a text is a multi-row INSERT or an IN list whose arity follows a batch size (the group
 * commit's audit insert has 15 parameters per device in the batch, lastSeqs one per device): each
 * arity is its own SQL text, seldom reused, and its compiled program grows with the arity (a
 * 200-row audit insert holds ~290 KB of native memory; the audit inserts of 1 to 500 rows, ~170 MB).
 * Cached, each new batch size added one for good (up to the 1000 entries), so the server's memory
 * ratcheted up whenever ingest fell behind and batches grew: group commits of 1 to 200 devices left
 * ~2.4 MB of heap and ~30 MB of rss behind. Small statements (up to 4 audit rows) stay cached.
 */
export const MAX_CACHED_STATEMENT_PARAMETERS = 64;

/** The number of `?` placeholders (a `?` inside a literal over-counts, which only skips the cache). */
function parameterCount(text: string): number {
  let count = 0;
  for (let i = text.indexOf('?'); i !== -1; i = text.indexOf('?', i + 1)) count += 1;
  return count;
}

/**
 * The better-sqlite3 handle as kysely's SqliteDatabase, with a least-recently-used cache of
 * prepared statements. Safe on the one connection kysely uses: its mutex runs one query at a time,
 * and a stream holds the connection until its iterator ends.
 * Exported for its tests; the server opens it through openSqlite.
 */
export function cachingStatements(raw: BetterSqlite3.Database): SqliteDatabase & { readonly cachedStatements: () => number } {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      cache.clear();
      raw.close();
    },
    prepare: (text: string) => {
      let statement = cache.get(text);
      if (statement !== undefined) {
        cache.delete(text); // re-inserted below: Map order is recency order
      } else {
        statement = raw.prepare(text);
        if (parameterCount(text) > MAX_CACHED_STATEMENT_PARAMETERS) return statement;
        if (cache.size >= STATEMENT_CACHE_SIZE) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
      }
      cache.set(text, statement);
      return statement;
    },
    cachedStatements: () => cache.size,
  };
}
