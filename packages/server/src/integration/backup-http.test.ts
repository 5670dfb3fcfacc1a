/**
 * GET/POST /api/v1/backups as the console uses them: platform admins only, each view audited,
 * "back up now" refused with 409 until a target and a recovery recipient exist; then a background
 * job whose progress and result the page polls (GET /api/v1/backups/job), the backup listed, and
 * "run drill now" the same way.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { initDrillIdentity, initRecoveryRecipient } from '../backup/index.js';
import { ADMIN_PASSWORD, IdentityHarness, type Signed } from './identity-fixtures.js';

let h: IdentityHarness;
let admin: Signed;

before(async () => {
  h = await IdentityHarness.start();
  await h.setup('Hospital A');
  admin = await h.signIn('admin', ADMIN_PASSWORD);
});
after(async () => {
  delete process.env['VIGIL_BACKUP_DIR'];
  await h.dispose();
});

test('ok/the overview answers with nothing configured; fail/back up now is 409 BACKUP_NOT_CONFIGURED', async () => {
  const overview = await h.as(admin, 'GET', '/api/v1/backups');
  assert.equal(overview.status, 200);
  assert.equal(overview.body['configured'], false);
  const now = await h.as(admin, 'POST', '/api/v1/backups', {});
  assert.equal(now.status, 409);
  assert.equal((now.body['error'] as { code: string }).code, 'BACKUP_NOT_CONFIGURED');
});

test('ok/once configured, back up now works, the backup is listed, and every view is audited', async () => {
  const platform = h.t.platform;
  await initRecoveryRecipient(platform.dataDir, { now: platform.clock.now() });
  await initDrillIdentity(platform.dataDir, platform.sealer);
  process.env['VIGIL_BACKUP_DIR'] = join(h.t.dataDir, '..', 'backups');
  const started = await h.as(admin, 'POST', '/api/v1/backups', {});
  assert.equal(started.status, 202, JSON.stringify(started.body));
  assert.equal(started.body['state'], 'running');
  assert.equal(started.body['kind'], 'backup');
  const job = await finished(started.body['id'] as string);
  assert.equal(job['state'], 'succeeded', JSON.stringify(job));
  const result = job['result'] as { backupId: string; outcomes: Array<{ ok: boolean }> };
  assert.deepEqual(result.outcomes.map((o) => o.ok), [true]);
  const progress = job['progress'] as { done: number; total: number };
  assert.ok(progress.total > 0 && progress.done === progress.total, JSON.stringify(progress));
  const overview = await h.as(admin, 'GET', '/api/v1/backups');
  assert.equal(overview.status, 200);
  const backups = overview.body['backups'] as Array<{ id: string; bytes: number }>;
  assert.equal(backups[0]?.id, result.backupId);
  assert.ok((backups[0]?.bytes ?? 0) > 0);
  const events = await platform.auditReader().readAfter(0, 100_000);
  assert.equal(events.filter((e) => e.action === 'backup.overview.view').length, 2);
  assert.ok(events.some((e) => e.action === 'backup.create' && e.outcome === 'success'));
  assert.ok(events.some((e) => e.action === 'backup.job.start' && e.targetId === started.body['id']));
  assert.ok(events.some((e) => e.action === 'backup.job.finish' && e.targetId === started.body['id'] && e.outcome === 'success'));
});

test('ok/run drill now: a drill job restores the newest backup, boots it, and reports RTO and RPO', async () => {
  const started = await h.as(admin, 'POST', '/api/v1/backups/drill', {});
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const job = await finished(started.body['id'] as string);
  assert.equal(job['state'], 'succeeded', JSON.stringify(job));
  const result = job['result'] as { ok: boolean; rtoMs: number | null };
  assert.equal(result.ok, true);
  assert.ok((result.rtoMs ?? 0) > 0);
  const overview = await h.as(admin, 'GET', '/api/v1/backups');
  assert.equal((overview.body['drills'] as unknown[]).length, 1);
});

/** Polls the job view until the job with `id` is no longer running. */
async function finished(id: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const view = await h.as(admin, 'GET', '/api/v1/backups/job');
    assert.equal(view.status, 200);
    const job = view.body['job'] as Record<string, unknown> | null;
    assert.equal(job?.['id'], id);
    if (job?.['state'] !== 'running') return job ?? {};
    if (Date.now() > deadline) throw new Error('the job did not finish in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('fail/an organization admin without platform-admin is denied (403)', async () => {
  const orgAdmin = await h.createUser(admin, 'org.admin.only', ['org-admin']);
  assert.equal((await h.as(orgAdmin, 'GET', '/api/v1/backups')).status, 403);
  assert.equal((await h.as(orgAdmin, 'POST', '/api/v1/backups', {})).status, 403);
  assert.equal((await h.as(orgAdmin, 'POST', '/api/v1/backups/drill', {})).status, 403);
  assert.equal((await h.as(orgAdmin, 'GET', '/api/v1/backups/job')).status, 403);
});
