/**
 * Write transactions that take SQLite's write lock up front (`BEGIN IMMEDIATE`), so that two
 * processes (the server and a `vigil` CLI verb) can both write one database file.
 *
 * Why: kysely opens SQLite transactions with a plain (deferred) `BEGIN`. A deferred transaction
 * reads first and asks for the write lock only at its first write; in WAL mode, when another
 * process committed in between, that upgrade fails AT ONCE with SQLITE_BUSY ("database is
 * locked"): the busy timeout is not consulted, because waiting could not help a transaction whose
 * snapshot is already stale (https://www.sqlite.org/lang_transaction.html, "Read transactions",
 * and https://www.sqlite.org/wal.html#sometimes_queries_return_sqlite_busy_in_wal_mode).
 * That was issue 11, item 6: a CLI revocation failing while the console read PHI (each read writes
 * its audit event), and the server answering some of those reads 503 AUDIT_WRITE_FAILED.
 * `BEGIN IMMEDIATE` asks for the write lock before the first read, where the busy timeout does
 * apply, so a writer waits for the other process's short transaction instead of failing.
 *
 * MUST: every transaction of a writable SQLite connection begins IMMEDIATE (readers outside a
 *       transaction are unaffected: WAL readers never wait for the writer).
 * MUST: only the BEGIN is retried, and only on SQLITE_BUSY: nothing of the transaction has run,
 *       so a retry cannot apply anything twice. A busy error after BEGIN is not retried here.
 */
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';

export interface ImmediateOptions {
  /** BEGIN attempts after the first one that found the lock busy past the busy timeout. */
  readonly retries: number;
  /** Pause between attempts (the event loop runs meanwhile). */
  readonly retryDelayMs: number;
}

export const DEFAULT_IMMEDIATE_OPTIONS: ImmediateOptions = { retries: 4, retryDelayMs: 50 };

/** True for SQLITE_BUSY and its extended codes (SQLITE_BUSY_SNAPSHOT, ...), as better-sqlite3 reports them. */
export function isSqliteBusy(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

class ImmediateSqliteDriver extends SqliteDriver {
  constructor(
    config: SqliteDialectConfig,
    private readonly options: ImmediateOptions,
  ) {
    super(config);
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await connection.executeQuery(CompiledQuery.raw('begin immediate'));
        return;
      } catch (error) {
        if (!isSqliteBusy(error) || attempt >= this.options.retries) throw error;
        await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs * (attempt + 1)));
      }
    }
  }
}

/** kysely's SqliteDialect whose transactions begin IMMEDIATE, retrying a busy BEGIN. */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(
    config: SqliteDialectConfig,
    private readonly options: ImmediateOptions = DEFAULT_IMMEDIATE_OPTIONS,
  ) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.options);
  }
}
