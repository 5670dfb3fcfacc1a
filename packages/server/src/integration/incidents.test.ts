/**
 * Incident response on a real platform (SQLite, audit log, security alerts): opening, the state
 * machine, the checklist, auto-open from an alert type, the timeline's point of failure and blast
 * radius, tenancy and bad input.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuditEventInput } from '../audit/index.js';
import { isAppError, type Principal, type RequestContext } from '../kernel/index.js';
import { makePlatform, type TestPlatform } from './fixtures.js';

const ORG = 'org-a';
const officer: Principal = { kind: 'user', id: 'u-officer', orgId: ORG, username: 'so', roles: ['security-officer'], sessionId: 's', mfa: true };
const auditor: Principal = { kind: 'user', id: 'u-auditor', orgId: ORG, username: 'au', roles: ['auditor'], sessionId: 's', mfa: true };
const clinician: Principal = { kind: 'user', id: 'u-clin', orgId: ORG, username: 'cl', roles: ['clinician'], sessionId: 's', mfa: true };
const otherOfficer: Principal = { kind: 'user', id: 'u-other', orgId: 'org-b', username: 'ob', roles: ['security-officer'], sessionId: 's', mfa: true };
const victim: Principal = { kind: 'user', id: 'u-victim', orgId: ORG, username: 'victim', roles: ['clinician'], sessionId: 's2', mfa: false };
const ctx = (principal: Principal, source = '127.0.0.1'): RequestContext => ({ principal, requestId: 'req-1', source });
const code = (expected: string) => (error: unknown) => isAppError(error) && error.code === expected;

describe('incidents', () => {
  let t: TestPlatform;
  const append = async (c: RequestContext, events: AuditEventInput[]) => {
    t.clock.advance(60_000);
    await t.platform.withAuditStore((store) => t.platform.auditLog.append(store, c, events));
  };
  const read = (patient: string, orgId = ORG): AuditEventInput => ({ action: 'patients.record.read', target: { type: 'patient', id: patient }, outcome: 'success', reason: 'care-team', orgId });
  const login = (outcome: 'success' | 'failure'): AuditEventInput => ({ action: 'identity.login.attempt', target: { type: 'user', id: 'u-victim' }, outcome, orgId: ORG, ...(outcome === 'failure' ? { reason: 'wrong-password' } : {}) });

  before(async () => {
    t = await makePlatform();
  });
  after(async () => {
    await t.dispose();
  });

  test('ok/open by hand: playbook checklist with deadlines from discovery; state machine; each change audited', async () => {
    const s = t.platform.incidents.service;
    const discoveredAt = new Date(t.clock.now().getTime() - 3_600_000).toISOString();
    const incident = await s.open(ctx(officer), { title: 'Ransom note on the imaging share', type: 'ransomware-data-loss', severity: 'critical', discoveredAt, notes: 'Patient Jane Roe called the ward.' });
    assert.equal(incident.status, 'triage');
    assert.equal(incident.playbook.id, 'ransomware-data-loss');
    assert.equal(incident.checklist[0]?.dueAt, new Date(Date.parse(discoveredAt) + 3_600_000).toISOString());
    assert.ok(incident.notesSealed !== null && !incident.notesSealed.includes('Jane'), 'notes are sealed');
    assert.equal(await s.notes(ctx(officer), incident.id), 'Patient Jane Roe called the ward.');
    const done = await s.completeStep(ctx(officer), incident.id, 'triage');
    assert.equal(done.checklist[0]?.doneBy, 'u-officer');
    assert.ok(done.checklist[0]?.doneAt);
    await assert.rejects(s.completeStep(ctx(officer), incident.id, 'triage'), code('INCIDENT_STEP_DONE'));
    await assert.rejects(s.completeStep(ctx(officer), incident.id, 'no-such-step'), code('INCIDENT_STEP_NOT_FOUND'));
    assert.equal((await s.transition(ctx(officer), incident.id, 'contained')).status, 'contained');
    assert.equal((await s.transition(ctx(officer), incident.id, 'closed')).closedAt, t.clock.now().toISOString());
    await assert.rejects(s.transition(ctx(officer), incident.id, 'triage'), code('INCIDENT_STATE'));
    const actions = await t.platform.database.db.selectFrom('audit_events').select('action').where('target_id', '=', incident.id).orderBy('seq').execute();
    assert.deepEqual(
      actions.map((a) => a.action),
      ['incidents.incident.open', 'incidents.step.done', 'incidents.incident.status', 'incidents.incident.status'],
    );
  });

  test('fail/bad input: unknown playbook, no type, future discovery, unknown alert, inactive commander', async () => {
    const s = t.platform.incidents.service;
    await assert.rejects(s.open(ctx(officer), { title: 'x', type: 'availability', playbookId: 'no-such-book' }), code('INCIDENT_PLAYBOOK_NOT_FOUND'));
    await assert.rejects(s.open(ctx(officer), { title: 'x' }), code('INCIDENT_INVALID'));
    await assert.rejects(s.open(ctx(officer), { title: 'x', type: 'availability', discoveredAt: '2099-01-01T00:00:00.000Z' }), code('INCIDENT_INVALID'));
    await assert.rejects(s.open(ctx(officer), { title: 'x', alertIds: ['00000000-0000-4000-8000-000000000000'] }), code('INCIDENT_ALERT_NOT_FOUND'));
    await assert.rejects(s.open(ctx(officer), { title: 'x', type: 'availability', commanderId: 'u-nobody' }), code('INCIDENT_USER_INVALID'));
    await assert.rejects(s.putPlaybook(ctx(officer), { id: 'availability', version: 1, type: 'availability', title: 't', steps: [{ id: 'a', title: 'a', ownerRole: 'janitor', deadlineHours: 1, actions: [] }] }), code('INCIDENT_PLAYBOOK_INVALID'));
  });

  test('ok/an organization edits a playbook: a new version; new incidents use it, old ones keep theirs', async () => {
    const s = t.platform.incidents.service;
    const before = await s.open(ctx(officer), { title: 'Monitors offline', type: 'availability' });
    const book = await s.putPlaybook(ctx(officer), { id: 'availability', version: 1, type: 'availability', title: 'Loss of availability (ward B)', steps: [{ id: 'call', title: 'Call the ward', ownerRole: 'org-admin', deadlineHours: 0.5, actions: ['notify-care-continuity'] }] });
    assert.equal(book.version, 2);
    const after = await s.open(ctx(officer), { title: 'Monitors offline again', type: 'availability' });
    assert.deepEqual(after.playbook, { id: 'availability', version: 2 });
    assert.deepEqual(after.checklist.map((c) => c.id), ['call']);
    assert.equal((await s.get(ctx(officer), before.id)).checklist.length, 5);
    // The other organization still sees the shipped playbook.
    assert.equal((await s.playbook(ctx(otherOfficer), 'availability')).version, 1);
  });

  test('fail/cross-tenant: another organization gets 404 on every read and change; auditors read only; clinicians are refused', async () => {
    const s = t.platform.incidents.service;
    const incident = await s.open(ctx(officer), { title: 'Stolen laptop', type: 'phi-breach' });
    await assert.rejects(s.get(ctx(otherOfficer), incident.id), code('INCIDENT_NOT_FOUND'));
    await assert.rejects(s.timeline(ctx(otherOfficer), incident.id), code('INCIDENT_NOT_FOUND'));
    await assert.rejects(s.transition(ctx(otherOfficer), incident.id, 'contained'), code('INCIDENT_NOT_FOUND'));
    await assert.rejects(s.completeStep(ctx(otherOfficer), incident.id, 'triage'), code('INCIDENT_NOT_FOUND'));
    assert.ok(!(await s.list(ctx(otherOfficer), {})).some((i) => i.id === incident.id));
    assert.equal((await s.get(ctx(auditor), incident.id)).id, incident.id);
    await assert.rejects(s.transition(ctx(auditor), incident.id, 'contained'), code('FORBIDDEN'));
    await assert.rejects(s.get(ctx(clinician), incident.id), code('FORBIDDEN'));
  });

  test('ok/timeline: refused-then-accepted login is the point of failure; the blast radius holds exactly the patients read from the attack source', async () => {
    const s = t.platform.incidents.service;
    const attacker = '203.0.113.9';
    await append(ctx(victim, '10.0.0.5'), [read('p-before')]);
    await append(ctx(victim, attacker), [login('failure')]);
    await append(ctx(victim, attacker), [login('success')]);
    await append(ctx(victim, attacker), [read('p-1'), read('p-2'), read('p-3'), read('p-2')]);
    await append(ctx(victim, '10.0.0.5'), [read('p-after')]);
    await append(ctx(victim, attacker), [read('p-other', 'org-b')]);
    const incident = await s.open(ctx(officer), { title: 'Clinician account misused', type: 'credential-compromise', seeds: { userIds: ['u-victim'] } });
    const view = await s.timeline(ctx(officer), incident.id);
    assert.equal(view.pointOfFailure.earliest?.kind, 'refused-then-accepted-login');
    assert.equal(view.pointOfFailure.earliest?.evidence.length, 2);
    assert.deepEqual(view.blastRadius.patients.map((p) => p.id), ['p-1', 'p-2', 'p-3']);
    assert.equal(view.blastRadius.patients[1]?.evidence.length, 2, 'both reads of p-2 are evidence');
    assert.deepEqual(view.blastRadius.users.map((u) => u.id), ['u-victim']);
    assert.deepEqual(view.blastRadius.organizations.map((o) => o.id), [ORG]);
    assert.ok(!JSON.stringify(view).includes('org-b') && !JSON.stringify(view).includes('p-other'), 'never another organization');
    const times = view.entries.map((e) => e.time);
    assert.deepEqual(times, [...times].sort(), 'time order');
    assert.ok(view.entries.every((e) => e.ref.startsWith('audit:') || e.ref.startsWith('security-event:') || e.ref.startsWith('alert:')));
  });

  test('ok/auto-open: a chosen alert type opens an incident; the next alert joins it; the unknown firmware hash is the point of failure', async () => {
    const s = t.platform.incidents.service;
    await s.putSettings(ctx(officer), { autoOpenDetectors: ['device-firmware', 'brute-force'], autoOpenMinSeverity: 'high', joinWindowHours: 24 });
    t.platform.securityEvents.emit({ type: 'device.firmware.reported', severity: 'high', reason: 'hash-mismatch', orgId: ORG, deviceId: 'dev-bedside-7', details: { reportedHash: 'ab'.repeat(32), expectedHash: 'cd'.repeat(32) } });
    let auto: Awaited<ReturnType<typeof s.list>>[number] | undefined;
    for (let i = 0; i < 100 && auto === undefined; i += 1) {
      await new Promise((r) => setTimeout(r, 20));
      await t.platform.security.alerts.flush();
      await t.platform.incidents.flush();
      auto = (await s.list(ctx(officer), {})).find((x) => x.origin === 'auto');
    }
    assert.ok(auto, 'an incident opened by itself');
    assert.equal(auto.type, 'malware-in-firmware');
    assert.deepEqual(auto.seeds.deviceIds, ['dev-bedside-7']);
    const [firmwareAlert] = await t.platform.security.alerts.list(ctx(officer), { detector: 'device-firmware' });
    assert.ok(firmwareAlert);
    // A second chosen alert in the join window joins the same incident.
    t.platform.security.alerts.raise({ detector: 'brute-force', severity: 'high', title: 'Brute force', summary: 'x', orgId: ORG, subject: { kind: 'user', id: 'u-victim' }, count: 5, at: t.clock.now().toISOString(), windowSeconds: 300, eventIds: [], auditSeqs: [] });
    await t.platform.security.alerts.flush();
    await t.platform.incidents.flush();
    const joined = await s.get(ctx(officer), auto.id);
    assert.equal(joined.alertIds.length, 2);
    assert.deepEqual(joined.seeds.userIds, ['u-victim']);
    // An alert of a type not chosen opens nothing.
    t.platform.security.alerts.raise({ detector: 'device-replay', severity: 'high', title: 'Replay', summary: 'x', orgId: ORG, subject: { kind: 'device', id: 'dev-x' }, count: 1, at: t.clock.now().toISOString(), windowSeconds: 300, eventIds: [], auditSeqs: [] });
    await t.platform.security.alerts.flush();
    await t.platform.incidents.flush();
    assert.equal((await s.get(ctx(officer), auto.id)).alertIds.length, 2);
    let view = await s.timeline(ctx(officer), auto.id);
    for (let i = 0; i < 50 && !view.pointOfFailure.chain.some((l) => l.kind === 'unknown-firmware-hash'); i += 1) {
      await new Promise((r) => setTimeout(r, 20));
      view = await s.timeline(ctx(officer), auto.id);
    }
    const firmware = view.pointOfFailure.chain.find((l) => l.kind === 'unknown-firmware-hash');
    assert.equal(firmware?.subject, 'dev-bedside-7');
    assert.ok(view.blastRadius.devices.some((d) => d.id === 'dev-bedside-7' && d.why.includes('reported an unknown firmware hash')));
    assert.ok(view.entries.some((e) => e.ref === `alert:${firmwareAlert.id}`));
  });
});
