/**
 * StorageHealth through the observed driver on a real SQLite database (issue 17). A full disk is
 * simulated with PRAGMA max_page_count: SQLite answers SQLITE_FULL exactly as on a full file system.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { type AppError, isAppError } from '../kernel/index.js';
import { BatchingUnitOfWork } from './batching-unit-of-work.js';
import { openDatabase } from './open.js';
import { StorageHealth } from './storage-health.js';
import { SqlUnitOfWork } from './unit-of-work.js';

async function withDatabase(fn: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-health-'));
  const database = await openDatabase({ dataDir: dir });
  try {
    await fn(database);
  } finally {
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const bigRow = (i: number) => ({ key: `fill-${i}`, value: 'x'.repeat(4000), updated_at: new Date().toISOString() });

describe('StorageHealth', () => {
  it('fail/a full disk fails the transaction with STORAGE_UNAVAILABLE (SQLITE_FULL as cause), not "cannot rollback"; ok/the probe restores health', async () => {
    await withDatabase(async (database) => {
      const raw = database.sqliteHandle!;
      const pages = Number(raw.pragma('page_count', { simple: true }));
      raw.pragma(`max_page_count = ${pages + 1}`);
      const uow = new SqlUnitOfWork(database, (executor) => executor);
      const error = await uow
        .run(async (trx) => {
          for (let i = 0; i < 50; i += 1) await trx.insertInto('system_meta').values(bigRow(i)).execute();
        })
        .then(
          () => null,
          (e: unknown) => e,
        );
      assert.ok(isAppError(error), `an AppError, got ${String(error)}`);
      assert.equal((error as AppError).code, 'STORAGE_UNAVAILABLE');
      assert.equal(((error as AppError).cause as { code?: string }).code, 'SQLITE_FULL');
      assert.doesNotMatch(String((error as AppError).message), /cannot rollback/);
      assert.equal(database.health.healthy, false);
      assert.equal(database.health.failure()?.kind, 'disk-full');
      assert.equal(database.health.failures['disk-full'] >= 1, true);
      // Reads still work on a full disk: that is why readiness cannot rest on `select 1`.
      assert.equal(await database.ping(), true);
      raw.pragma('max_page_count = 1073741823');
      assert.equal(await database.health.whenHealthy(5_000), true, 'the recovery probe committed');
    });
  });

  it('fail/a full disk fails a whole batch of the batching unit of work with the run error, not the savepoint rollback', async () => {
    await withDatabase(async (database) => {
      const raw = database.sqliteHandle!;
      raw.pragma(`max_page_count = ${Number(raw.pragma('page_count', { simple: true })) + 1}`);
      const uow = new BatchingUnitOfWork(database, (executor) => executor);
      const runs = [0, 1, 2].map((k) =>
        uow.run(async (trx) => {
          for (let i = 0; i < 20; i += 1) await trx.insertInto('system_meta').values(bigRow(k * 100 + i)).execute();
        }),
      );
      const settled = await Promise.allSettled(runs);
      for (const s of settled) {
        assert.equal(s.status, 'rejected');
        assert.doesNotMatch(String((s as PromiseRejectedResult).reason), /savepoint|cannot rollback/i);
      }
      assert.equal(database.health.healthy, false);
    });
  });

  it('ok/constraint errors and bugs are not storage faults', async () => {
    await withDatabase(async (database) => {
      await database.db.insertInto('system_meta').values(bigRow(1)).execute();
      await assert.rejects(database.db.insertInto('system_meta').values(bigRow(1)).execute(), /UNIQUE/);
      await assert.rejects(sql`select * from no_such_table`.execute(database.db), /no such table/);
      assert.equal(database.health.healthy, true);
    });
  });

  it('ok/whenHealthy times out while failing and wakes at the first commit', async () => {
    const health = new StorageHealth();
    assert.equal(health.recordError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), 'test'), true);
    assert.equal(await health.whenHealthy(20), false);
    const waiting = health.whenHealthy(5_000);
    health.recordCommit();
    assert.equal(await waiting, true);
    assert.equal(health.outages, 1);
    health.close();
  });
});
