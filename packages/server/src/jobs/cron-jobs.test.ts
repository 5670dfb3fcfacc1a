import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../kernel/index.js';
import { CronJobs, withRetries } from './cron-jobs.js';

describe('cron jobs', () => {
  it('ok/a job is scheduled in UTC and reports its next run; "off" schedules nothing', async () => {
    const jobs = new CronJobs(() => undefined);
    jobs.add({ name: 'backup', pattern: '0 * * * *', run: () => Promise.resolve() });
    jobs.add({ name: 'drill', pattern: 'off', run: () => Promise.resolve() });
    const next = jobs.nextRuns();
    assert.equal(next.length, 1);
    assert.equal(next[0]?.job, 'backup');
    assert.match(next[0]?.at ?? '', /T\d{2}:00:00\.000Z$/);
    await jobs.stop();
  });

  it('fail/a malformed pattern is CONFIG_INVALID', () => {
    const jobs = new CronJobs(() => undefined);
    assert.throws(() => jobs.add({ name: 'x', pattern: 'every hour', run: () => Promise.resolve() }), (e: unknown) => isAppError(e) && e.code === 'CONFIG_INVALID');
  });

  it('ok/withRetries retries with a doubling delay until it succeeds', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await withRetries(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('transient');
        return 'done';
      },
      { attempts: 3, delayMs: 10, sleep: async (ms) => void delays.push(ms) },
    );
    assert.equal(result, 'done');
    assert.deepEqual(delays, [10, 20]);
  });

  it('fail/withRetries gives up after the last attempt with the last error', async () => {
    await assert.rejects(withRetries(() => Promise.reject(new Error('down')), { attempts: 2, delayMs: 1, sleep: () => Promise.resolve() }), /down/);
  });
});
