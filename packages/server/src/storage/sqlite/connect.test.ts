/**
 * The SQLite statement cache: a statement is reused by SQL text, and one whose text has more than
 * MAX_CACHED_STATEMENT_PARAMETERS placeholders (a multi-row INSERT or IN list sized by a batch) is
 * prepared for its one use and never kept, so batches of every size do not fill the cache.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { cachingStatements, MAX_CACHED_STATEMENT_PARAMETERS } from './connect.js';

const rowsInsert = (rows: number) => `INSERT INTO t (a, b) VALUES ${Array.from({ length: rows }, () => '(?, ?)').join(', ')}`;

test('ok/a statement is reused by its SQL text', () => {
  const db = cachingStatements(new BetterSqlite3(':memory:'));
  try {
    db.prepare('CREATE TABLE t (a integer, b integer)').run([]);
    const first = db.prepare('SELECT a FROM t WHERE b = ?');
    assert.equal(db.prepare('SELECT a FROM t WHERE b = ?'), first);
    assert.equal(db.cachedStatements(), 2);
  } finally {
    db.close();
  }
});

test('ok/statements with many parameters run but are not cached, whatever their number', () => {
  const db = cachingStatements(new BetterSqlite3(':memory:'));
  try {
    db.prepare('CREATE TABLE t (a integer, b integer)').run([]);
    const small = rowsInsert(MAX_CACHED_STATEMENT_PARAMETERS / 2); // exactly the limit: cached
    assert.equal(db.prepare(small), db.prepare(small));
    const before = db.cachedStatements();
    for (let rows = MAX_CACHED_STATEMENT_PARAMETERS / 2 + 1; rows <= 300; rows += 1) {
      const text = rowsInsert(rows);
      const statement = db.prepare(text);
      statement.run(Array.from({ length: rows * 2 }, (_, i) => i));
      assert.notEqual(db.prepare(text), statement, `${rows} rows: prepared anew`);
    }
    assert.equal(db.cachedStatements(), before, 'no multi-row statement was kept');
    const [count] = db.prepare('SELECT count(*) AS n FROM t').all([]) as { n: number }[];
    assert.equal(count?.n, Array.from({ length: 300 - MAX_CACHED_STATEMENT_PARAMETERS / 2 }, (_, i) => i + MAX_CACHED_STATEMENT_PARAMETERS / 2 + 1).reduce((a, b) => a + b, 0));
  } finally {
    db.close();
  }
});
