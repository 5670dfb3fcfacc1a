/** Checkpoint coverage rules, table-driven: what a log with checkpoints removed looks like, and what a sound one does. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditCheckpoint } from '@vigil/protocol';
import { checkCoverage, unsignedSecondsLimit, type CoverageInput } from './coverage.js';

const T0 = Date.UTC(2026, 0, 1);
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const cp = (seq: number, seconds: number): AuditCheckpoint => ({ seq, hash: 'h'.repeat(64), time: at(seconds), keyId: 'k', signature: 's' });
const policy = { checkpointEvery: 5, checkpointIntervalSeconds: 60 };

/** A log of `last` events, event i written at times[i] (default: i seconds). */
function input(last: number, checkpoints: AuditCheckpoint[], over: Partial<CoverageInput> = {}, times: (seq: number) => number = (s) => s): CoverageInput {
  const map = new Map<number, string>();
  for (let seq = 1; seq <= last; seq += 1) map.set(seq, at(times(seq)));
  return { checkpoints, times: map, lastSeq: last, lastTime: at(times(last)), complete: true, policy, ...over };
}

const cases: Array<[string, CoverageInput, number | undefined, string?]> = [
  ['ok/checkpoints every 5 events, a 2-event tail', input(12, [cp(5, 5), cp(10, 10)]), undefined],
  ['ok/time checkpoints between count ones', input(12, [cp(3, 3), cp(8, 8), cp(12, 12)]), undefined],
  ['ok/an empty log', input(0, []), undefined],
  ['ok/a tail of 4 events with no checkpoint at all', input(4, []), undefined],
  ['fail/every checkpoint deleted: due at 5', input(12, []), 5, 'checkpoint-missing'],
  ['fail/one checkpoint deleted in the middle: due at 10', input(17, [cp(5, 5), cp(15, 15)]), 10, 'checkpoint-missing'],
  ['fail/a tail of exactly N events: its checkpoint was due', input(10, [cp(5, 5)]), 10, 'checkpoint-missing'],
  ['fail/the head names a checkpoint that is gone', input(7, [cp(5, 5)], { head: { seq: 7, hash: 'x', checkpointSeq: 7, checkpointTime: at(7) } }), 7, 'checkpoint-missing'],
  ['fail/two checkpoints for one seq', input(7, [cp(5, 5), cp(5, 6)]), 5, 'checkpoint-out-of-order'],
  ['fail/a checkpoint dated before the previous one', input(10, [cp(5, 50), cp(10, 20)]), 10, 'checkpoint-out-of-order'],
  ['fail/a checkpoint dated before its event', input(5, [cp(5, 1)]), 5, 'checkpoint-out-of-order'],
  ['fail/a stretch spanning too long (count fine)', input(4, [cp(4, 400)], {}, (s) => s * 100), 1, 'checkpoint-missing'],
  ['fail/an unsigned tail spanning too long', input(7, [cp(5, 5)], {}, (s) => (s <= 6 ? s : 6 + unsignedSecondsLimit(policy) + 1)), 6, 'checkpoint-missing'],
];

for (const [name, given, firstBad, problem] of cases) {
  test(name, () => {
    const result = checkCoverage(given);
    const first = [...result.failures].sort((a, b) => a.seq - b.seq)[0];
    assert.equal(first?.seq, firstBad, JSON.stringify(result.failures));
    if (problem !== undefined) assert.equal(first?.problem, problem);
  });
}

test('ok/the tail is reported, from the last checkpoint to the last event', () => {
  assert.deepEqual(checkCoverage(input(12, [cp(5, 5), cp(10, 10)])).tail, { fromSeq: 11, toSeq: 12 });
  assert.equal(checkCoverage(input(10, [cp(5, 5), cp(10, 10)])).tail, undefined);
});
