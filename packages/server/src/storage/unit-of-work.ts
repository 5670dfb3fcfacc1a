/**
 * SqlUnitOfWork: one database transaction per `run`, with a scope of store ports bound to it.
 * main.ts decides what a scope holds; modules see only their own ports.
 */
import type { UnitOfWork } from '../kernel/index.js';
import type { Executor, SqlDatabase } from './sql-database.js';

export class SqlUnitOfWork<Scope> implements UnitOfWork<Scope> {
  constructor(
    private readonly database: SqlDatabase,
    private readonly scope: (executor: Executor) => Scope,
  ) {}

  run<T>(fn: (scope: Scope) => Promise<T>): Promise<T> {
    return this.database.db.transaction().execute((trx) => fn(this.scope(trx)));
  }
}
