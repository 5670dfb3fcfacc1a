import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from './app-error.js';
import { decodeListCursor, encodeListCursor, pageInMemory, parseListPage, type SortSpec } from './list-page.js';

const SPEC: SortSpec<'name' | 'openedAt'> = { keys: ['name', 'openedAt'], defaultSort: 'openedAt', defaultDirection: 'desc' };

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof AppError);
    return error.code;
  }
  return 'none';
}

test('ok/defaults, ascending and descending keys', () => {
  assert.deepEqual(parseListPage(SPEC, {}), { sort: 'openedAt', direction: 'desc', limit: 50, after: null });
  assert.deepEqual(parseListPage(SPEC, { sort: 'name', limit: 3 }), { sort: 'name', direction: 'asc', limit: 3, after: null });
  assert.equal(parseListPage(SPEC, { sort: '-name' }).direction, 'desc');
});

test('ok/a cursor round-trips its position for the same sort', () => {
  for (const value of ['Ada', 7, null, '']) {
    const cursor = encodeListCursor('name', 'asc', { value, id: 'a1b2' });
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(parseListPage(SPEC, { sort: 'name', cursor }).after, { value, id: 'a1b2' });
  }
});

test('fail/sort keys off the whitelist are LIST_SORT_INVALID', () => {
  for (const sort of ['password', 'name;drop table', '--name', '', 'name desc', '-']) assert.equal(code(() => parseListPage(SPEC, { sort })), 'LIST_SORT_INVALID', sort);
});

test('fail/a limit out of range is VALIDATION_FAILED', () => {
  for (const limit of [0, -1, 201, 1.5]) assert.equal(code(() => parseListPage(SPEC, { limit })), 'VALIDATION_FAILED', String(limit));
});

test('fail/cursors that are malformed, of another sort or direction, or forged are LIST_CURSOR_INVALID', () => {
  const good = encodeListCursor('name', 'asc', { value: 'x', id: 'id1' });
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const bad = [
    'not a cursor!',
    '',
    'A'.repeat(800),
    Buffer.from('{not json').toString('base64url'),
    b64({ v: 'l1' }),
    b64(['l0', 'name', 'a', 'x', 'id1']),
    b64(['l1', 'name', 'a', { $gt: '' }, 'id1']),
    b64(['l1', 'name', 'a', 'x', "id1' or 1=1"]),
    b64(['l1', 'name', 'a', 'x'.repeat(301), 'id1']),
    b64(['l1', 'name', 'a', 'x', 'id1', 'extra']),
  ];
  for (const cursor of bad) assert.equal(code(() => decodeListCursor(cursor, 'name', 'asc')), 'LIST_CURSOR_INVALID', cursor.slice(0, 40));
  assert.equal(code(() => parseListPage(SPEC, { sort: 'openedAt', cursor: good })), 'LIST_CURSOR_INVALID', 'made for another sort key');
  assert.equal(code(() => parseListPage(SPEC, { sort: '-name', cursor: good })), 'LIST_CURSOR_INVALID', 'made for the other direction');
  assert.equal(code(() => parseListPage(SPEC, { sort: 'name', cursor: good })), 'none');
});

test('ok/pageInMemory walks every row once in (sort, id) order, ties broken by id', () => {
  const rows = ['c', 'a', 'b', 'a', 'c', 'b', 'a'].map((name, i) => ({ id: `id${i}`, name }));
  for (const sort of ['name', '-name']) {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = parseListPage(SPEC, { sort, limit: 2, cursor });
      const paged = pageInMemory(rows, page, (r) => ({ value: r.name, id: r.id }));
      seen.push(...paged.items.map((r) => `${r.name}:${r.id}`));
      cursor = paged.nextCursor ?? undefined;
    } while (cursor !== undefined);
    const asc = ['a:id1', 'a:id3', 'a:id6', 'b:id2', 'b:id5', 'c:id0', 'c:id4'];
    assert.deepEqual(seen, sort === 'name' ? asc : [...asc].reverse(), sort);
  }
});
