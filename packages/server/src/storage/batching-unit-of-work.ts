/**
 * BatchingUnitOfWork: a UnitOfWork whose concurrent runs share one database transaction, each in
 * its own savepoint, so that N audited PHI reads cost one durable commit instead of N.
 *
 * Why: every PHI read writes its audit event in the read's transaction (ARCHITECTURE rule 8). On
 * SQLite each of those commits is an fsync on the only connection; on PostgreSQL each serializes
 * on the audit chain head. Under load that commit, not the read, bounds throughput. Gathering the
 * runs that arrive while a commit is in flight (no added wait when idle) keeps "the read and its
 * audit event in one transaction, the answer only after the commit" and pays one commit per batch.
 *
 * MUST: a run's promise settles only after the transaction holding it committed (or failed).
 * MUST: a run that throws is rolled back to its savepoint, alone: its writes (e.g. an audit event)
 *       do not commit, and it rejects with its own error; the others of the batch still commit.
 * MUST: a failed commit rejects every run of the batch: nothing of theirs is reported as done.
 * MUST: runs execute one after another inside the transaction, in arrival order; a run must not
 *       start another transaction on the same database (as with SqlUnitOfWork on SQLite).
 */
import { sql } from 'kysely';
import type { UnitOfWork } from '../kernel/index.js';
import type { Executor, SqlDatabase } from './sql-database.js';

export interface BatchingOptions {
  /** Most runs in one transaction; the rest wait for the next. */
  readonly maxBatch: number;
}

interface Job<Scope> {
  readonly fn: (scope: Scope) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Settled = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

export class BatchingUnitOfWork<Scope> implements UnitOfWork<Scope> {
  private queue: Job<Scope>[] = [];
  private flushing = false;
  private scheduled = false;
  /** Transactions committed and the runs they held, for tests and the bench. */
  readonly stats = { batches: 0, runs: 0, largestBatch: 0 };

  constructor(
    private readonly database: SqlDatabase,
    private readonly scope: (executor: Executor) => Scope,
    private readonly options: BatchingOptions = { maxBatch: 64 },
  ) {}

  run<T>(fn: (scope: Scope) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Idle: start on the next turn of the event loop (runs arriving in this turn join). Busy: the running flush picks the queue up. */
  private schedule(): void {
    if (this.flushing || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, Math.max(1, this.options.maxBatch));
        await this.commit(batch);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async commit(batch: readonly Job<Scope>[]): Promise<void> {
    let settled: Settled[];
    try {
      settled = await this.database.db.transaction().execute(async (trx) => {
        const scope = this.scope(trx);
        const out: Settled[] = [];
        for (const [i, job] of batch.entries()) {
          const savepoint = sql.raw(`vigil_run_${i}`);
          await sql`SAVEPOINT ${savepoint}`.execute(trx);
          try {
            const value = await job.fn(scope);
            await sql`RELEASE SAVEPOINT ${savepoint}`.execute(trx);
            out.push({ ok: true, value });
          } catch (error) {
            try {
              await sql`ROLLBACK TO SAVEPOINT ${savepoint}`.execute(trx);
              await sql`RELEASE SAVEPOINT ${savepoint}`.execute(trx);
            } catch {
              // The transaction itself is gone (SQLite aborted it on SQLITE_FULL, or the PostgreSQL
              // connection was lost): fail the batch with the run's own error, not the rollback's.
              throw error;
            }
            out.push({ ok: false, error });
          }
        }
        return out;
      });
    } catch (error) {
      for (const job of batch) job.reject(error);
      return;
    }
    this.stats.batches += 1;
    this.stats.runs += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    batch.forEach((job, i) => {
      const s = settled[i];
      if (s?.ok === true) job.resolve(s.value);
      else job.reject(s === undefined ? new Error('batching unit of work: run not settled') : s.error);
    });
  }
}
