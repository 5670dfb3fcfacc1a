import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBucket } from './token-bucket.js';

test('ok/a burst passes, then the rate applies', () => {
  const bucket = new TokenBucket(2, 3, 0);
  assert.deepEqual([0, 0, 0, 0].map(() => bucket.take(0)), [true, true, true, false]);
  assert.equal(bucket.take(400), false, '0.8 token after 400 ms');
  assert.equal(bucket.take(500), true, '1 token after 500 ms');
  assert.equal(bucket.take(10_000), true);
  assert.equal(bucket.take(10_000), true);
  assert.equal(bucket.take(10_000), true);
  assert.equal(bucket.take(10_000), false, 'never more than the burst');
});
