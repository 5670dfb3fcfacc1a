/**
 * The rollout health gates against telemetry gaps (issue 13, "new security alerts or clinical
 * telemetry gaps on updated devices"), through the real composition:
 *  - an updated device that goes silent gets the `device-silence` detector's alert (its subject the
 *    device), and the next gate of its campaign halts the campaign; the same campaign in an
 *    organization without the alert completes;
 *  - the clinical gap gate: an updated device bound to a patient that sends no reading for
 *    `clinicalGapSeconds` halts its campaign; a bound device with recent readings and an unbound
 *    one do not count, and a campaign with the gate off keeps running.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silenceCandidates } from '../alerts/security/detectors/device-silence.js';
import type { DetectorSettings } from '../alerts/security/settings.js';
import { makeTestCsr } from '../identity/ca/csr-fixtures.js';
import { randomUUID } from 'node:crypto';
import { ANONYMOUS_PRINCIPAL, cliPrincipal, type RequestContext } from '../kernel/index.js';
import { bindingStore } from '../storage/index.js';
import { imageBytes, releaseInput, streamOf } from '../updates/testing/release-fixtures.js';
import { makePlatform, testContext } from './fixtures.js';

const host = (id: string): RequestContext => ({ ...testContext, principal: cliPrincipal(id) });

test('fail/an updated device that goes silent (device-silence alert) halts its campaign at the next gate; without it the campaign completes', { timeout: 120_000 }, async () => {
  const t = await makePlatform();
  try {
    const p = t.platform;
    const image = await p.updates.releases.uploadImage(host('operator'), 'pulse-ox', streamOf(imageBytes(8 * 1024, 5)));
    await p.updates.releases.publish(host('operator'), releaseInput({ sha256: image.sha256, version: '1.1.0' }));
    const sent: Array<{ deviceId: string; name: string }> = [];
    p.updates.rollouts.attachCommands({ send: (_org, deviceId, name) => Promise.resolve(void sent.push({ deviceId, name })) });

    const setUp = async (name: string, serialPrefix: string) => {
      const orgId = (await p.identity.createOrganization(host('operator'), name)).id;
      const devices: string[] = [];
      for (const serial of [`${serialPrefix}-1`, `${serialPrefix}-2`]) {
        const token = await p.devices.service.issueEnrollmentToken(host('operator'), { model: 'pulse-ox', orgId });
        devices.push((await p.devices.service.enroll({ ...testContext, principal: ANONYMOUS_PRINCIPAL }, { token: token.token, csr: (await makeTestCsr()).pem, serial })).deviceId);
      }
      const campaign = await p.updates.rollouts.create(host('alice'), { orgId, model: 'pulse-ox', version: '1.1.0', waves: [100], soakSeconds: 600, maxRetries: 0 });
      await p.updates.rollouts.approve(host('bob'), campaign.id, orgId);
      return { orgId, devices, campaignId: campaign.id };
    };
    const silent = await setUp('Hospital Silent', 'SN-A');
    const quiet = await setUp('Hospital Fine', 'SN-B');
    await p.updates.rollouts.tick();
    assert.equal(sent.filter((c) => c.name === 'firmware.update').length, 4, 'every device is sent the install');
    for (const x of [silent, quiet]) for (const d of x.devices) await p.updates.rollouts.recordOutcome(x.orgId, d, { installedVersion: '1.1.0' }, x.campaignId);

    // After the install, one device of the first hospital stops sending: the silence detector's alert.
    t.clock.advance(200_000);
    const settings = { enabled: true, defaultIntervalSeconds: 60, checkEverySeconds: 60, models: {} } as unknown as DetectorSettings['deviceSilence'];
    const gone = silent.devices[0] ?? '';
    const candidates = silenceCandidates([{ deviceId: gone, orgId: silent.orgId, model: 'pulse-ox', lastSeenAt: new Date(t.clock.now().getTime() - 150_000).toISOString() }], t.clock.now(), settings);
    assert.equal(candidates.length, 1);
    for (const c of candidates) p.security.alerts.raise(c);
    for (let i = 0; i < 200 && !(await p.security.alerts.list(host('x'), { detector: 'device-silence' })).some((a) => a.subject.id === gone); i++) await new Promise((resolve) => setTimeout(resolve, 25));

    t.clock.advance(601_000);
    await p.updates.rollouts.tick();
    const halted = (await p.updates.rollouts.status(host('x'), silent.campaignId, silent.orgId)).campaign;
    assert.equal(halted.status, 'halted');
    assert.match(halted.haltReason ?? '', /1 updated device\(s\) raised security alerts/);
    assert.equal((await p.updates.rollouts.status(host('x'), quiet.campaignId, quiet.orgId)).campaign.status, 'completed', 'the other organization is not affected');
    const halts = await p.security.alerts.list(host('x'), { detector: 'rollout-halt' });
    assert.deepEqual(halts.map((a) => a.orgId), [silent.orgId], 'one rollout-halt alert, in the silent hospital');
  } finally {
    await t.dispose();
  }
});

test('fail/clinical telemetry gap: an updated device bound to a patient with no reading for clinicalGapSeconds halts its campaign; recent readings, unbound devices and a gate set to 0 do not', { timeout: 120_000 }, async () => {
  const t = await makePlatform();
  try {
    const p = t.platform;
    const image = await p.updates.releases.uploadImage(host('operator'), 'pulse-ox', streamOf(imageBytes(8 * 1024, 6)));
    await p.updates.releases.publish(host('operator'), releaseInput({ sha256: image.sha256, version: '1.1.0' }));
    p.updates.rollouts.attachCommands({ send: () => Promise.resolve() });
    const db = p.database.db;
    const bind = async (orgId: string, deviceId: string) => {
      const at = new Date(t.clock.now().getTime() - 60_000).toISOString();
      await bindingStore(db).insert({ id: randomUUID(), orgId, deviceId, patientId: randomUUID(), startAt: at, endAt: null, createdAt: at, createdBy: 'test', endedBy: null });
    };
    const reading = (orgId: string, deviceId: string, seq: number) => {
      const at = t.clock.now().toISOString();
      return db.insertInto('telemetry_readings').values({ org_id: orgId, device_id: deviceId, patient_id: null, seq, idx: 0, metric: '8867-4', value: 72, value_sealed: null, unit: '/min', measured_at: at, received_at: at, digest: null }).execute();
    };
    const setUp = async (name: string, serialPrefix: string, clinicalGapSeconds?: number) => {
      const orgId = (await p.identity.createOrganization(host('operator'), name)).id;
      const devices: string[] = [];
      for (const serial of [`${serialPrefix}-1`, `${serialPrefix}-2`, `${serialPrefix}-3`]) {
        const token = await p.devices.service.issueEnrollmentToken(host('operator'), { model: 'pulse-ox', orgId });
        devices.push((await p.devices.service.enroll({ ...testContext, principal: ANONYMOUS_PRINCIPAL }, { token: token.token, csr: (await makeTestCsr()).pem, serial })).deviceId);
      }
      // Devices 1 and 2 are bound to patients; device 3 is not.
      await bind(orgId, devices[0] ?? '');
      await bind(orgId, devices[1] ?? '');
      const campaign = await p.updates.rollouts.create(host('alice'), { orgId, model: 'pulse-ox', version: '1.1.0', waves: [100], soakSeconds: 7200, maxRetries: 0, ...(clinicalGapSeconds === undefined ? {} : { gates: { clinicalGapSeconds } }) });
      await p.updates.rollouts.approve(host('bob'), campaign.id, orgId);
      return { orgId, devices, campaignId: campaign.id };
    };
    const gated = await setUp('Hospital Gap', 'SN-G');
    const off = await setUp('Hospital Off', 'SN-O', 0);
    await assert.rejects(p.updates.rollouts.create(host('alice'), { orgId: off.orgId, model: 'pulse-ox', version: '1.1.0', gates: { clinicalGapSeconds: 30 }, priority: 5 }), { code: 'UPDATES_ROLLOUT_INVALID' });
    assert.equal((await p.updates.rollouts.status(host('x'), gated.campaignId, gated.orgId)).campaign.gates.clinicalGapSeconds, 900, 'on by default (900 s)');
    await p.updates.rollouts.tick();
    for (const x of [gated, off]) for (const d of x.devices) await p.updates.rollouts.recordOutcome(x.orgId, d, { installedVersion: '1.1.0' }, x.campaignId);

    // 10 minutes on: within the gap, nobody halts.
    t.clock.advance(600_000);
    await p.updates.rollouts.tick();
    assert.equal((await p.updates.rollouts.status(host('x'), gated.campaignId, gated.orgId)).campaign.status, 'running');
    // Device 2 keeps sending; device 1 (bound) and device 3 (not bound) send nothing.
    let seq = 1;
    for (const x of [gated, off]) await reading(x.orgId, x.devices[1] ?? '', seq++);
    t.clock.advance(400_000);
    for (const x of [gated, off]) await reading(x.orgId, x.devices[1] ?? '', seq++);
    await p.updates.rollouts.tick();
    const halted = (await p.updates.rollouts.status(host('x'), gated.campaignId, gated.orgId)).campaign;
    assert.equal(halted.status, 'halted');
    assert.match(halted.haltReason ?? '', /^1 updated device\(s\) bound to a patient sent no readings for over 900 s/, 'only the bound, silent device counts');
    assert.equal((await p.updates.rollouts.status(host('x'), off.campaignId, off.orgId)).campaign.status, 'running', 'the gate set to 0 is off');
    const halts = await p.security.alerts.list(host('x'), { detector: 'rollout-halt' });
    assert.deepEqual(halts.map((a) => a.orgId), [gated.orgId], 'one rollout-halt alert');
  } finally {
    await t.dispose();
  }
});
