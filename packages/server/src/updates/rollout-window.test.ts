/**
 * The maintenance window, enforced by the server (fake clock, real SQLite store and audit): devices
 * bound to a patient are told to download at once, get the install only inside the window (or with
 * an explicit override), and are held without counting as failures or blocking the waves.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makePlatform, testContext, type TestPlatform } from '../integration/fixtures.js';
import { contextOf, makeUser } from '../integration/patients-fixtures.js';
import { auditStore, firmwareStore, rolloutStore, SqlUnitOfWork, type Executor } from '../storage/index.js';
import { campaignWindowState, checkOrgWindow, DOWNLOAD_COMMAND, inOrgWindow, localDayHour, RolloutService, UPDATE_COMMAND, WEEKDAYS, type Campaign, type RolloutDevice } from './index.js';
import { rejectsWith } from '../integration/patients-fixtures.js';
import { imageBytes, releaseInput, streamOf } from './testing/release-fixtures.js';

const ORG = 'org-window';
const DEVICES: RolloutDevice[] = Array.from({ length: 20 }, (_, i) => ({ id: `win-${String(i).padStart(2, '0')}`, model: 'pulse-ox', status: 'active', groups: [], firmwareVersion: '1.0.0' }));
const BOUND = new Set(DEVICES.slice(0, 5).map((d) => d.id));

describe('rollouts: the maintenance window', { timeout: 60_000 }, () => {
  let t: TestPlatform;
  let service: RolloutService;
  const sent: Array<{ deviceId: string; name: string; args: Record<string, string | number | boolean> }> = [];
  const halts: string[] = [];
  const requester = contextOf(makeUser(ORG, ['org-admin'], 'requester'));
  const approver = contextOf(makeUser(ORG, ['security-officer'], 'approver'));
  let zone = 'UTC';

  before(async () => {
    t = await makePlatform(); // the clock starts at 12:00 UTC
    const image = await t.platform.updates.releases.uploadImage(testContext, 'pulse-ox', streamOf(imageBytes(1000)));
    await t.platform.updates.releases.publish(testContext, releaseInput({ sha256: image.sha256, version: '1.1.0' }));
    const db = t.platform.database;
    const scope = (e: Executor) => ({ rollouts: rolloutStore(e), firmware: firmwareStore(e), audit: t.platform.auditLog.writer(auditStore(e, db.dialect)) });
    service = new RolloutService(
      new SqlUnitOfWork(db, scope),
      {
        devices: () => Promise.resolve(DEVICES),
        alertedDevices: () => Promise.resolve(new Set<string>()),
        boundToPatient: (_org, ids) => Promise.resolve(new Set(ids.filter((id) => BOUND.has(id)))),
        halted: (_campaign, reason) => void halts.push(reason),
        timeZone: () => Promise.resolve(zone),
      },
      t.clock,
    );
    service.attachCommands({ send: (_org, deviceId, name, args) => Promise.resolve(void sent.push({ deviceId, name, args })) });
  });
  after(async () => t.dispose());

  /** Ticks and installs every update sent, `rounds` times, 601 s apart. */
  async function run(campaignId: string, rounds: number): Promise<Campaign> {
    for (let i = 0; i < rounds; i++) {
      const before = sent.length;
      await service.tick();
      for (const c of sent.slice(before)) if (c.name === UPDATE_COMMAND) await service.recordOutcome(ORG, c.deviceId, { installedVersion: '1.1.0' });
      t.clock.advance(601_000);
    }
    return (await service.status(requester, campaignId)).campaign;
  }

  it('fail/outside the window bound devices get no install, only the download; held is no failure; inside the window they install and the campaign completes', async () => {
    const campaign = await service.create(requester, { model: 'pulse-ox', version: '1.1.0', waves: [50, 100], soakSeconds: 600, maxRetries: 0, maintenanceWindow: [1, 5] });
    await service.approve(approver, campaign.id);
    const start = sent.length;
    const midday = await run(campaign.id, 8);
    const during = sent.slice(start);
    assert.equal(midday.status, 'running', 'held devices are not failures: no halt');
    assert.deepEqual(halts, []);
    assert.deepEqual(during.filter((c) => c.name === UPDATE_COMMAND && BOUND.has(c.deviceId)), [], 'no install command to a bound device outside the window');
    assert.deepEqual(new Set(during.filter((c) => c.name === DOWNLOAD_COMMAND).map((c) => c.deviceId)), BOUND, 'each bound device told to download at once');
    assert.equal(during.filter((c) => c.name === DOWNLOAD_COMMAND).length, BOUND.size, 'once each');
    assert.equal(during.filter((c) => c.name === UPDATE_COMMAND).length, DEVICES.length - BOUND.size, 'the others installed at once');
    const waiting = await service.status(requester, campaign.id);
    assert.equal(midday.currentWave, 1, 'the waves advanced without the held devices');
    assert.equal(waiting.waves.reduce((n, w) => n + w.held, 0), BOUND.size);
    assert.equal(waiting.waves.reduce((n, w) => n + w.failed, 0), 0);

    // 01:00 UTC the next day: inside the window.
    const now = t.clock.now();
    t.clock.advance(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 1) - now.getTime());
    const before = sent.length;
    const end = await run(campaign.id, 3);
    assert.deepEqual(new Set(sent.slice(before).filter((c) => c.name === UPDATE_COMMAND).map((c) => c.deviceId)), BOUND, 'the held devices install inside the window');
    assert.equal(end.status, 'completed');
    assert.equal((await service.status(requester, campaign.id)).waves.reduce((n, w) => n + w.installed, 0), DEVICES.length);
  });

  it('ok/an explicit override installs bound devices at once, and is audited', async () => {
    const now = t.clock.now();
    t.clock.advance(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 12) - now.getTime());
    await t.platform.updates.releases.publish(testContext, releaseInput({ sha256: (await t.platform.updates.releases.uploadImage(testContext, 'pulse-ox', streamOf(imageBytes(1000, 3)))).sha256, version: '1.2.0' }));
    const campaign = await service.create(requester, { model: 'pulse-ox', version: '1.2.0', waves: [100], soakSeconds: 0, maintenanceWindow: [1, 5], overrideMaintenanceWindow: true });
    await service.approve(approver, campaign.id);
    const before = sent.length;
    await service.tick();
    const updates = sent.slice(before).filter((c) => c.name === UPDATE_COMMAND);
    assert.equal(updates.length, DEVICES.length);
    assert.ok(updates.every((c) => c.args['installWindowUtc'] === undefined), 'no window passed to the device either');
    const audit = await t.platform.database.db.selectFrom('audit_events').select(['details']).where('action', '=', 'updates.rollout.create').where('target_id', '=', campaign.id).executeTakeFirst();
    assert.match(String(audit?.details), /"windowOverride":true/);
    await service.abort(requester, campaign.id);
  });

  it("ok/the organization's window (days and local hours in its time zone) applies to a campaign without its own; a campaign's window overrides it", async () => {
    zone = 'Europe/Berlin';
    const today = localDayHour(t.clock.now(), zone).day;
    const tomorrow = WEEKDAYS[(WEEKDAYS.indexOf(today) + 1) % 7] ?? 'mon';
    const technician = contextOf(makeUser(ORG, ['technician'], 'tech'));
    await assert.rejects(service.setMaintenanceWindow(technician, { days: [tomorrow], startHour: 2, endHour: 4 }), rejectsWith('FORBIDDEN'));
    await assert.rejects(service.setMaintenanceWindow(approver, { days: ['someday'], startHour: 2, endHour: 4 }), rejectsWith('UPDATES_ROLLOUT_INVALID'));
    await assert.rejects(service.setMaintenanceWindow(approver, { days: [tomorrow], startHour: 2, endHour: 24 }), rejectsWith('UPDATES_ROLLOUT_INVALID'));
    const set = await service.setMaintenanceWindow(approver, { days: [tomorrow], startHour: 2, endHour: 4 });
    assert.equal(set.timeZone, 'Europe/Berlin');
    assert.deepEqual((await service.maintenanceWindow(requester)).window?.days, [tomorrow]);

    await t.platform.updates.releases.publish(testContext, releaseInput({ sha256: (await t.platform.updates.releases.uploadImage(testContext, 'pulse-ox', streamOf(imageBytes(1000, 4)))).sha256, version: '1.3.0' }));
    const campaign = await service.create(requester, { model: 'pulse-ox', version: '1.3.0', waves: [100], soakSeconds: 0, priority: 10 });
    await service.approve(approver, campaign.id);
    let before = sent.length;
    await service.tick();
    const now = sent.slice(before);
    assert.deepEqual(new Set(now.filter((c) => c.name === DOWNLOAD_COMMAND).map((c) => c.deviceId)), BOUND, 'outside the org window: bound devices only download');
    assert.equal(now.filter((c) => c.name === UPDATE_COMMAND && BOUND.has(c.deviceId)).length, 0);
    const waiting = await service.status(requester, campaign.id);
    assert.deepEqual([waiting.window.source, waiting.window.description, waiting.window.openNow], ['organization', `${tomorrow} 2-4 Europe/Berlin`, false], 'the status names the window the held devices wait for');
    const opens = new Date(waiting.window.nextOpensAt ?? 0);
    assert.deepEqual(localDayHour(opens, zone), { day: tomorrow, hour: 2 }, 'and when it opens: tomorrow 02:00 Berlin');
    assert.equal(opens.getUTCMinutes(), 0);
    assert.ok(opens.getTime() > t.clock.now().getTime() && opens.getTime() - t.clock.now().getTime() < 2 * 24 * 3600_000);

    // Tomorrow 02:xx on Berlin's wall clock (00:xx or 01:xx UTC, by daylight saving).
    for (let i = 0; i < 60 && !(localDayHour(t.clock.now(), zone).day === tomorrow && localDayHour(t.clock.now(), zone).hour === 2); i++) t.clock.advance(3_600_000);
    assert.ok(inOrgWindow(checkOrgWindow({ days: [tomorrow], startHour: 2, endHour: 4 }), zone, t.clock.now()));
    before = sent.length;
    await service.tick();
    const inside = sent.slice(before).filter((c) => c.name === UPDATE_COMMAND);
    assert.deepEqual(new Set(inside.map((c) => c.deviceId)), BOUND, 'inside the org window the held devices install');
    assert.deepEqual((await service.status(requester, campaign.id)).window, { source: 'organization', description: `${tomorrow} 2-4 Europe/Berlin`, openNow: true, nextOpensAt: null });
    assert.ok(inside.every((c) => c.args['installWindow'] === `${tomorrow} 2-4 Europe/Berlin`), 'the device is told the window');
    for (const c of inside) await service.recordOutcome(ORG, c.deviceId, { installedVersion: '1.3.0' });

    // The campaign's own window (UTC hours 12-13, closed now) wins over the open org window.
    await t.platform.updates.releases.publish(testContext, releaseInput({ sha256: (await t.platform.updates.releases.uploadImage(testContext, 'pulse-ox', streamOf(imageBytes(1000, 5)))).sha256, version: '1.4.0' }));
    const own = await service.create(requester, { model: 'pulse-ox', version: '1.4.0', waves: [100], soakSeconds: 0, priority: 20, maintenanceWindow: [12, 13] });
    await service.approve(approver, own.id);
    before = sent.length;
    await service.tick();
    assert.equal(sent.slice(before).filter((c) => c.name === UPDATE_COMMAND && BOUND.has(c.deviceId)).length, 0, "the campaign's window overrides the organization's");
    const ownWindow = (await service.status(requester, own.id)).window;
    assert.deepEqual([ownWindow.source, ownWindow.description, ownWindow.openNow], ['campaign', '12-13 UTC', false]);
    assert.equal(new Date(ownWindow.nextOpensAt ?? 0).getUTCHours(), 12);
    await service.abort(requester, own.id);
    await service.abort(requester, campaign.id).catch(() => undefined);
    await service.setMaintenanceWindow(approver, null);
    assert.equal((await service.maintenanceWindow(requester)).window, null);
    zone = 'UTC';
  });

  it('ok/a campaign scheduled to start later sends nothing before its start, then opens its first wave from it; bad start times are refused', async () => {
    const now = t.clock.now();
    for (const startAt of ['tomorrow', '2026-13-01T00:00:00Z', new Date(now.getTime() - 1000).toISOString(), new Date(now.getTime() + 91 * 86_400_000).toISOString(), '2026-12-12 22:00']) {
      await assert.rejects(service.create(requester, { model: 'pulse-ox', version: '1.4.0', startAt, priority: 30 }), rejectsWith('UPDATES_ROLLOUT_INVALID'), startAt);
    }
    const startAt = new Date(now.getTime() + 2 * 3600_000).toISOString();
    const campaign = await service.create(requester, { model: 'pulse-ox', version: '1.4.0', waves: [100], soakSeconds: 0, priority: 30, startAt: startAt.replace('Z', '+00:00') });
    assert.equal(campaign.startAt, startAt, 'normalized');
    const approved = await service.approve(approver, campaign.id);
    assert.equal(approved.status, 'running');
    assert.equal(approved.waveStartedAt, startAt, 'the first wave opens (and soaks) from the start');
    let before = sent.length;
    await service.tick();
    t.clock.advance(3600_000);
    await service.tick();
    assert.equal(sent.length, before, 'nothing is sent before the start');
    assert.equal((await service.status(requester, campaign.id)).waves.reduce((n, w) => n + w.waiting, 0), DEVICES.length);
    t.clock.advance(3600_000 + 1000);
    before = sent.length;
    await service.tick();
    assert.equal(sent.slice(before).filter((c) => c.name === UPDATE_COMMAND).length, DEVICES.length, 'at the start the wave is sent');
    await service.abort(requester, campaign.id);
  });

  it('ok/org window rules: wraps past midnight into the next day, follows daylight saving, refuses bad input', () => {
    const w = checkOrgWindow({ days: ['Sat'], startHour: 22, endHour: 4 });
    assert.deepEqual(w.days, ['sat']);
    // Saturday 2026-03-28 23:30 Berlin (CET, UTC+1) is 22:30 UTC: inside; Sunday 03:30 CEST (after the switch) = 01:30 UTC: inside.
    assert.equal(inOrgWindow(w, 'Europe/Berlin', new Date('2026-03-28T22:30:00Z')), true);
    assert.equal(inOrgWindow(w, 'Europe/Berlin', new Date('2026-03-29T01:30:00Z')), true);
    assert.equal(inOrgWindow(w, 'Europe/Berlin', new Date('2026-03-29T02:30:00Z')), false, '04:30 CEST: closed');
    assert.equal(inOrgWindow(w, 'Europe/Berlin', new Date('2026-03-28T20:30:00Z')), false, 'Saturday 21:30: not yet');
    assert.equal(inOrgWindow(w, 'Europe/Berlin', new Date('2026-03-27T22:30:00Z')), false, 'Friday night: not a window day');
    assert.throws(() => checkOrgWindow({ days: [], startHour: 1, endHour: 2 }), rejectsWith('UPDATES_ROLLOUT_INVALID'));
    assert.throws(() => checkOrgWindow({ days: ['mon', 'Monday'], startHour: 1, endHour: 2 }), rejectsWith('UPDATES_ROLLOUT_INVALID'));
    assert.throws(() => checkOrgWindow({ days: ['mon'], startHour: 3, endHour: 3 }), rejectsWith('UPDATES_ROLLOUT_INVALID'));
    assert.throws(() => checkOrgWindow({ days: ['mon'], startHour: 1.5, endHour: 3 }), rejectsWith('UPDATES_ROLLOUT_INVALID'));
  });

  it('ok/the window a campaign waits for: the next opening follows the zone (daylight saving, half-hour offsets); override and none never hold', () => {
    const base = { maintenanceWindow: null, windowOverride: false } as unknown as Campaign;
    const sat = { window: checkOrgWindow({ days: ['sat'], startHour: 22, endHour: 4 }), timeZone: 'Europe/Berlin' };
    // Friday 2026-03-27 12:00 UTC: next opening Saturday 22:00 CET = 21:00 UTC.
    assert.deepEqual(campaignWindowState(base, new Date('2026-03-27T12:00:00Z'), sat), { source: 'organization', description: 'sat 22-4 Europe/Berlin', openNow: false, nextOpensAt: '2026-03-28T21:00:00.000Z' });
    // A week later (CEST, UTC+2): Saturday 22:00 = 20:00 UTC.
    assert.equal(campaignWindowState(base, new Date('2026-04-03T12:00:00Z'), sat).nextOpensAt, '2026-04-04T20:00:00.000Z');
    // Kolkata (UTC+5:30): 01:00 local is 19:30 UTC the day before.
    const kolkata = { window: checkOrgWindow({ days: ['mon'], startHour: 1, endHour: 3 }), timeZone: 'Asia/Kolkata' };
    assert.equal(campaignWindowState(base, new Date('2026-03-27T12:00:00Z'), kolkata).nextOpensAt, '2026-03-29T19:30:00.000Z');
    assert.deepEqual(campaignWindowState(base, new Date('2026-03-28T22:00:00Z'), sat), { source: 'organization', description: 'sat 22-4 Europe/Berlin', openNow: true, nextOpensAt: null });
    assert.deepEqual(campaignWindowState({ ...base, windowOverride: true }, new Date('2026-03-27T12:00:00Z'), sat), { source: 'override', description: null, openNow: true, nextOpensAt: null });
    assert.deepEqual(campaignWindowState(base, new Date('2026-03-27T12:00:00Z'), null), { source: 'none', description: null, openNow: true, nextOpensAt: null });
    const own = { ...base, maintenanceWindow: [23, 2] } as unknown as Campaign;
    assert.deepEqual(campaignWindowState(own, new Date('2026-03-27T12:10:00Z'), sat), { source: 'campaign', description: '23-2 UTC', openNow: false, nextOpensAt: '2026-03-27T23:00:00.000Z' });
  });
});
