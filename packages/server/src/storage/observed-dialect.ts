/**
 * ObservedDialect: wraps a kysely dialect so that every query, commit and rollback of either
 * adapter is seen by StorageHealth (issue 17).
 *
 * MUST: a storage fault from the driver is recorded and rethrown as AppError STORAGE_UNAVAILABLE
 *       (HTTP 503, with the driver error as `cause` for the log); other errors pass unchanged.
 * MUST: a commit, and an autocommitted INSERT/UPDATE/DELETE, that succeeded is recorded (the only
 *       signal that turns a failing node healthy again).
 * MUST: a failed ROLLBACK never masks the error that caused it: SQLite aborts a transaction by
 *       itself on SQLITE_FULL/SQLITE_IOERR (https://www.sqlite.org/lang_transaction.html, "Response
 *       To Errors Within A Transaction"), so its ROLLBACK then fails with "cannot rollback - no
 *       transaction is active"; on PostgreSQL a lost connection cannot roll back either (the
 *       server rolled back when the session ended, and the pool drops the client).
 */
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, Kysely, QueryResult, TransactionSettings } from 'kysely';
import { AppError } from '../kernel/index.js';
import { classifyStorageFault } from './storage-fault.js';
import type { StorageHealth } from './storage-health.js';

export interface ObservedDialectOptions {
  readonly health: StorageHealth;
  /** SQLite: whether the one connection is inside a transaction (better-sqlite3 `inTransaction`). */
  readonly inTransaction?: () => boolean;
}

export function observedDialect(inner: Dialect, options: ObservedDialectOptions): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createIntrospector: (db: Kysely<unknown>) => inner.createIntrospector(db),
    createDriver: () => new ObservedDriver(inner.createDriver(), options),
  };
}

/** The error to throw for a driver error: storage faults become STORAGE_UNAVAILABLE. */
export function storageError(error: unknown, health: StorageHealth, where: string): unknown {
  if (error instanceof AppError) return error;
  if (!health.recordError(error, where)) return error;
  const fault = classifyStorageFault(error);
  const message = error instanceof Error ? error.message : String(error);
  return new AppError('STORAGE_UNAVAILABLE', { detail: `storage ${fault?.kind ?? 'fault'} (${fault?.code ?? '?'}): ${message}`, cause: error });
}

const WRITE_KINDS: ReadonlySet<string> = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);

class ObservedConnection implements DatabaseConnection {
  inTransaction = false;
  constructor(
    readonly inner: DatabaseConnection,
    private readonly health: StorageHealth,
  ) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    try {
      const result = await this.inner.executeQuery<R>(compiled);
      if (!this.inTransaction && (WRITE_KINDS.has(compiled.query.kind) || /^\s*(insert|update|delete)\b/i.test(compiled.sql))) this.health.recordCommit();
      return result;
    } catch (error) {
      throw storageError(error, this.health, 'query');
    }
  }

  async *streamQuery<R>(compiled: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      for await (const chunk of this.inner.streamQuery<R>(compiled, chunkSize)) yield chunk;
    } catch (error) {
      throw storageError(error, this.health, 'stream');
    }
  }
}

class ObservedDriver implements Driver {
  readonly #connections = new WeakMap<DatabaseConnection, ObservedConnection>();

  constructor(
    private readonly inner: Driver,
    private readonly options: ObservedDialectOptions,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    try {
      const connection = new ObservedConnection(await this.inner.acquireConnection(), this.options.health);
      this.#connections.set(connection, connection);
      return connection;
    } catch (error) {
      throw storageError(error, this.options.health, 'connect');
    }
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const c = this.#unwrap(connection);
    try {
      await this.inner.beginTransaction(c.inner, settings);
      c.inTransaction = true;
    } catch (error) {
      throw storageError(error, this.options.health, 'begin');
    }
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = this.#unwrap(connection);
    try {
      await this.inner.commitTransaction(c.inner);
      c.inTransaction = false;
      this.options.health.recordCommit();
    } catch (error) {
      throw storageError(error, this.options.health, 'commit');
    }
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = this.#unwrap(connection);
    try {
      await this.inner.rollbackTransaction(c.inner);
    } catch (error) {
      // SQLite already rolled back by itself, or the PostgreSQL session is gone: nothing to undo,
      // and the caller's original error must surface (kysely rethrows it after this returns).
      const sqliteAborted = this.options.inTransaction !== undefined && !this.options.inTransaction();
      if (!sqliteAborted && classifyStorageFault(error) === null) throw error;
    } finally {
      c.inTransaction = false;
    }
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['savepoint']>>[2]): Promise<void> {
    const c = this.#unwrap(connection);
    try {
      await this.inner.savepoint?.(c.inner, name, compile);
    } catch (error) {
      throw storageError(error, this.options.health, 'savepoint');
    }
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['rollbackToSavepoint']>>[2]): Promise<void> {
    await this.inner.rollbackToSavepoint?.(this.#unwrap(connection).inner, name, compile);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['releaseSavepoint']>>[2]): Promise<void> {
    await this.inner.releaseSavepoint?.(this.#unwrap(connection).inner, name, compile);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(this.#unwrap(connection).inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }

  #unwrap(connection: DatabaseConnection): ObservedConnection {
    const c = this.#connections.get(connection);
    if (!c) throw new Error('observed dialect: unknown connection');
    return c;
  }
}
