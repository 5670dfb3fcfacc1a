/** Connection rate limit with back-off (issue 11 item 5), table-driven on a manual clock. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionThrottle } from './connection-throttle.js';

describe('ConnectionThrottle', () => {
  it('ok/a burst then the sustained rate is admitted', () => {
    const t = new ConnectionThrottle({ perMinute: 6, burst: 3, backoffMaxSeconds: 300 });
    for (let i = 0; i < 3; i += 1) assert.equal(t.check('dev', 0).ok, true);
    // One token every 10 s.
    assert.equal(t.check('dev', 10_000).ok, true);
    assert.equal(t.check('dev', 20_000).ok, true);
  });

  it('fail/a tight reconnect loop is refused, with blocks doubling up to the maximum, reported once per block', () => {
    const t = new ConnectionThrottle({ perMinute: 6, burst: 3, backoffMaxSeconds: 80 });
    let admitted = 0;
    let reported = 0;
    const blocks: number[] = [];
    // 100 attempts a second for 10 minutes.
    for (let now = 0; now < 600_000; now += 10) {
      const d = t.check('dev', now);
      if (d.ok) admitted += 1;
      else if (d.report) {
        reported += 1;
        blocks.push(d.retryAfterMs);
      }
    }
    assert.deepEqual(blocks.slice(0, 4), [10_000, 20_000, 40_000, 80_000]);
    assert.ok(blocks.slice(4).every((b) => b === 80_000));
    // At most burst + one per block: far below the 6/min sustained rate.
    assert.ok(admitted <= 3 + reported, `admitted ${admitted}`);
    assert.ok(admitted < 20, `admitted ${admitted} of 60,000 attempts`);
    assert.ok(reported < 15, `reported ${reported}`);
  });

  it('ok/keys are independent, and strikes are forgiven after a quiet period', () => {
    const t = new ConnectionThrottle({ perMinute: 60, burst: 1, backoffMaxSeconds: 10 });
    assert.equal(t.check('a', 0).ok, true);
    assert.equal(t.check('a', 1).ok, false);
    assert.equal(t.check('b', 1).ok, true);
    const late = t.check('a', 60_000);
    assert.equal(late.ok, true);
    assert.equal(t.check('a', 60_001).ok, false);
    const d = t.check('a', 60_002);
    assert.equal(d.ok === false && d.strikes, 1, 'forgiven: back to the first block');
  });

  it('ok/memory is bounded', () => {
    const t = new ConnectionThrottle({ perMinute: 60, burst: 1, backoffMaxSeconds: 10 }, 100);
    for (let i = 0; i < 1000; i += 1) t.check(`k${i}`, i);
    assert.equal(t.size, 100);
  });
});
