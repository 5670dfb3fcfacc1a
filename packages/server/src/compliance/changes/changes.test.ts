/**
 * Two-person change control: self-approval and approval without MFA again are refused; an
 * approved change is applied under its own request id (the only way past the privileged-role
 * gate); an emergency change applies at once and, unreviewed after 72 h, opens a finding.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError, ManualClock, type RequestContext, type Role } from '../../kernel/index.js';
import { NOW } from '../checks/fake-evidence.js';
import { cleanEvidence } from '../checks/fake-evidence.js';
import { runChecks } from '../checks/index.js';
import { emergencyReviewCheck } from './change-checks.js';
import { ChangeApplierRegistry } from './appliers.js';
import { ChangeService } from './change-service.js';
import { MemoryChangeStore } from './memory-change-store.js';
import type { ChangeRequest } from './model.js';

const GOOD_CODE = '123456';

function person(id: string, roles: Role[] = ['org-admin'], mfa = true, orgId = 'org-1'): RequestContext {
  return { principal: { kind: 'user', id, orgId, username: id, roles, sessionId: `s-${id}`, mfa }, requestId: `req-${id}-${Math.random()}`, source: '10.0.0.1' };
}

function setup() {
  const clock = new ManualClock(NOW);
  const store = new MemoryChangeStore();
  const applied: Array<{ change: ChangeRequest; requestId: string; by: string }> = [];
  const stepUps: string[] = [];
  const service = new ChangeService({
    uow: store.uow(),
    reader: store,
    clock,
    stepUp: (ctx, code) => {
      stepUps.push(ctx.principal.id);
      return code === GOOD_CODE ? Promise.resolve() : Promise.reject(new AppError('IDENTITY_MFA_FAILED'));
    },
    appliers: new ChangeApplierRegistry({
      'role-grant': {
        apply: async (ctx, change) => {
          // what identity does: ask the gate, then change the roles
          await service.privilegedRoleGate(ctx, { orgId: change.orgId ?? '', userId: change.target, to: change.payload['roles'] as string[] });
          applied.push({ change, requestId: ctx.requestId, by: ctx.principal.id });
        },
      },
    }),
  });
  return { clock, store, service, applied, stepUps };
}

const grant = { kind: 'role-grant' as const, target: 'u-target', payload: { roles: ['org-admin'] }, summary: 'make the new ward manager an org admin' };

describe('change control', () => {
  it('ok/requested by one person, approved by another with MFA again: applied under its own request id and linked to its audit events', async () => {
    const { service, store, applied, stepUps } = setup();
    const req = await service.request(person('alice'), { ...grant, stepUpCode: GOOD_CODE });
    assert.equal(req.status, 'pending');
    assert.equal(applied.length, 0, 'nothing takes effect before approval');
    const done = await service.approve(person('bob'), req.id, { stepUpCode: GOOD_CODE });
    assert.equal(done.status, 'applied');
    assert.equal(done.decidedBy, 'user:bob');
    assert.deepEqual(stepUps, ['alice', 'bob']);
    assert.equal(applied[0]?.requestId, `change-${req.id}`);
    assert.deepEqual(store.audited.map((a) => a.action), ['compliance.change.request', 'compliance.change.approve', 'compliance.change.apply']);
    assert.deepEqual(done.audit.seqs, [1, 2, 3]);
    assert.ok(done.audit.requestIds.includes(`change-${req.id}`));
  });

  const refusals: Array<[string, (s: ReturnType<typeof setup>, id: string) => Promise<unknown>, string]> = [
    ['approved by its requester', (s, id) => s.service.approve(person('alice'), id, { stepUpCode: GOOD_CODE }), 'COMPLIANCE_CHANGE_SELF_APPROVAL'],
    ['approved without a step-up code', (s, id) => s.service.approve(person('bob'), id, {}), 'COMPLIANCE_STEP_UP_REQUIRED'],
    ['approved with a wrong step-up code', (s, id) => s.service.approve(person('bob'), id, { stepUpCode: '000000' }), 'IDENTITY_MFA_FAILED'],
    ['approved by a session that never passed MFA', (s, id) => s.service.approve(person('bob', ['org-admin'], false), id, { stepUpCode: GOOD_CODE }), 'COMPLIANCE_STEP_UP_REQUIRED'],
    ['approved by a role without changes:approve', (s, id) => s.service.approve(person('carol', ['clinician']), id, { stepUpCode: GOOD_CODE }), 'FORBIDDEN'],
    ['approved from another organization', (s, id) => s.service.approve(person('dave', ['org-admin'], true, 'org-2'), id, { stepUpCode: GOOD_CODE }), 'COMPLIANCE_CHANGE_NOT_FOUND'],
    ['approved by the host (no person)', (s, id) => s.service.approve({ principal: { kind: 'cli', id: 'root' }, requestId: 'r', source: 'local' }, id, { stepUpCode: GOOD_CODE }), 'FORBIDDEN'],
  ];
  for (const [name, attempt, code] of refusals) {
    it(`fail/a change request ${name} is refused and nothing is applied`, async () => {
      const s = setup();
      const req = await s.service.request(person('alice'), { ...grant, stepUpCode: GOOD_CODE });
      await assert.rejects(attempt(s, req.id), { code });
      assert.equal(s.applied.length, 0);
      assert.equal(s.store.rows.get(req.id)?.status, 'pending');
    });
  }

  it('fail/a request without MFA again is refused', async () => {
    const { service, store } = setup();
    await assert.rejects(service.request(person('alice'), grant), { code: 'COMPLIANCE_STEP_UP_REQUIRED' });
    await assert.rejects(service.request(person('alice'), { ...grant, stepUpCode: '999999' }), { code: 'IDENTITY_MFA_FAILED' });
    assert.equal(store.rows.size, 0);
  });

  it('fail/a privileged role change outside an approved change is refused by the gate', async () => {
    const { service } = setup();
    const req = await service.request(person('alice'), { ...grant, stepUpCode: GOOD_CODE });
    // pending: refused; and an approved change does not cover another request id or other roles
    await assert.rejects(service.privilegedRoleGate(person('alice'), { orgId: 'org-1', userId: 'u-target', to: ['org-admin'] }), { code: 'COMPLIANCE_CHANGE_REQUIRED' });
    await service.approve(person('bob'), req.id, { stepUpCode: GOOD_CODE });
    await assert.rejects(service.privilegedRoleGate({ ...person('alice'), requestId: `change-${req.id}` }, { orgId: 'org-1', userId: 'u-target', to: ['org-admin'] }), { code: 'COMPLIANCE_CHANGE_REQUIRED' }, 'applied changes are spent');
  });

  it('fail/an approved change cannot be approved twice or rejected afterwards', async () => {
    const { service } = setup();
    const req = await service.request(person('alice'), { ...grant, stepUpCode: GOOD_CODE });
    await service.approve(person('bob'), req.id, { stepUpCode: GOOD_CODE });
    await assert.rejects(service.approve(person('carol'), req.id, { stepUpCode: GOOD_CODE }), { code: 'COMPLIANCE_CHANGE_STATE' });
    await assert.rejects(service.reject(person('carol'), req.id, 'too late'), { code: 'COMPLIANCE_CHANGE_STATE' });
  });

  it('fail/an invalid change request is refused', async () => {
    const { service } = setup();
    await assert.rejects(service.request(person('alice'), { ...grant, payload: { roles: ['overlord'] }, stepUpCode: GOOD_CODE }), { code: 'COMPLIANCE_CHANGE_INVALID' });
    await assert.rejects(service.request(person('alice'), { ...grant, summary: 'x', stepUpCode: GOOD_CODE }), { code: 'COMPLIANCE_CHANGE_INVALID' });
    await assert.rejects(service.request(person('alice'), { ...grant, target: ' ', stepUpCode: GOOD_CODE }), { code: 'COMPLIANCE_CHANGE_INVALID' });
  });

  it('ok/an emergency change applies at once; reviewed in time it opens no finding', async () => {
    const { service, store, applied, clock } = setup();
    const c = await service.request(person('alice'), { ...grant, emergency: true, stepUpCode: GOOD_CODE });
    assert.equal(c.status, 'applied');
    assert.equal(applied.length, 1);
    await assert.rejects(service.review(person('alice'), c.id, { stepUpCode: GOOD_CODE }), { code: 'COMPLIANCE_CHANGE_SELF_APPROVAL' });
    clock.advance(24 * 3_600_000);
    await service.review(person('bob'), c.id, { stepUpCode: GOOD_CODE });
    clock.advance(72 * 3_600_000);
    const check = emergencyReviewCheck(() => store.unreviewedEmergencies());
    const [result] = await runChecks([check], cleanEvidence(), clock.now(), 'daily');
    assert.equal(result?.status, 'pass');
  });

  it('fail/an emergency change not reviewed within 72 h opens a finding (CHG-EMERGENCY-UNREVIEWED)', async () => {
    const { service, store, clock } = setup();
    const c = await service.request(person('alice'), { ...grant, emergency: true, stepUpCode: GOOD_CODE });
    const check = emergencyReviewCheck(() => store.unreviewedEmergencies());
    clock.advance(71 * 3_600_000);
    assert.equal((await runChecks([check], cleanEvidence(), clock.now(), 'daily'))[0]?.status, 'pass', 'not yet due');
    clock.advance(2 * 3_600_000);
    const [result] = await runChecks([check], cleanEvidence(), clock.now(), 'daily');
    assert.equal(result?.status, 'fail');
    assert.equal(result.violations[0]?.resourceId, c.id);
  });

  it('ok/GET changes?before lists what was applied before a time', async () => {
    const { service, clock } = setup();
    const first = await service.request(person('alice'), { ...grant, emergency: true, stepUpCode: GOOD_CODE });
    clock.advance(3_600_000);
    const incident = clock.now().toISOString();
    clock.advance(3_600_000);
    await service.request(person('alice'), { ...grant, target: 'u-other', emergency: true, stepUpCode: GOOD_CODE });
    const before = await service.list(person('auditor', ['auditor']), { before: incident });
    assert.deepEqual(before.map((c) => c.id), [first.id]);
  });
});
