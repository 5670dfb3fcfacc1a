/**
 * The applier registry across every change kind: a setting, key or rollout change takes effect
 * only after a second person approves it with MFA again, through the applier the owning module
 * registered, under `change-<id>`; the owning module's gate refuses the same call made directly;
 * requesting, approving, rejecting or reviewing needs the owning module's permission; a kind without an applier stays
 * approved (firmware-rollout until the updates wiring registers one).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError, ManualClock, type RequestContext, type Role } from '../../kernel/index.js';
import { NOW } from '../checks/fake-evidence.js';
import { ChangeApplierRegistry } from './appliers.js';
import { ChangeService } from './change-service.js';
import { MemoryChangeStore } from './memory-change-store.js';
import type { ChangeKind } from './model.js';

const GOOD = '123456';
const person = (id: string, roles: Role[] = ['platform-admin'], mfa = true): RequestContext => ({
  principal: { kind: 'user', id, orgId: 'org-1', username: id, roles, sessionId: `s-${id}`, mfa },
  requestId: `req-${id}-${Math.random()}`,
  source: '10.0.0.1',
});

const SETTING_KINDS: ReadonlyArray<[ChangeKind, string, Record<string, string | number | boolean>]> = [
  ['password-settings', 'passwords.preset', { preset: 'nist' }],
  ['detector-settings', 'bruteForce', { failures: 10 }],
  ['key-rotation', 'kek', {}],
  ['insecure-flag', 'allowPlaintextDatabase', { enabled: true }],
];

function setup() {
  const store = new MemoryChangeStore();
  const effects: Array<{ kind: ChangeKind; target: string; requestId: string }> = [];
  // What an owning module does: ask the gate, then change its setting.
  const owner = (kind: ChangeKind) => async (ctx: RequestContext, target: string) => {
    await service.requireApproved(ctx, kind, target);
    effects.push({ kind, target, requestId: ctx.requestId });
  };
  const registry = new ChangeApplierRegistry();
  for (const [kind] of SETTING_KINDS) {
    registry.register(kind, {
      validate: (c) => {
        if (c.target === 'bogus') throw new AppError('COMPLIANCE_CHANGE_INVALID', { detail: `no ${kind} ${c.target}` });
      },
      apply: (ctx, change) => owner(kind)(ctx, change.target),
    });
  }
  const service: ChangeService = new ChangeService({
    uow: store.uow(),
    reader: store,
    clock: new ManualClock(NOW),
    stepUp: (_ctx, code) => (code === GOOD ? Promise.resolve() : Promise.reject(new AppError('IDENTITY_MFA_FAILED'))),
    appliers: registry,
  });
  return { store, service, effects, owner, registry };
}

describe('change kinds', () => {
  for (const [kind, target, payload] of SETTING_KINDS) {
    const input = { kind, target, payload, summary: `change ${kind} for the audit` };

    it(`ok/${kind}: applied only after a second person approves with MFA, platform-wide, under its own request id`, async () => {
      const { service, effects } = setup();
      const req = await service.request(person('alice'), { ...input, stepUpCode: GOOD });
      assert.equal(req.orgId, null, 'a platform-wide change');
      assert.equal(effects.length, 0);
      const done = await service.approve(person('bob'), req.id, { stepUpCode: GOOD });
      assert.equal(done.status, 'applied');
      assert.deepEqual(effects, [{ kind, target, requestId: `change-${req.id}` }]);
    });

    it(`fail/${kind}: requester approval, approval without MFA again, and the direct change are refused`, async () => {
      const { service, effects, owner, store } = setup();
      const req = await service.request(person('alice'), { ...input, stepUpCode: GOOD });
      await assert.rejects(service.approve(person('alice'), req.id, { stepUpCode: GOOD }), { code: 'COMPLIANCE_CHANGE_SELF_APPROVAL' });
      await assert.rejects(service.approve(person('bob'), req.id, {}), { code: 'COMPLIANCE_STEP_UP_REQUIRED' });
      await assert.rejects(service.approve(person('bob', ['platform-admin'], false), req.id, { stepUpCode: GOOD }), { code: 'COMPLIANCE_STEP_UP_REQUIRED' });
      await assert.rejects(service.approve(person('bob'), req.id, { stepUpCode: '000000' }), { code: 'IDENTITY_MFA_FAILED' });
      // the setting's owner, called directly (pending change, or any other request id), refuses
      await assert.rejects(owner(kind)(person('alice'), target), { code: 'COMPLIANCE_CHANGE_REQUIRED' });
      await assert.rejects(owner(kind)({ ...person('alice'), requestId: 'change-someone-else' }, target), { code: 'COMPLIANCE_CHANGE_REQUIRED' });
      assert.equal(effects.length, 0);
      assert.equal(store.rows.get(req.id)?.status, 'pending');
    });

    it(`fail/${kind}: an organization admin or a security officer may neither request nor approve it`, async () => {
      const { service } = setup();
      await assert.rejects(service.request(person('olga', ['org-admin']), { ...input, stepUpCode: GOOD }), { code: 'FORBIDDEN' });
      const req = await service.request(person('alice'), { ...input, stepUpCode: GOOD });
      await assert.rejects(service.approve(person('sam', ['security-officer']), req.id, { stepUpCode: GOOD }), { code: 'FORBIDDEN' });
    });

    it(`fail/${kind}: a person who may not approve it may neither reject it nor review its emergency change`, async () => {
      const { service, store } = setup();
      const req = await service.request(person('alice'), { ...input, stepUpCode: GOOD });
      await assert.rejects(service.reject(person('sam', ['security-officer']), req.id, 'not on my watch'), { code: 'FORBIDDEN' });
      await assert.rejects(service.reject(person('olga', ['org-admin']), req.id, 'not on my watch'), { code: 'FORBIDDEN' });
      assert.equal(store.rows.get(req.id)?.status, 'pending', 'the refused rejection changed nothing');
      assert.ok(!store.audited.some((a) => a.action === 'compliance.change.reject'));
      const rejected = await service.reject(person('bob'), req.id, 'not this quarter');
      assert.equal(rejected.status, 'rejected');
      assert.equal(rejected.decidedBy, 'user:bob');

      const urgent = await service.request(person('alice'), { ...input, emergency: true, stepUpCode: GOOD });
      assert.equal(urgent.status, 'applied');
      await assert.rejects(service.review(person('sam', ['security-officer']), urgent.id, { stepUpCode: GOOD }), { code: 'FORBIDDEN' });
      await assert.rejects(service.review(person('olga', ['org-admin']), urgent.id, { stepUpCode: GOOD }), { code: 'FORBIDDEN' });
      assert.equal(store.rows.get(urgent.id)?.reviewedAt, null, 'still unreviewed: CHG-EMERGENCY-UNREVIEWED keeps counting');
      const reviewed = await service.review(person('bob'), urgent.id, { stepUpCode: GOOD });
      assert.equal(reviewed.reviewedBy, 'user:bob');
    });

    it(`fail/${kind}: the owning module refuses an invalid request before anything is stored`, async () => {
      const { service, store } = setup();
      await assert.rejects(service.request(person('alice'), { ...input, target: 'bogus', stepUpCode: GOOD }), { code: 'COMPLIANCE_CHANGE_INVALID' });
      assert.equal(store.rows.size, 0);
    });
  }

  it('ok/an emergency setting change applies at once and is due for review', async () => {
    const { service, effects } = setup();
    const c = await service.request(person('alice'), { kind: 'detector-settings', target: 'all', payload: { enabled: true }, summary: 'detectors back on now', emergency: true, stepUpCode: GOOD });
    assert.equal(c.status, 'applied');
    assert.equal(effects.length, 1);
    assert.ok(c.reviewDueAt !== null);
  });

  it('ok/firmware-rollout has no applier here: approved by a second person, it stays approved and the updates gate passes only under its id', async () => {
    const { service } = setup();
    const requester = person('olga', ['org-admin']);
    const req = await service.request(requester, { kind: 'firmware-rollout', target: 'release-1', payload: { percent: 10 }, summary: 'roll out release 1 to ward 3', stepUpCode: GOOD });
    assert.equal(req.orgId, 'org-1');
    await assert.rejects(service.approve(person('tina', ['technician']), req.id, { stepUpCode: GOOD }), { code: 'FORBIDDEN' }, 'technicians do not approve changes');
    const done = await service.approve(person('sam', ['security-officer']), req.id, { stepUpCode: GOOD });
    assert.equal(done.status, 'approved');
    await assert.rejects(service.requireApproved(requester, 'firmware-rollout', 'release-1', { orgId: 'org-1' }), { code: 'COMPLIANCE_CHANGE_REQUIRED' });
    const passed = await service.requireApproved({ ...requester, requestId: `change-${req.id}` }, 'firmware-rollout', 'release-1', { orgId: 'org-1' });
    assert.equal(passed.id, req.id);
  });

  it('ok/a failed application is retried by the host, only for the named kind and target; an applied change is spent', async () => {
    const { store } = setup();
    let fail = true;
    const flaky = new ChangeApplierRegistry({ 'key-rotation': { apply: () => (fail ? Promise.reject(new AppError('DATA_DIR_LOCKED')) : Promise.resolve()) } });
    const s2 = new ChangeService({ uow: store.uow(), reader: store, clock: new ManualClock(NOW), stepUp: () => Promise.resolve(), appliers: flaky });
    const req = await s2.request(person('alice'), { kind: 'key-rotation', target: 'kek', payload: {}, summary: 'rotate the KEK yearly', stepUpCode: GOOD });
    await assert.rejects(s2.approve(person('bob'), req.id, { stepUpCode: GOOD }), { code: 'DATA_DIR_LOCKED' });
    assert.equal(store.rows.get(req.id)?.status, 'failed');
    const host: RequestContext = { principal: { kind: 'cli', id: 'root' }, requestId: 'cli-1', source: 'local' };
    await assert.rejects(s2.retry(host, req.id, { kind: 'key-rotation', target: 'audit-signing' }), { code: 'COMPLIANCE_CHANGE_REQUIRED' });
    fail = false;
    const again = await s2.retry(host, req.id, { kind: 'key-rotation', target: 'kek' });
    assert.equal(again.status, 'applied');
    await assert.rejects(s2.retry(host, req.id, { kind: 'key-rotation', target: 'kek' }), { code: 'COMPLIANCE_CHANGE_STATE' });
    assert.ok(store.audited.some((a) => a.action === 'compliance.change.retry'));
  });

  it('fail/a second applier for a kind is a wiring error', () => {
    const registry = new ChangeApplierRegistry({ 'key-rotation': { apply: () => Promise.resolve() } });
    assert.throws(() => registry.register('key-rotation', { apply: () => Promise.resolve() }), /already registered/);
    assert.deepEqual(registry.registered(), ['key-rotation']);
  });
});

