/**
 * Incident response through the modules that landed after it, end to end on a real server:
 * pausing the organization's running rollouts (updates, audited there and linked back to the
 * incident's action), a remediation campaign for the blast radius' devices with an unknown
 * firmware hash (a rollout that waits for the updates module's own two-person approval), and
 * change requests with their approvals merged into the incident timeline. Another organization's
 * rollout is never touched.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeTestCsr } from '../identity/ca/csr-fixtures.js';
import { ANONYMOUS_PRINCIPAL, cliPrincipal, type RequestContext } from '../kernel/index.js';
import { imageBytes, releaseInput, streamOf } from '../updates/testing/release-fixtures.js';
import { testContext } from './fixtures.js';
import { ADMIN_PASSWORD, errorCode, IdentityHarness, type Signed } from './identity-fixtures.js';

interface ActionView {
  id: string;
  status: string;
  targets: string[];
  results: Array<{ target: string; outcome: string; code: string | null }>;
}

test('ok/incident ports: pause rollouts, remediation for unknown hashes, change requests in the timeline', { timeout: 120_000 }, async () => {
  const h = await IdentityHarness.start();
  try {
    await h.setup('Hospital A');
    const admin = await h.signIn('admin', ADMIN_PASSWORD);
    const second = await h.createUser(admin, 'second.admin', ['org-admin']);
    const auditor = await h.createUser(admin, 'auditor', ['auditor']);
    const manager = await h.createUser(admin, 'ward.manager', ['technician']);
    const orgId = ((await h.as(admin, 'GET', '/api/v1/auth/session')).body['user'] as { orgId: string }).orgId;
    const { platform } = h.t;
    const host = (id: string): RequestContext => ({ ...testContext, principal: cliPrincipal(id) });
    const person = (who: Signed, username: string): RequestContext => ({ ...testContext, principal: { kind: 'user', id: who.userId, orgId, username, roles: ['org-admin'], sessionId: 'test', mfa: true } });

    // Two releases of the monitor's model; three monitors and one pump.
    for (const [version, seed] of [['1.0.0', 1], ['1.1.0', 2]] as const) {
      const image = await platform.updates.releases.uploadImage(host('operator'), 'pulse-ox', streamOf(imageBytes(32 * 1024, seed)));
      await platform.updates.releases.publish(host('operator'), releaseInput({ sha256: image.sha256, model: 'pulse-ox', version, minVersion: '0.0.0', hardwareRevisions: ['rev-a'] }));
    }
    const enroll = async (model: string, serial: string, org = orgId) => {
      const token = await platform.devices.service.issueEnrollmentToken(host('operator'), { model, orgId: org });
      const csr = await makeTestCsr();
      return (await platform.devices.service.enroll({ ...testContext, principal: ANONYMOUS_PRINCIPAL }, { token: token.token, csr: csr.pem, serial })).deviceId;
    };
    const monitors = [await enroll('pulse-ox', 'M-1'), await enroll('pulse-ox', 'M-2'), await enroll('pulse-ox', 'M-3')];

    // A running rollout here, and one of another organization.
    const ours = await platform.updates.rollouts.create(person(admin, 'admin'), { model: 'pulse-ox', version: '1.0.0', groups: [] });
    await platform.updates.rollouts.approve(person(second, 'second.admin'), ours.id, undefined, h.freshCode(second));
    const theirs = await platform.updates.rollouts.create(host('a'), { orgId: 'org-elsewhere', model: 'pulse-ox', version: '1.0.0' });
    await platform.updates.rollouts.approve(host('b'), theirs.id, 'org-elsewhere');

    // A change request (and its approval) before the incident.
    const change = await h.as(admin, 'POST', '/api/v1/changes', { kind: 'role-grant', target: manager.userId, payload: { roles: ['org-admin'] }, summary: 'Make the ward manager an org admin', stepUpCode: h.freshCode(admin) });
    assert.equal(change.status, 200, JSON.stringify(change.body));
    const changeId = change.body['id'] as string;
    const decided = await h.as(second, 'POST', `/api/v1/changes/${changeId}/approve`, { stepUpCode: h.freshCode(second) });
    assert.equal(decided.status, 200, JSON.stringify(decided.body));

    // Monitor 1 reports an unknown firmware hash; the incident names it.
    platform.securityEvents.emit({ type: 'device.firmware.reported', severity: 'high', reason: 'hash-mismatch', orgId, deviceId: monitors[0] ?? '', details: { reportedHash: 'e3'.repeat(32), expectedHash: '5a'.repeat(32), version: '1.0.0' } });
    h.clock.advance(1000);
    const opened = await h.as(admin, 'POST', '/api/v1/incidents', { title: 'Monitor runs unknown firmware', type: 'malware-in-firmware', seeds: { deviceIds: [monitors[0], monitors[1]] } });
    assert.equal(opened.status, 201, JSON.stringify(opened.body));
    const incidentId = opened.body['id'] as string;

    // The timeline holds the change request's request and approval, with who acted.
    let timeline = await h.as(auditor, 'GET', `/api/v1/incidents/${incidentId}/timeline`);
    for (let i = 0; i < 100 && !JSON.stringify(timeline.body).includes('reported an unknown firmware hash'); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      timeline = await h.as(auditor, 'GET', `/api/v1/incidents/${incidentId}/timeline`);
    }
    assert.equal(timeline.status, 200, JSON.stringify(timeline.body));
    const entries = timeline.body['entries'] as Array<{ source: string; kind: string; ref: string; userId: string | null }>;
    const changeEntries = entries.filter((e) => e.source === 'change-request' && e.ref === `change-request:${changeId}`);
    assert.deepEqual(
      changeEntries.slice(0, 2).map((e) => [e.kind, e.userId]),
      [
        ['change.requested', admin.userId],
        ['change.approved', second.userId],
      ],
      'a role-grant change is requested, then approved by a second person',
    );
    assert.deepEqual(
      changeEntries.slice(2).map((e) => e.kind),
      ['change.applied'],
      'and the approved grant is applied at once',
    );
    // The rollout's approval is a change request of its own (firmware-rollout), linked to the campaign.
    const rolloutChanges = entries.filter((e) => e.source === 'change-request' && e.ref !== `change-request:${changeId}`);
    assert.deepEqual(
      rolloutChanges.map((e) => [e.kind, e.userId]),
      [
        ['change.requested', admin.userId],
        ['change.approved', second.userId],
        ['change.applied', null],
      ],
      'the approved rollout is a change request: requested by its requester, approved by the second person, applied',
    );

    // Pause rollouts: ours is paused through the updates module, theirs keeps running.
    const paused = await h.as(admin, 'POST', `/api/v1/incidents/${incidentId}/contain`, { kind: 'pause-rollouts', reason: 'Stop pushing firmware while we look' });
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    const pauseAction = paused.body['action'] as ActionView;
    assert.equal(pauseAction.status, 'done');
    assert.deepEqual(pauseAction.results, [{ target: `rollout:${ours.id}`, outcome: 'ok', code: null }]);
    assert.equal((await platform.updates.rollouts.status(host('x'), ours.id, orgId)).campaign.status, 'paused');
    assert.equal((await platform.updates.rollouts.status(host('x'), theirs.id, 'org-elsewhere')).campaign.status, 'running', "another organization's rollout is not touched");
    const audit = await platform.database.db.selectFrom('audit_events').select(['action', 'target_id', 'request_id', 'org_id']).where('action', 'in', ['updates.rollout.pause', 'incidents.action.run']).execute();
    const pauseEvent = audit.find((a) => a.action === 'updates.rollout.pause');
    assert.equal(pauseEvent?.target_id, ours.id);
    assert.equal(audit.filter((a) => a.action === 'updates.rollout.pause').length, 1);
    const linked = audit.find((a) => a.action === 'incidents.action.run' && a.target_id === incidentId);
    assert.equal(linked?.request_id, pauseEvent?.request_id, 'the rollout pause and the incident action share the request');

    // A remediation from the blast radius takes only the device with the unknown hash.
    const remediation = await h.as(admin, 'POST', `/api/v1/incidents/${incidentId}/contain`, { kind: 'remediation-update', blastRadius: true, reason: 'Reinstall the known-good image' });
    assert.equal(remediation.status, 200, JSON.stringify(remediation.body));
    const remAction = remediation.body['action'] as ActionView;
    assert.deepEqual(remAction.targets, [monitors[0]]);
    assert.equal(remAction.status, 'done', JSON.stringify(remAction.results));
    const campaignRef = remAction.results.find((r) => r.target.startsWith('rollout:'))?.target.slice('rollout:'.length) ?? '';
    const campaign = (await platform.updates.rollouts.status(host('x'), campaignRef, orgId)).campaign;
    assert.equal(campaign.targetVersion, '1.1.0', 'the newest published release');
    assert.equal(campaign.status, 'pending-approval', "the updates module's two-person rule applies");
    const campaignDevices = (await platform.updates.rollouts.status(host('x'), campaignRef, orgId)).waves.reduce((n, w) => n + w.devices, 0);
    assert.equal(campaignDevices, 1, 'only the device with the unknown hash is in the campaign');

    // Each remediation has its own campaign: another device gets a new one (the first is not widened);
    // a device already in an active campaign is refused by the updates module.
    const next = await h.as(admin, 'POST', `/api/v1/incidents/${incidentId}/contain`, { kind: 'remediation-update', targets: [monitors[2]] });
    const nextAction = next.body['action'] as ActionView;
    assert.equal(nextAction.status, 'done', JSON.stringify(nextAction.results));
    const secondCampaign = nextAction.results.find((r) => r.target.startsWith('rollout:'))?.target.slice('rollout:'.length) ?? '';
    assert.notEqual(secondCampaign, campaignRef);
    assert.equal((await platform.updates.rollouts.status(host('x'), secondCampaign, orgId)).waves.reduce((n, w) => n + w.devices, 0), 1);
    assert.equal((await platform.updates.rollouts.status(host('x'), campaignRef, orgId)).waves.reduce((n, w) => n + w.devices, 0), 1, 'the first campaign is not widened');
    const twice = await h.as(admin, 'POST', `/api/v1/incidents/${incidentId}/contain`, { kind: 'remediation-update', targets: [monitors[0]] });
    assert.deepEqual((twice.body['action'] as ActionView).results, [{ target: monitors[0], outcome: 'failed', code: 'UPDATES_ROLLOUT_OVERLAP' }]);

    // A quarantined device is not commanded (updates targets active devices); the result says why.
    await platform.devices.service.quarantine(host('operator'), { orgId, deviceId: monitors[1] ?? '' }, 'test');
    const named = await h.as(admin, 'POST', `/api/v1/incidents/${incidentId}/contain`, { kind: 'remediation-update', targets: [monitors[1], 'no-such-device'] });
    const namedAction = named.body['action'] as ActionView;
    assert.equal(namedAction.status, 'failed');
    assert.deepEqual(namedAction.results.map((r) => r.code).sort(), ['DEVICE_NOT_FOUND', 'DEVICE_STATUS_CONFLICT']);

    // An auditor reads the incident but cannot act.
    const denied = await h.as(auditor, 'POST', `/api/v1/incidents/${incidentId}/contain`, { kind: 'pause-rollouts' });
    assert.equal(denied.status, 403);
    assert.equal(errorCode(denied), 'FORBIDDEN');
  } finally {
    await h.dispose();
  }
});
