import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError, isAppError, ManualClock, SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import { ConsoleJobRunner, type ConsoleJob, type ConsoleJobResult } from './console-jobs.js';

const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'jobs-test', source: 'local' };
const OK: ConsoleJobResult = { backupId: 'b1', ok: true, outcomes: [{ target: 'local:/x', ok: true, bytes: 10 }], rtoMs: null, rpoMs: null };

function runner(auditFails = false) {
  const audited: Array<{ action: string; job: ConsoleJob }> = [];
  const jobs = new ConsoleJobRunner({
    clock: new ManualClock(new Date('2026-12-06T08:00:00Z')),
    audit: (_ctx, action, job) => {
      if (auditFails) return Promise.reject(new AppError('AUDIT_WRITE_FAILED'));
      audited.push({ action, job });
      return Promise.resolve();
    },
  });
  return { jobs, audited };
}

test('ok/one job at a time: a second start while one runs is BACKUP_JOB_RUNNING; progress and result are kept', async () => {
  const { jobs, audited } = runner();
  let release: (r: ConsoleJobResult) => void = () => undefined;
  let report: (done: number, total: number) => void = () => undefined;
  const first = await jobs.start(ctx, 'backup', (onProgress) => {
    report = onProgress;
    return new Promise((resolve) => (release = resolve));
  });
  assert.equal(first.state, 'running');
  await assert.rejects(jobs.start(ctx, 'drill', () => Promise.resolve(OK)), (e: unknown) => isAppError(e) && e.code === 'BACKUP_JOB_RUNNING');
  report(5, 10);
  assert.deepEqual(jobs.current()?.progress, { done: 5, total: 10 });
  release(OK);
  await jobs.settled();
  assert.equal(jobs.current()?.state, 'succeeded');
  assert.equal(jobs.current()?.result?.backupId, 'b1');
  assert.deepEqual(audited.map((a) => [a.action, a.job.state]), [['backup.job.start', 'running'], ['backup.job.finish', 'succeeded']]);
  // Once finished, another job may start.
  await jobs.start(ctx, 'drill', () => Promise.resolve(OK));
  await jobs.settled();
  assert.equal(jobs.current()?.kind, 'drill');
});

test('fail/a job that throws, or whose result is not ok, ends failed and its end is audited as a failure', async () => {
  const { jobs, audited } = runner();
  await jobs.start(ctx, 'backup', () => Promise.reject(new AppError('BACKUP_SNAPSHOT_FAILED', { detail: 'disk full' })));
  await jobs.settled();
  assert.equal(jobs.current()?.state, 'failed');
  assert.equal(jobs.current()?.error, 'disk full');
  await jobs.start(ctx, 'backup', () => Promise.resolve({ ...OK, ok: false }));
  await jobs.settled();
  assert.equal(jobs.current()?.state, 'failed');
  assert.deepEqual(audited.filter((a) => a.action === 'backup.job.finish').map((a) => a.job.state), ['failed', 'failed']);
});

test('fail/when the start cannot be audited, the job does not run (fails closed)', async () => {
  const { jobs } = runner(true);
  let ran = false;
  await assert.rejects(jobs.start(ctx, 'backup', () => {
    ran = true;
    return Promise.resolve(OK);
  }));
  assert.equal(ran, false);
  assert.equal(jobs.current(), null);
});
