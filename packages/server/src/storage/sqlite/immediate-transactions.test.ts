/**
 * Two writers of one SQLite file: a transaction that reads before it writes must not fail because
 * another connection committed in between (issue 11, item 6). The second connection stands in for
 * the other process (the CLI beside the server); its busy timeout is 0 so that nothing here waits.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type Generated } from 'kysely';
import { ImmediateSqliteDialect, isSqliteBusy } from './immediate-transactions.js';

interface Db {
  t: { id: Generated<number>; n: number };
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-immediate-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function open(file: string, immediate: boolean): { db: Kysely<Db>; other: BetterSqlite3.Database } {
  const raw = new BetterSqlite3(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('busy_timeout = 0');
  raw.exec('CREATE TABLE IF NOT EXISTS t (id integer primary key, n integer)');
  const other = new BetterSqlite3(file);
  other.pragma('busy_timeout = 0');
  const dialectConfig = { database: raw };
  const dialect = immediate ? new ImmediateSqliteDialect(dialectConfig, { retries: 6, retryDelayMs: 10 }) : new SqliteDialect(dialectConfig);
  return { db: new Kysely<Db>({ dialect }), other };
}

test('fail/a deferred transaction that read before another process committed cannot write (the bug)', async () => {
  const { db, other } = open(join(dir, 'deferred.db'), false);
  try {
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await sql`SELECT count(*) FROM t`.execute(trx);
        other.prepare('INSERT INTO t (n) VALUES (1)').run(); // the other process commits
        await trx.insertInto('t').values({ n: 2 }).execute();
      }),
      (e: unknown) => isSqliteBusy(e),
    );
  } finally {
    other.close();
    await db.destroy();
  }
});

test('ok/an immediate transaction holds the write lock from BEGIN: its write succeeds, the other writer waits its turn', async () => {
  const { db, other } = open(join(dir, 'immediate.db'), true);
  try {
    await db.transaction().execute(async (trx) => {
      await sql`SELECT count(*) FROM t`.execute(trx);
      assert.throws(() => other.prepare('INSERT INTO t (n) VALUES (1)').run(), (e: unknown) => isSqliteBusy(e), 'the other writer must wait');
      await trx.insertInto('t').values({ n: 2 }).execute();
    });
    other.prepare('INSERT INTO t (n) VALUES (3)').run();
    assert.deepEqual(other.prepare('SELECT n FROM t ORDER BY id').pluck().all(), [2, 3]);
  } finally {
    other.close();
    await db.destroy();
  }
});

test('ok/a BEGIN that finds the lock taken is retried after the other writer commits', async () => {
  const { db, other } = open(join(dir, 'retry.db'), true);
  try {
    other.exec('BEGIN IMMEDIATE');
    other.prepare('INSERT INTO t (n) VALUES (1)').run();
    setTimeout(() => other.exec('COMMIT'), 30);
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ n: 2 }).execute();
    });
    assert.deepEqual(other.prepare('SELECT n FROM t ORDER BY id').pluck().all(), [1, 2]);
  } finally {
    other.close();
    await db.destroy();
  }
});

test('fail/a lock never released fails after the retries, with the busy error (no endless wait)', async () => {
  const { db, other } = open(join(dir, 'stuck.db'), true);
  try {
    other.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    await assert.rejects(db.transaction().execute(async () => undefined), (e: unknown) => isSqliteBusy(e));
    assert.ok(Date.now() - started < 2000);
    other.exec('ROLLBACK');
  } finally {
    other.close();
    await db.destroy();
  }
});
