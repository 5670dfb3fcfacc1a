/**
 * Rollouts on 100 simulated devices (real SQLite store and audit; the device registry, the command
 * path and the alert service are fakes that record what they are asked).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makePlatform, testContext, type TestPlatform } from '../integration/fixtures.js';
import { contextOf, makeUser, rejectsWith } from '../integration/patients-fixtures.js';
import { auditStore, firmwareStore, rolloutStore, SqlUnitOfWork, type Executor } from '../storage/index.js';
import { RolloutService, UPDATE_COMMAND, type Campaign, type RolloutDevice } from './index.js';
import { imageBytes, releaseInput, streamOf } from './testing/release-fixtures.js';

const ORG = 'org-rollout';
const DEVICES: RolloutDevice[] = Array.from({ length: 100 }, (_, i) => ({ id: `dev-${String(i).padStart(3, '0')}`, model: 'pulse-ox', status: 'active', groups: ['ward-a'], firmwareVersion: '1.0.0' }));

describe('rollouts', { timeout: 60_000 }, () => {
  let t: TestPlatform;
  let service: RolloutService;
  const sent: string[] = [];
  const halts: Array<{ campaign: Campaign; reason: string }> = [];
  let devices: RolloutDevice[] = DEVICES;
  const requester = contextOf(makeUser(ORG, ['org-admin'], 'requester'));
  const technician = contextOf(makeUser(ORG, ['technician'], 'tech'));
  const approver = contextOf(makeUser(ORG, ['security-officer'], 'approver'));

  before(async () => {
    t = await makePlatform();
    const image = await t.platform.updates.releases.uploadImage(testContext, 'pulse-ox', streamOf(imageBytes(1000)));
    await t.platform.updates.releases.publish(testContext, releaseInput({ sha256: image.sha256, version: '1.1.0' }));
    const db = t.platform.database;
    const scope = (e: Executor) => ({ rollouts: rolloutStore(e), firmware: firmwareStore(e), audit: t.platform.auditLog.writer(auditStore(e, db.dialect)) });
    service = new RolloutService(
      new SqlUnitOfWork(db, scope),
      { devices: () => Promise.resolve(devices), alertedDevices: () => Promise.resolve(new Set<string>()), halted: (campaign, reason) => void halts.push({ campaign, reason }) },
      t.clock,
    );
    service.attachCommands({ send: (_org, deviceId) => Promise.resolve(void sent.push(deviceId)) });
  });
  after(async () => t.dispose());

  /** Ticks the engine, answering every sent command: installed, or failed for `failing` devices. */
  async function run(campaignId: string, failing: ReadonlySet<string>, rounds = 20): Promise<Campaign> {
    for (let i = 0; i < rounds; i++) {
      const before = sent.length;
      await service.tick();
      for (const deviceId of sent.slice(before)) {
        await service.recordOutcome(ORG, deviceId, failing.has(deviceId) ? { failed: 'install-error' } : { installedVersion: '1.1.0' });
      }
      t.clock.advance(601_000);
      const { campaign } = await service.status(requester, campaignId);
      if (campaign.status !== 'running') return campaign;
    }
    return (await service.status(requester, campaignId)).campaign;
  }

  it('fail/a campaign waits for a second person: the requester cannot approve it, nor anyone without MFA', async () => {
    const campaign = await service.create(requester, { model: 'pulse-ox', version: '1.1.0', soakSeconds: 600 });
    assert.equal(campaign.status, 'pending-approval');
    await service.tick();
    assert.equal(sent.length, 0, 'nothing is sent before approval');
    await assert.rejects(service.approve(requester, campaign.id), rejectsWith('UPDATES_ROLLOUT_APPROVAL_REFUSED'));
    const noMfa = contextOf({ ...makeUser(ORG, ['security-officer'], 'lax'), mfa: false });
    await assert.rejects(service.approve(noMfa, campaign.id), rejectsWith('UPDATES_ROLLOUT_APPROVAL_REFUSED'));
    const adminNoMfa = contextOf({ ...makeUser(ORG, ['org-admin'], 'lax-admin'), mfa: false });
    await assert.rejects(service.create(adminNoMfa, { model: 'pulse-ox', version: '1.1.0' }), rejectsWith('UPDATES_ROLLOUT_APPROVAL_REFUSED'));
    const other = contextOf(makeUser('org-other', ['security-officer']));
    await assert.rejects(service.approve(other, campaign.id), rejectsWith('UPDATES_ROLLOUT_NOT_FOUND'));
    await service.abort(requester, campaign.id);
  });

  it('fail/10% failing installs in the first waves halt the campaign before the 50% wave, with one alert', async () => {
    const campaign = await service.create(requester, { model: 'pulse-ox', version: '1.1.0', soakSeconds: 600, maxRetries: 0 });
    await service.approve(approver, campaign.id);
    const placed = await rolloutStore(t.platform.database.db).devices(campaign.id);
    const firstWaves = placed.filter((d) => d.wave <= 1).map((d) => d.deviceId);
    // One device in ten of the first two waves (1% + 10% = 10 devices) fails its install.
    const failing = new Set(firstWaves.filter((_, i) => i % 10 === 9));
    assert.equal(failing.size, 1);
    const end = await run(campaign.id, failing);
    assert.equal(end.status, 'halted');
    assert.ok(end.currentWave < 2, `halted in wave ${end.currentWave + 1}, before the 50% wave`);
    assert.match(end.haltReason ?? '', /failure rate/);
    assert.equal(halts.length, 1, 'one alert');
    const status = await service.status(requester, campaign.id);
    assert.equal(status.waves[2]?.sent, 0, 'the 50% wave never received the update');
    await service.tick();
    assert.equal(halts.length, 1, 'a halted campaign raises no second alert');
    await service.abort(requester, campaign.id);
  });

  it('ok/a healthy campaign reaches 100% through every wave', async () => {
    const campaign = await service.create(requester, { model: 'pulse-ox', version: '1.1.0', soakSeconds: 600 });
    await service.approve(approver, campaign.id);
    const end = await run(campaign.id, new Set());
    assert.equal(end.status, 'completed');
    const status = await service.status(requester, campaign.id);
    assert.deepEqual(status.waves.map((w) => w.share), [1, 10, 50, 100]);
    assert.equal(status.waves.reduce((n, w) => n + w.installed, 0), 100);
  });

  it('ok/pause stops sending, resume continues; devices enrolled later join; overlap needs a higher priority', async () => {
    const a = await service.create(requester, { model: 'pulse-ox', version: '1.1.0', soakSeconds: 600, groups: ['ward-a'] });
    await assert.rejects(service.create(requester, { model: 'pulse-ox', version: '1.1.0' }), rejectsWith('UPDATES_ROLLOUT_OVERLAP'));
    const b = await service.create(requester, { model: 'pulse-ox', version: '1.1.0', priority: 5 });
    await service.abort(requester, b.id);
    await service.approve(approver, a.id);
    // A security officer may pause (a safety stop, e.g. from an incident) but not abort.
    await assert.rejects(service.abort(approver, a.id), rejectsWith('FORBIDDEN'));
    await service.pause(approver, a.id);
    await service.resume(approver, a.id);
    await service.pause(requester, a.id);
    const before = sent.length;
    await service.tick();
    assert.equal(sent.length, before, 'a paused campaign sends nothing');
    await assert.rejects(service.resume(technician, a.id), rejectsWith('FORBIDDEN'));
    await service.resume(approver, a.id);
    devices = [...DEVICES, { id: 'dev-late', model: 'pulse-ox', status: 'active', groups: ['ward-a'], firmwareVersion: '1.0.0' }];
    const end = await run(a.id, new Set());
    assert.equal(end.status, 'completed');
    assert.ok(sent.includes('dev-late'), 'a device enrolled after the start got the update');
  });

  /** As run(), but a failing device answers with its ack of firmware.update (as the SDK does). */
  async function runWithAcks(campaignId: string, failing: ReadonlySet<string>, rounds = 30): Promise<Campaign> {
    for (let i = 0; i < rounds; i++) {
      const before = sent.length;
      await service.tick();
      for (const deviceId of sent.slice(before)) {
        const ack = { orgId: ORG, deviceId, name: UPDATE_COMMAND, args: { campaignId } };
        if (failing.has(deviceId)) {
          await service.recordAck({ ...ack, status: 'failed', reason: 'flash-failed' });
        } else {
          await service.recordAck({ ...ack, status: 'done', reason: null });
          await service.recordOutcome(ORG, deviceId, { installedVersion: '1.1.0' });
        }
      }
      t.clock.advance(601_000);
      const { campaign } = await service.status(requester, campaignId);
      if (campaign.status !== 'running') return campaign;
    }
    return (await service.status(requester, campaignId)).campaign;
  }

  it('fail/failed-install acks: a device is retried maxRetries times, then fails; 10% failing halts before the 50% wave with one alert', async () => {
    const campaign = await service.create(requester, { model: 'pulse-ox', version: '1.1.0', soakSeconds: 600, maxRetries: 2 });
    await service.approve(approver, campaign.id);
    const placed = await rolloutStore(t.platform.database.db).devices(campaign.id);
    const failing = new Set(placed.filter((d) => d.wave <= 1).map((d) => d.deviceId).filter((_, i) => i % 10 === 9));
    assert.equal(failing.size, 1);
    const [bad] = [...failing];
    const sentBefore = sent.length;
    const haltsBefore = halts.length;
    const end = await runWithAcks(campaign.id, failing);
    assert.equal(end.status, 'halted');
    assert.ok(end.currentWave < 2, `halted in wave ${end.currentWave + 1}, before the 50% wave`);
    assert.match(end.haltReason ?? '', /1 failed/);
    assert.equal(halts.length - haltsBefore, 1, 'exactly one alert');
    assert.equal(sent.slice(sentBefore).filter((id) => id === bad).length, 3, 'the first try and two retries');
    const status = await service.status(requester, campaign.id);
    assert.equal(status.waves[2]?.sent, 0, 'the 50% wave never received the update');
    const audited = await t.platform.database.db.selectFrom('audit_events').select(['action']).where('action', '=', 'updates.rollout.device_failed').where('target_id', '=', bad ?? '').execute();
    assert.equal(audited.length, 1, 'the failed device is audited once');
    await service.tick();
    assert.equal(halts.length - haltsBefore, 1, 'no second alert');
    await service.abort(requester, campaign.id);
  });

  it('ok/acks that are no install outcome: done, deferred, another command or campaign; a healthy campaign on acks reaches 100%', async () => {
    const campaign = await service.create(requester, { model: 'pulse-ox', version: '1.1.0', soakSeconds: 600, maxRetries: 0, waves: [1, 100] });
    await service.approve(approver, campaign.id);
    const before = sent.length;
    await service.tick();
    const [first] = sent.slice(before);
    assert.ok(first !== undefined);
    const ack = { orgId: ORG, deviceId: first, name: UPDATE_COMMAND, args: { campaignId: campaign.id } };
    await service.recordAck({ ...ack, status: 'done', reason: null });
    await service.recordAck({ ...ack, status: 'failed', reason: 'deferred' });
    await service.recordAck({ ...ack, name: 'reboot', status: 'failed', reason: 'flash-failed' });
    await service.recordAck({ ...ack, args: { campaignId: 'another-campaign' }, status: 'failed', reason: 'flash-failed' });
    const device = (await rolloutStore(t.platform.database.db).devices(campaign.id)).find((d) => d.deviceId === first);
    assert.equal(device?.status, 'sent', 'still waiting for its outcome');
    for (const deviceId of sent.slice(before)) await service.recordOutcome(ORG, deviceId, { installedVersion: '1.1.0' });
    const end = await runWithAcks(campaign.id, new Set());
    assert.equal(end.status, 'completed', end.haltReason ?? '');
    assert.equal((await service.status(requester, campaign.id)).waves.reduce((n, w) => n + w.installed, 0), devices.length, 'every targeted device installed');
  });
});
