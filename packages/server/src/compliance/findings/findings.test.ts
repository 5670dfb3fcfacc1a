/**
 * Finding lifecycle over audit runs: open on a violation, resolved by the next passing run,
 * reopened when the violation returns; suppressed with reason, owner and expiry, reopened at the
 * expiry; high findings raise a security alert; the schedule picks full or daily.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlertCandidate } from '../../alerts/index.js';
import { ManualClock, SYSTEM_PRINCIPAL, type RequestContext } from '../../kernel/index.js';
import { BUILT_IN_CHECKS } from '../checks/index.js';
import { cleanEvidence, isoAgo, NOW, type FakeEvidence } from '../checks/fake-evidence.js';
import { ALERT_GROUP_THRESHOLD, AuditRunService } from './audit-run-service.js';
import { MemoryFindingStore } from './memory-finding-store.js';
import { MitigationService } from './mitigation-actions.js';
import { dueCadence } from './schedule.js';

const system: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'test', source: 'local' };
const officer = (orgId: string, roles: Array<'security-officer' | 'auditor' | 'clinician'> = ['security-officer']): RequestContext => ({
  principal: { kind: 'user', id: `u-${orgId}`, orgId, username: 'so', roles, sessionId: 's', mfa: true },
  requestId: 'test',
  source: '127.0.0.1',
});

function setup() {
  const clock = new ManualClock(NOW);
  const store = new MemoryFindingStore();
  const evidence: FakeEvidence = cleanEvidence();
  const alerts: AlertCandidate[] = [];
  const service = new AuditRunService({ uow: store.uow(), reader: store, clock, checks: BUILT_IN_CHECKS, evidence: () => evidence, raiseAlert: (c) => alerts.push(c) });
  return { clock, store, evidence, alerts, service };
}

const mfaOf = (f: { checkId: string }) => f.checkId === 'PPL-PRIVILEGED-NO-MFA';

describe('findings', () => {
  it('ok/a clean system opens no finding and stores the run', async () => {
    const { service, store } = setup();
    const run = await service.run(system, 'full');
    assert.equal(run.counts.fail, 0);
    assert.equal(run.counts.error, 0);
    assert.ok(run.counts.notApplicable >= 4);
    assert.equal(store.findings.size, 0);
    assert.ok(store.audited.some((a) => a.action === 'compliance.audit.run'));
  });

  it('fail/a violation opens one finding per resource and a high one raises a security alert', async () => {
    const { service, store, evidence, alerts } = setup();
    evidence.userRows = evidence.userRows.map((u) => ({ ...u, roles: ['security-officer'], mfaEnrolled: false }));
    const run = await service.run(system, 'daily');
    assert.equal(run.counts.opened, 2);
    const open = [...store.findings.values()].filter(mfaOf);
    assert.deepEqual(open.map((f) => f.resourceId).sort(), ['u-admin', 'u-nurse']);
    assert.ok(open.every((f) => f.status === 'open' && f.severity === 'high'));
    assert.equal(alerts.filter((a) => a.detector === 'compliance-audit').length, 2);
    // a second failing run keeps them open and raises nothing new
    await service.run(system, 'daily');
    assert.equal(alerts.length, 2);
  });

  it('ok/many new high findings of one organization raise one alert that counts them, a few raise one each', async () => {
    const { service, evidence, alerts } = setup();
    const template = evidence.userRows[1]!;
    const many = Array.from({ length: ALERT_GROUP_THRESHOLD + 5 }, (_, i) => ({ ...template, id: `u-many-${i}`, username: `many${i}`, orgId: 'org-2', roles: ['org-admin' as const], mfaEnrolled: false }));
    evidence.userRows = [...evidence.userRows.map((u) => ({ ...u, roles: ['security-officer' as const], mfaEnrolled: false })), ...many];
    const run = await service.run(system, 'daily');
    assert.ok(run.counts.opened >= many.length + 2);
    const org1 = alerts.filter((a) => a.orgId === 'org-1');
    const org2 = alerts.filter((a) => a.orgId === 'org-2');
    assert.deepEqual(org1.map((a) => a.subject.id).sort(), ['u-admin', 'u-nurse'], 'a few: one alert per finding, on the user');
    assert.equal(org2.length, 1, 'many: one alert for the organization');
    assert.deepEqual(org2[0]?.subject, { kind: 'org', id: 'org-2' });
    assert.equal(org2[0]?.count, many.length);
    assert.match(org2[0]?.summary ?? '', new RegExp(`PPL-PRIVILEGED-NO-MFA x${many.length}`));
  });

  it('ok/a finding seen again unchanged is only touched: last seen moves to the run, nothing is rewritten', async () => {
    const { service, store, evidence, clock } = setup();
    evidence.userRows[0] = { ...evidence.userRows[0]!, mfaEnrolled: false };
    const first = await service.run(system, 'daily');
    const [opened] = [...store.findings.values()].filter(mfaOf);
    assert.ok(opened);
    const upserted: string[] = [];
    const upsert = store.upsertFindings.bind(store);
    store.upsertFindings = (findings) => {
      upserted.push(...findings.map((f) => f.id));
      return upsert(findings);
    };
    clock.advance(3_600_000);
    const second = await service.run(system, 'daily');
    assert.notEqual(second.id, first.id);
    assert.ok(!upserted.includes(opened.id), 'an unchanged finding is not rewritten (others may be: their detail counts days)');
    const seen = store.findings.get(opened.id);
    assert.equal(seen?.lastRunId, second.id, 'last seen by the second run');
    assert.equal(seen?.lastSeenAt, second.finishedAt);
    assert.equal(seen?.updatedAt, opened.updatedAt, 'its state did not change');
    // a change of detail is a change: written
    evidence.userRows[0] = { ...evidence.userRows[0], roles: ['org-admin', 'security-officer'] };
    clock.advance(3_600_000);
    await service.run(system, 'daily');
    assert.ok(upserted.includes(opened.id));
    assert.match(store.findings.get(opened.id)?.detail ?? '', /org-admin, security-officer/);
  });

  it('ok/a suppression written while a run reads the findings outside its transaction is kept', async () => {
    const { service, store, evidence, clock } = setup();
    evidence.userRows[0] = { ...evidence.userRows[0]!, mfaEnrolled: false };
    await service.run(system, 'daily');
    const [opened] = [...store.findings.values()].filter(mfaOf);
    assert.ok(opened);
    // The next run finds a new detail for it; a security officer suppresses it just after the run's read.
    evidence.userRows[0] = { ...evidence.userRows[0], roles: ['org-admin', 'security-officer'] };
    clock.advance(60_000);
    const read = store.findingsOfChecks.bind(store);
    store.findingsOfChecks = async (checkIds) => {
      const snapshot = await read(checkIds);
      const at = clock.now().toISOString();
      store.findings.set(opened.id, { ...opened, status: 'suppressed', suppression: { reason: 'compensating control', owner: 'ciso', expiresAt: isoAgo(-30, clock.now()), by: 'user:so', at }, updatedAt: at });
      return snapshot;
    };
    await service.run(system, 'daily');
    const after = store.findings.get(opened.id);
    assert.equal(after?.status, 'suppressed', 'the concurrent suppression survives the run');
    assert.equal(after?.suppression?.owner, 'ciso');
    assert.match(after?.detail ?? '', /org-admin, security-officer/, 'and the run still wrote the new detail');
  });

  it('ok/a resolved finding reopens if the violation returns', async () => {
    const { service, store, evidence, clock, alerts } = setup();
    evidence.userRows[0] = { ...evidence.userRows[0]!, mfaEnrolled: false };
    await service.run(system, 'daily');
    evidence.userRows[0] = { ...evidence.userRows[0], mfaEnrolled: true };
    clock.advance(86_400_000);
    const passing = await service.run(system, 'daily');
    assert.equal(passing.counts.resolved, 1);
    const [resolved] = [...store.findings.values()].filter(mfaOf);
    assert.equal(resolved?.status, 'resolved');
    assert.equal(resolved.resolvedAt, clock.now().toISOString());
    evidence.userRows[0] = { ...evidence.userRows[0], mfaEnrolled: false };
    clock.advance(86_400_000);
    const again = await service.run(system, 'daily');
    assert.equal(again.counts.reopened, 1);
    const reopened = store.findings.get(resolved.id);
    assert.equal(reopened?.status, 'open');
    assert.equal(reopened.reopenedCount, 1);
    assert.equal(reopened.resolvedAt, null);
    assert.equal(alerts.length, 2, 'the reopening raises an alert again');
  });

  it('ok/a suppressed finding stays suppressed until its expiry, then reopens (sweep and run)', async () => {
    const { service, store, evidence, clock } = setup();
    evidence.userRows[0] = { ...evidence.userRows[0]!, mfaEnrolled: false };
    await service.run(system, 'daily');
    const [f] = [...store.findings.values()];
    assert.ok(f);
    const expiresAt = new Date(clock.now().getTime() + 3 * 86_400_000).toISOString();
    const suppressed = await service.suppress(system, f.id, { reason: 'hardware key on order', owner: 'ciso', expiresAt });
    assert.equal(suppressed.status, 'suppressed');
    clock.advance(86_400_000);
    await service.run(system, 'daily');
    assert.equal(store.findings.get(f.id)?.status, 'suppressed');
    assert.equal(await service.reopenExpiredSuppressions(system), 0);
    clock.advance(2 * 86_400_000);
    assert.equal(await service.reopenExpiredSuppressions(system), 1);
    const reopened = store.findings.get(f.id);
    assert.equal(reopened?.status, 'open');
    assert.equal(reopened.suppression?.reason, 'hardware key on order', 'the suppression stays on record');
    assert.ok(store.audited.some((a) => a.action === 'compliance.finding.reopen' && a.reason === 'suppression-expired'));
  });

  it('ok/an expired suppression also reopens when the next run sees the violation', async () => {
    const { service, store, evidence, clock } = setup();
    evidence.userRows[0] = { ...evidence.userRows[0]!, mfaEnrolled: false };
    await service.run(system, 'daily');
    const [f] = [...store.findings.values()];
    assert.ok(f);
    await service.suppress(system, f.id, { reason: 'accepted for a week', owner: 'ciso', expiresAt: new Date(clock.now().getTime() + 86_400_000).toISOString() });
    clock.advance(2 * 86_400_000);
    const run = await service.run(system, 'daily');
    assert.equal(run.counts.reopened, 1);
    assert.equal(store.findings.get(f.id)?.status, 'open');
  });

  const badSuppressions: Array<[string, { reason: string; owner: string; expiresAt: string }]> = [
    ['no reason', { reason: '', owner: 'ciso', expiresAt: isoAgo(-1) }],
    ['no owner', { reason: 'waiting for vendor', owner: ' ', expiresAt: isoAgo(-1) }],
    ['expiry in the past', { reason: 'waiting for vendor', owner: 'ciso', expiresAt: isoAgo(1) }],
    ['expiry beyond a year', { reason: 'waiting for vendor', owner: 'ciso', expiresAt: isoAgo(-400) }],
    ['expiry not a date', { reason: 'waiting for vendor', owner: 'ciso', expiresAt: 'soon' }],
  ];
  for (const [name, input] of badSuppressions) {
    it(`fail/a suppression with ${name} is refused`, async () => {
      const { service, store, evidence } = setup();
      evidence.userRows[0] = { ...evidence.userRows[0]!, mfaEnrolled: false };
      await service.run(system, 'daily');
      const [f] = [...store.findings.values()];
      assert.ok(f);
      await assert.rejects(service.suppress(system, f.id, input), { code: 'COMPLIANCE_SUPPRESSION_INVALID' });
    });
  }

  it('ok/a not-applicable or erroring check resolves nothing', async () => {
    const { service, store, evidence } = setup();
    evidence.userRows[0] = { ...evidence.userRows[0]!, mfaEnrolled: false };
    await service.run(system, 'daily');
    evidence.users = () => Promise.reject(new Error('down'));
    const run = await service.run(system, 'daily');
    assert.equal(run.counts.resolved, 0);
    assert.equal([...store.findings.values()][0]?.status, 'open');
  });

  it('fail/another organization’s finding is not found; platform findings are visible; a clinician is refused', async () => {
    const { service, store, evidence } = setup();
    evidence.userRows[0] = { ...evidence.userRows[0]!, mfaEnrolled: false };
    evidence.settings = { ...evidence.settings, insecureFlags: { allowPlaintextDatabase: true } };
    await service.run(system, 'daily');
    const mine = [...store.findings.values()].find(mfaOf);
    assert.ok(mine);
    await assert.rejects(service.getFinding(officer('org-2'), mine.id), { code: 'COMPLIANCE_FINDING_NOT_FOUND' });
    const seen = await service.listFindings(officer('org-2', ['auditor']));
    assert.deepEqual(seen.map((f) => f.checkId), ['PLT-INSECURE-FLAGS']);
    await assert.rejects(service.listFindings(officer('org-1', ['clinician'])), { code: 'FORBIDDEN' });
    await assert.rejects(service.run(officer('org-1', ['auditor']), 'full'), { code: 'FORBIDDEN' });
  });

  it('ok/the schedule runs a full audit every 90 days and the cheap checks daily', () => {
    const run = (cadence: 'full' | 'daily', daysAgo: number) => ({ id: 'r', cadence, startedAt: isoAgo(daysAgo), finishedAt: isoAgo(daysAgo), actor: 'system', results: [], counts: { pass: 0, fail: 0, notApplicable: 0, error: 0, opened: 0, reopened: 0, resolved: 0 } });
    assert.equal(dueCadence([], NOW), 'full');
    assert.equal(dueCadence([run('full', 0.5)], NOW), null);
    assert.equal(dueCadence([run('full', 2)], NOW), 'daily');
    assert.equal(dueCadence([run('daily', 0.2), run('full', 30)], NOW), null);
    assert.equal(dueCadence([run('daily', 0.2), run('full', 90)], NOW), 'full');
  });
});

describe('mitigation actions', () => {
  it('ok/an action goes through the owning module under the finding’s request id and marks the finding mitigated; the next passing run resolves it', async () => {
    const { service, store, evidence } = setup();
    evidence.userRows[0] = { ...evidence.userRows[0]!, mfaEnrolled: false };
    await service.run(system, 'daily');
    const [f] = [...store.findings.values()];
    assert.ok(f);
    const calls: string[] = [];
    const ports = {
      quarantineDevice: () => Promise.reject(new Error('not expected')),
      revokeDevice: () => Promise.reject(new Error('not expected')),
      disableUser: () => Promise.reject(new Error('not expected')),
      requireMfa: (ctx: RequestContext, orgId: string, userId: string) => Promise.resolve(void calls.push(`${ctx.requestId} ${orgId} ${userId}`)),
    };
    const mitigations = new MitigationService(service, ports);
    assert.deepEqual(mitigations.actionsFor(f), ['disable-user', 'require-mfa']);
    await assert.rejects(mitigations.act(system, f.id, 'quarantine-device'), { code: 'COMPLIANCE_FINDING_STATE' });
    const mitigated = await mitigations.act(system, f.id, 'require-mfa');
    assert.deepEqual(calls, [`mitigation-${f.id} org-1 u-admin`]);
    assert.equal(mitigated.status, 'mitigated');
    assert.equal(mitigated.mitigation?.action, 'require-mfa');
    assert.ok(store.audited.some((a) => a.action === 'compliance.finding.mitigate' && a.targetId === f.id));
    evidence.userRows[0] = { ...evidence.userRows[0], mfaEnrolled: true };
    await service.run(system, 'daily');
    assert.equal(store.findings.get(f.id)?.status, 'resolved');
    await assert.rejects(mitigations.act(officer('org-2'), f.id, 'require-mfa'), { code: 'COMPLIANCE_FINDING_NOT_FOUND' });
  });
});
