import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { backoffDelay, isServerUnavailable, reconnectDelay } from './backoff.js';

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

test('ok/after CONNACK 3 "server unavailable" the device waits at least the floor, jittered, within maxMs (issue 17)', () => {
  const policy = { initialMs: 1_000, maxMs: 60_000, minMs: 100, serverUnavailableMinMs: 5_000 };
  assert.equal(reconnectDelay(0, policy, true, () => 0), 5_000);
  assert.equal(reconnectDelay(0, policy, true, () => 0.5), 7_500);
  assert.equal(reconnectDelay(0, policy, false, () => 0), 100, 'other refusals keep the ordinary back-off');
  assert.equal(reconnectDelay(10, { ...policy, maxMs: 6_000 }, true, () => 0.999), 6_000);
  fc.assert(
    fc.property(fc.nat(40), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
      const d = reconnectDelay(attempt, policy, true, () => r);
      assert.ok(d >= 5_000 && d <= 60_000, `delay ${d}`);
    }),
  );
});

test('ok/isServerUnavailable recognizes the mqtt.js CONNACK 3 error only', () => {
  assert.equal(isServerUnavailable(Object.assign(new Error('Connection refused: Server unavailable'), { code: 3 })), true);
  assert.equal(isServerUnavailable(Object.assign(new Error('Connection refused: Not authorized'), { code: 5 })), false);
  assert.equal(isServerUnavailable(new Error('read ECONNRESET')), false);
  assert.equal(isServerUnavailable(null), false);
});
