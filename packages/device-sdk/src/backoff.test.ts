import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { backoffDelay } from './backoff.js';

test('ok/back-off delays stay within [minMs, maxMs] and their ceiling grows exponentially (property)', () => {
  fc.assert(
    fc.property(fc.nat(100), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 600_000 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, initialMs, maxMs, r) => {
      const policy = { initialMs, maxMs, minMs: 50 };
      const delay = backoffDelay(attempt, policy, () => r);
      assert.ok(delay >= Math.min(50, maxMs) && delay <= maxMs, `delay ${delay}`);
      assert.ok(delay <= Math.max(Math.min(50, maxMs), initialMs * 2 ** attempt));
    }),
  );
});

test('ok/full jitter spreads a fleet: the top of the range is reached, and attempt 3 can wait 8x the first', () => {
  const policy = { initialMs: 1_000, maxMs: 60_000 };
  assert.equal(backoffDelay(0, policy, () => 0.999), 999);
  assert.equal(backoffDelay(3, policy, () => 0.999), 7_992);
  assert.equal(backoffDelay(20, policy, () => 0.999), 59_940);
  assert.equal(backoffDelay(3, policy, () => 0), 0);
});
