/**
 * GET/POST /api/v1/backups as the console uses them: platform admins only, each view audited,
 * "back up now" refused with 409 until a target and a recovery recipient exist, then listed.
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
  const created = await h.as(admin, 'POST', '/api/v1/backups', {});
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const outcomes = created.body['outcomes'] as Array<{ ok: boolean }>;
  assert.deepEqual(outcomes.map((o) => o.ok), [true]);
  const overview = await h.as(admin, 'GET', '/api/v1/backups');
  assert.equal(overview.status, 200);
  const backups = overview.body['backups'] as Array<{ id: string; bytes: number }>;
  assert.equal(backups[0]?.id, created.body['id']);
  assert.ok((backups[0]?.bytes ?? 0) > 0);
  const events = await platform.auditReader().readAfter(0, 100_000);
  assert.equal(events.filter((e) => e.action === 'backup.overview.view').length, 2);
  assert.ok(events.some((e) => e.action === 'backup.create' && e.outcome === 'success'));
});

test('fail/an organization admin without platform-admin is denied (403)', async () => {
  const orgAdmin = await h.createUser(admin, 'org.admin.only', ['org-admin']);
  assert.equal((await h.as(orgAdmin, 'GET', '/api/v1/backups')).status, 403);
  assert.equal((await h.as(orgAdmin, 'POST', '/api/v1/backups', {})).status, 403);
});
