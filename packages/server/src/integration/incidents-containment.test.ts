/**
 * Containment from an incident, end to end over HTTPS and MQTT: each action takes effect through
 * its owning module and is audited; a bulk action needs a second person; a blocked address is
 * refused at both edges.
 */
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTestCsr } from '../identity/ca/csr-fixtures.js';
import { ANONYMOUS_PRINCIPAL, cliPrincipal, type RequestContext } from '../kernel/index.js';
import { testContext } from './fixtures.js';
import { ADMIN_PASSWORD, errorCode, IdentityHarness, type Signed } from './identity-fixtures.js';
import { closed, connectDevice } from './mqtt-clients.js';

test('ok/containment: disable ends the session; bulk quarantine waits for a second approver and cuts connections; a block refuses HTTP and MQTT', { timeout: 120_000 }, async () => {
  const h = await IdentityHarness.start();
  try {
    await h.setup('Hospital A');
    const admin = await h.signIn('admin', ADMIN_PASSWORD);
    const officer = await h.createUser(admin, 'officer', ['security-officer']);
    const deputy = await h.createUser(admin, 'deputy', ['security-officer']);
    const clin = await h.createUser(admin, 'clin', ['clinician']);
    const orgId = ((await h.as(admin, 'GET', '/api/v1/auth/session')).body['user'] as { orgId: string }).orgId;
    assert.equal((await h.as(clin, 'GET', '/api/v1/auth/session')).status, 200);

    const opened = await h.as(admin, 'POST', '/api/v1/incidents', { title: 'Clinician account misused', type: 'credential-compromise', seeds: { userIds: [clin.userId] } });
    assert.equal(opened.status, 201, JSON.stringify(opened.body));
    const incidentId = opened.body['id'] as string;

    // Disable users: through identity; the session ends at once.
    const disabled = await h.as(admin, 'POST', `/api/v1/incidents/${incidentId}/contain`, { kind: 'disable-users', targets: [clin.userId] });
    assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
    assert.equal((disabled.body['action'] as { status: string }).status, 'done');
    assert.equal((await h.as(clin, 'GET', '/api/v1/auth/session')).status, 401);

    // Eleven devices: a bulk quarantine waits for a second person.
    const { devices } = h.t.platform;
    const cli = { ...testContext, principal: cliPrincipal('incident-test') };
    const ids: string[] = [];
    let firstDevice: { certPem: string; keyPem: string } | undefined;
    for (let i = 0; i < 11; i += 1) {
      const token = await devices.service.issueEnrollmentToken(cli, { model: 'bedside-monitor', orgId });
      const csr = await makeTestCsr();
      const enrolled = await devices.service.enroll({ ...testContext, principal: ANONYMOUS_PRINCIPAL }, { token: token.token, csr: csr.pem, serial: `SN-${i}` });
      ids.push(enrolled.deviceId);
      if (i === 0) {
        const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', csr.keys.privateKey)).toString('base64');
        firstDevice = { certPem: [enrolled.certificate, ...enrolled.chain].join('\n'), keyPem: `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END PRIVATE KEY-----\n` };
      }
    }
    // The first device is connected over MQTT (mTLS) while the incident contains it.
    assert.ok(firstDevice);
    const connected = await connectDevice({ port: h.server.mqttPort, serverCaPem: readFileSync(join(h.t.dataDir, 'ca', 'root.pem'), 'utf8'), cert: firstDevice, clientId: ids[0] ?? '' });
    assert.ok(connected.ok, `the device connects: ${connected.ok ? '' : connected.error}`);
    const cut: string[] = [];
    devices.onRevoked((deviceId) => void cut.push(deviceId));
    // Requesting a bulk action needs a fresh second-factor code; without one nothing is stored.
    const noCode = await h.as(officer, 'POST', `/api/v1/incidents/${incidentId}/contain`, { kind: 'quarantine-devices', targets: ids });
    assert.equal(noCode.status, 403);
    assert.equal(errorCode(noCode), 'INCIDENT_STEP_UP_REQUIRED');
    assert.equal(((await h.as(admin, 'GET', `/api/v1/incidents/${incidentId}/actions`)).body['actions'] as unknown[]).length, 1, 'only the disable action is stored');
    const bulk = await h.as(officer, 'POST', `/api/v1/incidents/${incidentId}/contain`, { kind: 'quarantine-devices', targets: ids, reason: 'Monitors talk to the attacker address', stepUpCode: h.freshCode(officer) });
    assert.equal(bulk.status, 200, JSON.stringify(bulk.body));
    const pending = bulk.body['action'] as { id: string; status: string; hasReason: boolean };
    assert.equal(pending.status, 'pending-approval');
    assert.equal(pending.hasReason, true);
    assert.equal((await devices.service.get(cli, { deviceId: ids[0] ?? '', orgId })).status, 'active', 'nothing ran before approval');
    const self = await h.as(officer, 'POST', `/api/v1/incidents/${incidentId}/actions/${pending.id}/approve`, { stepUpCode: h.freshCode(officer) });
    assert.equal(self.status, 403);
    assert.equal(errorCode(self), 'INCIDENT_APPROVAL_REQUIRED');
    // The second person must pass the step-up too: no code, a wrong code.
    const unproven = await h.as(admin, 'POST', `/api/v1/incidents/${incidentId}/actions/${pending.id}/approve`, {});
    assert.equal(errorCode(unproven), 'INCIDENT_STEP_UP_REQUIRED');
    const wrong = await h.as(admin, 'POST', `/api/v1/incidents/${incidentId}/actions/${pending.id}/approve`, { stepUpCode: '000000' });
    assert.equal(errorCode(wrong), 'IDENTITY_MFA_FAILED');
    assert.equal((await devices.service.get(cli, { deviceId: ids[0] ?? '', orgId })).status, 'active', 'still nothing ran');
    const approved = await h.as(admin, 'POST', `/api/v1/incidents/${incidentId}/actions/${pending.id}/approve`, { stepUpCode: h.freshCode(admin) });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal((approved.body['action'] as { status: string; approvedBy: string }).status, 'done');
    assert.equal((approved.body['action'] as { approvedBy: string }).approvedBy, admin.userId);
    for (const id of ids) assert.equal((await devices.service.get(cli, { deviceId: id, orgId })).status, 'quarantined');
    assert.deepEqual([...new Set(cut)].sort(), [...ids].sort(), 'every quarantined device had its connections cut');
    assert.equal(await closed(connected.client, 5000), true, "the contained device's MQTT connection is cut");

    // Audited, linked back to the incident.
    const audit = await h.t.platform.database.db.selectFrom('audit_events').select(['action', 'target_id']).where('action', 'in', ['incidents.action.request', 'incidents.action.run', 'identity.user.disable', 'devices.device.quarantine']).execute();
    assert.equal(audit.filter((a) => a.action === 'incidents.action.run' && a.target_id === incidentId).length, 2);
    assert.equal(audit.filter((a) => a.action === 'incidents.action.request').length, 1);
    assert.equal(audit.filter((a) => a.action === 'identity.user.disable').length, 1);
    assert.equal(audit.filter((a) => a.action === 'devices.device.quarantine').length, 11);
    const approvals = await h.t.platform.database.db.selectFrom('audit_events').select(['action', 'outcome']).where('action', 'in', ['incidents.action.approve', 'identity.mfa.step_up']).execute();
    assert.equal(approvals.filter((a) => a.action === 'incidents.action.approve' && a.outcome === 'failure').length, 1, 'the refused self-approval is audited');
    assert.ok(approvals.filter((a) => a.action === 'identity.mfa.step_up' && a.outcome === 'success').length >= 2, "both people's step-ups are audited");

    // A whole group needs a second person even when it is small.
    const pair: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const token = await devices.service.issueEnrollmentToken(cli, { model: 'infusion-pump', orgId });
      const csr = await makeTestCsr();
      const enrolled = await devices.service.enroll({ ...testContext, principal: ANONYMOUS_PRINCIPAL }, { token: token.token, csr: csr.pem, serial: `GRP-${i}` });
      await devices.service.setGroups(cli, { deviceId: enrolled.deviceId, orgId }, ['ward-7']);
      pair.push(enrolled.deviceId);
    }
    const group = await h.as(admin, 'POST', `/api/v1/incidents/${incidentId}/contain`, { kind: 'revoke-devices', group: 'ward-7', reason: 'Ward 7 pumps share the leaked key', stepUpCode: h.freshCode(admin) });
    assert.equal(group.status, 200, JSON.stringify(group.body));
    const groupAction = group.body['action'] as { id: string; status: string; targets: string[]; options: { group?: string } };
    assert.equal(groupAction.status, 'pending-approval');
    assert.deepEqual([...groupAction.targets].sort(), [...pair].sort());
    assert.equal(groupAction.options.group, 'ward-7');
    for (const id of pair) assert.equal((await devices.service.get(cli, { deviceId: id, orgId })).status, 'active');
    const groupApproved = await h.as(officer, 'POST', `/api/v1/incidents/${incidentId}/actions/${groupAction.id}/approve`, { stepUpCode: h.freshCode(officer) });
    assert.equal(groupApproved.status, 200, JSON.stringify(groupApproved.body));
    for (const id of pair) assert.equal((await devices.service.get(cli, { deviceId: id, orgId })).status, 'revoked');

    // Two approvers at the same moment: exactly one claims the action; it runs once.
    const raceDevices: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const token = await devices.service.issueEnrollmentToken(cli, { model: 'infusion-pump', orgId });
      const csr = await makeTestCsr();
      const enrolled = await devices.service.enroll({ ...testContext, principal: ANONYMOUS_PRINCIPAL }, { token: token.token, csr: csr.pem, serial: `RACE-${i}` });
      await devices.service.setGroups(cli, { deviceId: enrolled.deviceId, orgId }, ['ward-8']);
      raceDevices.push(enrolled.deviceId);
    }
    const raced = await h.as(admin, 'POST', `/api/v1/incidents/${incidentId}/contain`, { kind: 'quarantine-devices', group: 'ward-8', reason: 'Ward 8 pumps', stepUpCode: h.freshCode(admin) });
    const racedId = (raced.body['action'] as { id: string }).id;
    const [officerCode, deputyCode] = [h.freshCode(officer), h.freshCode(deputy)];
    // Straight to the service, so both approvals are in flight at once (HTTP here is one connection).
    const containment = h.t.platform.incidents.containment;
    assert.ok(containment !== undefined);
    const as = (who: Signed, username: string): RequestContext => ({ ...testContext, principal: { kind: 'user', id: who.userId, orgId, username, roles: ['security-officer'], sessionId: `s-${username}`, mfa: true } });
    const answers = await Promise.allSettled([containment.approve(as(officer, 'officer'), incidentId, racedId, officerCode), containment.approve(as(deputy, 'deputy'), incidentId, racedId, deputyCode)]);
    assert.deepEqual(
      answers.map((a) => (a.status === 'fulfilled' ? 'ran' : (a.reason as { code?: string }).code)).sort(),
      ['INCIDENT_STATE', 'ran'],
      'one approval runs the action, the other is refused',
    );
    const runs = await h.t.platform.database.db.selectFrom('audit_events').select('seq').where('action', '=', 'incidents.action.run').where('details', 'like', `%${racedId}%`).execute();
    assert.equal(runs.length, 1, 'the raced action ran once');

    // Bad input: a range too wide, a non-address.
    assert.equal((await h.as(admin, 'POST', `/api/v1/incidents/${incidentId}/contain`, { kind: 'block-source', targets: ['10.0.0.0/8'] })).body['action'] !== undefined, true);
    const wide = (await h.as(admin, 'GET', `/api/v1/incidents/${incidentId}/actions`)).body['actions'] as Array<{ kind: string; status: string; results: Array<{ code: string | null }> }>;
    const widest = wide.find((a) => a.kind === 'block-source');
    assert.equal(widest?.status, 'failed');
    assert.equal(widest?.results[0]?.code, 'INCIDENT_INVALID');

    // Block the test's own address: both edges refuse it.
    const mqttBefore = await tcpOutcome(h.server.mqttPort);
    assert.equal(mqttBefore, 'open');
    const blocked = await h.as(admin, 'POST', `/api/v1/incidents/${incidentId}/contain`, { kind: 'block-source', targets: ['127.0.0.1'], hours: 1 });
    assert.equal((blocked.body['action'] as { status: string }).status, 'done');
    assert.equal((await h.as(admin, 'GET', '/api/v1/auth/session')).status, 403, 'HTTP edge refuses');
    assert.equal(await tcpOutcome(h.server.mqttPort), 'closed', 'MQTT edge refuses');
    assert.ok((h.server.broker.refusals.snapshot()['source-blocked'] ?? 0) >= 1);
    // The block expires.
    h.clock.advance(3_600_001);
    // (The admin's session idled out meanwhile: 401, past the edge, not the edge's 403.)
    assert.equal((await h.as(admin, 'GET', '/api/v1/auth/session')).status, 401, 'an expired block no longer refuses');
    assert.equal(await tcpOutcome(h.server.mqttPort), 'open');
  } finally {
    await h.dispose();
  }
});

/** Opens a TCP connection and waits: 'closed' when the server drops it at once, 'open' otherwise. */
function tcpOutcome(port: number): Promise<'open' | 'closed'> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('open');
    }, 300);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    socket.on('error', () => undefined);
  });
}
