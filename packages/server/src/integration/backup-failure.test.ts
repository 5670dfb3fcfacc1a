/**
 * A failing target (disk full, a hang past the timeout; S3 500 in the S3 tests) raises an alert,
 * is audited, leaves the previous backups intact, and is retried by the scheduled run.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalDirectoryTarget } from '../backup/index.js';
import { SYSTEM_PRINCIPAL, type RequestContext } from '../kernel/index.js';
import { FlakyTarget, makeBackupFixture, type BackupFixture } from './backup-fixtures.js';

const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'failure-test', source: 'local' };
const noSleep = () => Promise.resolve();

describe('sqlite/failing backup targets', () => {
  let f: BackupFixture;
  let flaky: FlakyTarget;
  let first: string;

  before(async () => {
    f = await makeBackupFixture({
      targets: (root) => {
        flaky = new FlakyTarget(new LocalDirectoryTarget(join(root, 'offsite')));
        return [new LocalDirectoryTarget(join(root, 'target')), flaky];
      },
      // Long enough for a healthy target on a loaded machine (the encryption worker starts per part), short for a hang.
      targetTimeoutMs: 6000,
    });
    const result = await f.service.create(ctx);
    assert.deepEqual(result.outcomes.map((o) => o.ok), [true, true], JSON.stringify(result.outcomes));
    first = result.id;
  });
  after(() => f.dispose());

  test('fail/a full disk: alert, audit, the other target still gets the backup, and the retry succeeds', async () => {
    // The checkpoint job signs the last hour's events before the clock moves on (as it would in a running server).
    await f.platform.withAuditStore((store) => f.platform.auditLog.checkpointIfDue(store, true));
    f.clock.advance(3_600_000);
    flaky.mode = 'disk-full';
    flaky.failuresLeft = 1;
    const run = await f.service.runScheduled(ctx, { identity: f.drillKey, attempts: 3, delayMs: 1, sleep: noSleep });
    assert.equal(run.created.length, 2, `one retry: ${JSON.stringify(run.created.map((c) => c.outcomes))}`);
    assert.deepEqual(run.created[0]?.outcomes.map((o) => o.ok), [true, false]);
    assert.match(run.created[0]?.outcomes[1]?.error ?? '', /ENOSPC|no space/);
    assert.deepEqual(run.created[1]?.outcomes.map((o) => o.ok), [true]);
    assert.deepEqual(run.failedTargets, []);
    assert.ok(run.verified.length >= 2 && run.verified.every((v) => v.ok), JSON.stringify(run.verified));
    await f.platform.security.alerts.flush();
    assert.ok(f.alerts.some((a) => a.detector === 'backup-failure' && a.summary.includes('create')));
    const events = await f.platform.auditReader().readAfter(0, 10_000);
    assert.ok(events.some((e) => e.action === 'backup.create' && e.outcome === 'failure'));
    const offsite = await flaky.listBackups();
    assert.ok(offsite.includes(first), 'the previous backup is intact');
    assert.equal(offsite.length, 2);
  });

  test('fail/a target that hangs times out, stays failed after every attempt, and keeps its previous backups', async () => {
    // The checkpoint job signs the last hour's events before the clock moves on (as it would in a running server).
    await f.platform.withAuditStore((store) => f.platform.auditLog.checkpointIfDue(store, true));
    f.clock.advance(3_600_000);
    const before = await flaky.listBackups();
    flaky.mode = 'hang';
    flaky.failuresLeft = Number.POSITIVE_INFINITY;
    const run = await f.service.runScheduled(ctx, { attempts: 2, delayMs: 1, sleep: noSleep });
    assert.deepEqual(run.failedTargets, [flaky.name]);
    assert.match(run.created.at(-1)?.outcomes.at(-1)?.error ?? '', /timed out/);
    assert.deepEqual(await flaky.listBackups(), before, 'nothing half-written is listed; nothing old is lost');
    const report = await f.service.verify(ctx, f.drillKey, { backupId: first, target: flaky.name });
    assert.equal(report.ok, true, report.reason);
    flaky.mode = 'ok';
  });
});
