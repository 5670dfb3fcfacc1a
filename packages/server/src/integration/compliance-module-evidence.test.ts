/**
 * The compliance checks that read the backup and firmware-update modules' tables (issues 12, 13)
 * evaluate for real on a running platform: ok/... and fail/... for PLT-BACKUP-RECENT, PLT-DR-DRILL,
 * DEV-ATTESTATION and DEV-FIRMWARE-EOS.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { BUILT_IN_CHECKS, type CheckOutcome } from '../compliance/index.js';
import { makeTestCsr } from '../identity/ca/csr-fixtures.js';
import { ANONYMOUS_PRINCIPAL } from '../kernel/index.js';
import { makePlatform, testContext, type TestPlatform } from './fixtures.js';

const HOUR = 3_600_000;

async function check(t: TestPlatform, id: string): Promise<CheckOutcome> {
  const c = BUILT_IN_CHECKS.find((x) => x.id === id);
  assert.ok(c, id);
  return c.run({ now: t.clock.now(), evidence: t.platform.compliance.evidence() });
}

describe('compliance evidence from backups and firmware updates', () => {
  let t: TestPlatform;
  before(async () => {
    t = await makePlatform();
  });
  after(async () => t.dispose());

  const run = async (kind: string, backupId: string | null, outcome: string, hoursAgo: number) => {
    const at = new Date(t.clock.now().getTime() - hoursAgo * HOUR).toISOString();
    await t.platform.database.db.insertInto('backup_runs').values({ id: randomUUID(), kind, backup_id: backupId, target: 'local', started_at: at, finished_at: at, outcome, bytes: null, detail: 'test' }).execute();
  };

  it('fail/no backup, then an unverified one, then a stale one; ok/a recent verified backup', async () => {
    assert.equal((await check(t, 'PLT-BACKUP-RECENT')).status, 'fail');
    await run('create', 'b-old', 'success', 48);
    await run('verify', 'b-old', 'success', 47);
    assert.equal((await check(t, 'PLT-BACKUP-RECENT')).status, 'fail', 'a verified backup two days old');
    await run('create', 'b-new', 'success', 1);
    const unverified = await check(t, 'PLT-BACKUP-RECENT');
    assert.equal(unverified.status, 'fail');
    assert.match(unverified.status === 'fail' ? (unverified.violations[0]?.detail ?? '') : '', /b-new is not verified/);
    await run('verify', 'b-new', 'failure', 0.5);
    assert.equal((await check(t, 'PLT-BACKUP-RECENT')).status, 'fail', 'a failed verification does not count');
    await run('verify', 'b-new', 'success', 0.25);
    assert.equal((await check(t, 'PLT-BACKUP-RECENT')).status, 'pass');
  });

  it('fail/no drill, a failed one, an overdue one; ok/a recent successful drill', async () => {
    assert.equal((await check(t, 'PLT-DR-DRILL')).status, 'fail');
    await run('drill', null, 'success', 24 * (t.config.backup.drillOverdueDays + 1));
    assert.equal((await check(t, 'PLT-DR-DRILL')).status, 'fail', 'overdue');
    await run('drill', null, 'failure', 2);
    assert.equal((await check(t, 'PLT-DR-DRILL')).status, 'fail', 'the latest drill failed');
    await run('drill', null, 'success', 1);
    assert.equal((await check(t, 'PLT-DR-DRILL')).status, 'pass');
  });

  it('fail/a device with no attestation, then an unknown hash, then end-of-support firmware; ok/a verified supported release', async () => {
    assert.equal((await check(t, 'DEV-ATTESTATION')).status, 'pass', 'no device yet');
    const cli = { ...testContext, principal: { kind: 'cli', id: 'test' } } as const;
    const org = await t.platform.identity.createOrganization(cli, 'Evidence Hospital');
    const token = await t.platform.devices.service.issueEnrollmentToken(cli, { model: 'evidence-monitor', orgId: org.id });
    const csr = await makeTestCsr();
    const device = await t.platform.devices.service.enroll({ ...testContext, principal: ANONYMOUS_PRINCIPAL }, { token: token.token, csr: csr.pem, serial: 'SN-EVIDENCE' });
    const orgId = org.id;
    const missing = await check(t, 'DEV-ATTESTATION');
    assert.equal(missing.status, 'fail');
    assert.equal(missing.status === 'fail' ? missing.violations[0]?.resourceId : '', device.deviceId);

    const now = t.clock.now();
    const attest = async (state: string) => {
      await t.platform.database.db.deleteFrom('device_attestations').where('device_id', '=', device.deviceId).execute();
      await t.platform.database.db
        .insertInto('device_attestations')
        .values({ device_id: device.deviceId, org_id: orgId, model: 'evidence-monitor', firmware_version: '1.0.0', image_sha256: 'a'.repeat(64), state, measured_at: now.toISOString(), received_at: now.toISOString(), quarantined_by_policy: 0 })
        .execute();
    };
    await attest('unknown-hash');
    assert.equal((await check(t, 'DEV-ATTESTATION')).status, 'fail', 'an unknown hash');
    await attest('verified');
    assert.equal((await check(t, 'DEV-ATTESTATION')).status, 'pass');

    assert.equal((await check(t, 'DEV-FIRMWARE-EOS')).status, 'pass', 'no release on record for its version');
    const release = (supportEnds: Date) => ({
      id: randomUUID(), model: 'evidence-monitor', version: '1.0.0', min_version: '0.0.0', hardware_revisions: '[]', notes: '', target_path: 'evidence-monitor/1.0.0.bin',
      sha256: 'a'.repeat(64), sha512: 'b'.repeat(128), length: 1, support_ends_at: supportEnds.toISOString(), end_of_life_at: new Date(supportEnds.getTime() + 365 * 24 * HOUR).toISOString(),
      sbom_summary: '{}', sbom: '{}', created_at: now.toISOString(), created_by: 'test',
    });
    await t.platform.database.db.insertInto('firmware_releases').values(release(new Date(now.getTime() + 30 * 24 * HOUR))).execute();
    assert.equal((await check(t, 'DEV-FIRMWARE-EOS')).status, 'pass', 'supported for another month');
    await t.platform.database.db.deleteFrom('firmware_releases').execute();
    await t.platform.database.db.insertInto('firmware_releases').values(release(new Date(now.getTime() - 24 * HOUR))).execute();
    const eos = await check(t, 'DEV-FIRMWARE-EOS');
    assert.equal(eos.status, 'fail');
    assert.equal(eos.status === 'fail' ? eos.violations[0]?.resourceId : '', device.deviceId);
  });
});
