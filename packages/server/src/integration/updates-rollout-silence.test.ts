/**
 * The rollout health gate against telemetry gaps (issue 13, "new security alerts or clinical
 * telemetry gaps on updated devices"), through the real composition: an updated device that goes
 * silent gets the `device-silence` detector's alert (its subject the device), and the next gate of
 * its campaign halts the campaign; the same campaign in an organization without the alert completes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silenceCandidates } from '../alerts/security/detectors/device-silence.js';
import type { DetectorSettings } from '../alerts/security/settings.js';
import { makeTestCsr } from '../identity/ca/csr-fixtures.js';
import { ANONYMOUS_PRINCIPAL, cliPrincipal, type RequestContext } from '../kernel/index.js';
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
