/**
 * BatchingUnitOfWork on SQLite and (with VIGIL_TEST_DATABASE_URL) PostgreSQL: concurrent runs share
 * one transaction, a failing run is rolled back alone (also after a database error, which aborts a
 * PostgreSQL transaction unless its savepoint is rolled back), and nothing settles before the commit.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { BatchingUnitOfWork } from '../batching-unit-of-work.js';
import type { Executor } from '../sql-database.js';
import { testAdapters, withTestDatabase } from './adapters.js';

const scope = (executor: Executor) => ({
  insert: (id: string) => sql`INSERT INTO batch_probe (id) VALUES (${id})`.execute(executor),
  count: async () => Number((await sql<{ n: number }>`SELECT count(*) AS n FROM batch_probe`.execute(executor)).rows[0]?.n ?? -1),
});

const ids = async (executor: Executor) => (await sql<{ id: string }>`SELECT id FROM batch_probe ORDER BY id`.execute(executor)).rows.map((r) => r.id);

for (const adapter of testAdapters()) {
  describe(`${adapter.name}/batching unit of work`, () => {
    test('ok/concurrent runs share one commit; results come back to each caller', () =>
      withTestDatabase(adapter.open, async ({ database }) => {
        await sql`CREATE TABLE batch_probe (id text PRIMARY KEY)`.execute(database.db);
        const uow = new BatchingUnitOfWork(database, scope, { maxBatch: 64 });
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => uow.run(async (s) => (await s.insert(`r${String(i).padStart(2, '0')}`), i * 2))));
        assert.deepEqual(results, Array.from({ length: 20 }, (_, i) => i * 2));
        assert.equal(uow.stats.runs, 20);
        assert.equal(uow.stats.batches, 1, 'runs arriving in one turn share a transaction');
        assert.equal((await ids(database.db)).length, 20);
      }));

    test('ok/maxBatch splits the queue into several transactions, in arrival order', () =>
      withTestDatabase(adapter.open, async ({ database }) => {
        await sql`CREATE TABLE batch_probe (id text PRIMARY KEY)`.execute(database.db);
        const uow = new BatchingUnitOfWork(database, scope, { maxBatch: 4 });
        const seen: number[] = [];
        await Promise.all(Array.from({ length: 10 }, (_, i) => uow.run(async (s) => (seen.push(i), s.insert(`r${i}`)))));
        assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert.equal(uow.stats.batches, 3);
        assert.equal(uow.stats.largestBatch, 4);
      }));

    test('fail/a throwing run is rolled back alone; the others commit', () =>
      withTestDatabase(adapter.open, async ({ database }) => {
        await sql`CREATE TABLE batch_probe (id text PRIMARY KEY)`.execute(database.db);
        const uow = new BatchingUnitOfWork(database, scope);
        const outcomes = await Promise.allSettled([
          uow.run((s) => s.insert('a')),
          uow.run(async (s) => {
            await s.insert('thrown');
            throw new Error('audit write failed');
          }),
          uow.run((s) => s.insert('b')),
        ]);
        assert.deepEqual(
          outcomes.map((o) => o.status),
          ['fulfilled', 'rejected', 'fulfilled'],
        );
        assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /audit write failed/);
        assert.deepEqual(await ids(database.db), ['a', 'b'], 'the failed run left nothing behind');
        assert.equal(uow.stats.batches, 1);
      }));

    test('fail/a database error inside one run (duplicate key) does not abort the batch', () =>
      withTestDatabase(adapter.open, async ({ database }) => {
        await sql`CREATE TABLE batch_probe (id text PRIMARY KEY)`.execute(database.db);
        const uow = new BatchingUnitOfWork(database, scope);
        const outcomes = await Promise.allSettled([
          uow.run((s) => s.insert('x')),
          uow.run(async (s) => {
            await s.insert('y');
            await s.insert('x'); // a unique violation: on PostgreSQL the transaction is aborted until ROLLBACK TO SAVEPOINT
          }),
          uow.run(async (s) => (await s.insert('z'), s.count())),
        ]);
        assert.deepEqual(
          outcomes.map((o) => o.status),
          ['fulfilled', 'rejected', 'fulfilled'],
        );
        assert.equal((outcomes[2] as PromiseFulfilledResult<number>).value, 2, 'the third run sees x and z, not y');
        assert.deepEqual(await ids(database.db), ['x', 'z']);
      }));

    test('ok/a run settles only after its transaction committed', () =>
      withTestDatabase(adapter.open, async ({ database }) => {
        await sql`CREATE TABLE batch_probe (id text PRIMARY KEY)`.execute(database.db);
        const uow = new BatchingUnitOfWork(database, scope);
        let committedWhenResolved: string[] | undefined;
        await uow.run((s) => s.insert('only')).then(async () => {
          committedWhenResolved = await ids(database.db);
        });
        assert.deepEqual(committedWhenResolved, ['only']);
        // Runs arriving while a batch commits are picked up by the next transaction, not lost.
        const first = uow.run((s) => s.insert('late-1'));
        await new Promise((r) => setImmediate(r));
        const second = uow.run((s) => s.insert('late-2'));
        await Promise.all([first, second]);
        assert.deepEqual(await ids(database.db), ['late-1', 'late-2', 'only']);
      }));
  });
}
