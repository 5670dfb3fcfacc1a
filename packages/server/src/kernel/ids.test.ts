import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isId, newId, newTimeOrderedId } from './ids.js';

test('ok/time-ordered ids are UUIDv7, valid ids, and sort in the order they were made', () => {
  const ids = Array.from({ length: 2000 }, () => newTimeOrderedId());
  for (const id of ids) {
    assert.ok(isId(id), id);
    assert.equal(id[14], '7', `version nibble of ${id}`);
  }
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, ids.length);
  // Its first 48 bits are the Unix milliseconds at which it was made.
  const ms = Number.parseInt(ids[0]!.replace(/-/g, '').slice(0, 12), 16);
  assert.ok(Math.abs(ms - Date.now()) < 60_000);
});

test('ok/plain ids stay random UUIDv4', () => {
  const id = newId();
  assert.ok(isId(id));
  assert.equal(id[14], '4');
});
