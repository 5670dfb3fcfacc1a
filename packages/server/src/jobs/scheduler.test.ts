import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { Scheduler } from './scheduler.js';

test('ok/a job runs periodically, never overlaps itself, and a failure does not stop it', async () => {
  const errors: string[] = [];
  const scheduler = new Scheduler((job) => errors.push(job));
  let running = 0;
  let maxRunning = 0;
  let runs = 0;
  scheduler.add({
    name: 'slow',
    everyMs: 5,
    run: async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      runs += 1;
      await sleep(20);
      running -= 1;
      if (runs === 1) throw new Error('first run fails');
    },
  });
  await sleep(120);
  await scheduler.stop();
  assert.equal(maxRunning, 1);
  assert.ok(runs >= 2, `ran ${runs} times`);
  assert.deepEqual(errors, ['slow']);
});

test('ok/stop waits for a running job and no run starts afterwards', async () => {
  const scheduler = new Scheduler(() => undefined);
  let finished = false;
  let started = 0;
  scheduler.add({
    name: 'long',
    everyMs: 5,
    run: async () => {
      started += 1;
      await sleep(40);
      finished = true;
    },
  });
  await sleep(15);
  await scheduler.stop();
  assert.equal(finished, true);
  const after = started;
  await sleep(30);
  assert.equal(started, after);
});
