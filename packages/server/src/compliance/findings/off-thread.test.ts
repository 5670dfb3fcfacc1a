/**
 * An audit run with checks evaluated elsewhere (the off-thread port, played here in process over
 * the same store): results merged in catalogue order; a worker that fails before or after
 * evaluating hands its checks back to the run, which evaluates them itself; a finding written by
 * someone else between the reconciliation and the run's transaction makes the run reconcile again,
 * so a concurrent suppression survives.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, SYSTEM_PRINCIPAL, type RequestContext } from '../../kernel/index.js';
import { BUILT_IN_CHECKS, runChecks, type Cadence } from '../checks/index.js';
import { cleanEvidence, isoAgo, NOW } from '../checks/fake-evidence.js';
import { AuditRunService } from './audit-run-service.js';
import { MemoryFindingStore } from './memory-finding-store.js';
import { reconcile } from './model.js';
import { detached, type OffThreadAudits } from './off-thread.js';

const system: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 'test', source: 'local' };
const PEOPLE = new Set(BUILT_IN_CHECKS.filter((c) => c.id.startsWith('PPL-')).map((c) => c.id));

interface Behaviour {
  evaluate?: 'ok' | 'fail';
  reconcile?: 'ok' | 'fail';
  /** Runs after the worker's snapshot is read, before its answer (a concurrent writer). */
  afterSnapshot?: (attempt: number) => void;
}

function setup(behaviour: Behaviour = {}) {
  const clock = new ManualClock(NOW);
  const store = new MemoryFindingStore();
  const evidence = cleanEvidence();
  evidence.userRows[0] = { ...evidence.userRows[0]!, mfaEnrolled: false };
  const calls = { started: 0, reconciled: 0 };
  // The "worker": the people checks, evaluated and reconciled over the same evidence and store.
  const offThread: OffThreadAudits = {
    start(cadence: Cadence, now: Date, checkIds: readonly string[]) {
      calls.started++;
      const ids = checkIds.filter((id) => PEOPLE.has(id));
      const checks = BUILT_IN_CHECKS.filter((c) => ids.includes(c.id));
      const results = behaviour.evaluate === 'fail' ? Promise.reject(new Error('worker died')) : runChecks(checks, evidence, now, cadence);
      results.catch(() => undefined);
      return Promise.resolve({
        checkIds: ids,
        evaluated: results.then((rs) => rs.map((r) => ({ checkId: r.checkId, status: r.status, detail: r.detail, durationMs: r.durationMs, affected: r.violations.length }))),
        async reconcile(run: { id: string; at: string }) {
          calls.reconciled++;
          if (behaviour.reconcile === 'fail') throw new Error('worker died');
          const snapshot = await store.findingsOfChecks(ids);
          behaviour.afterSnapshot?.(calls.reconciled);
          const severity = new Map(checks.map((c) => [c.id, c.severity]));
          return detached(reconcile(snapshot, await results, (id) => severity.get(id) ?? 'medium', run, () => `f-${Math.random().toString(16).slice(2)}`), snapshot);
        },
        close: () => undefined,
      });
    },
  };
  const service = new AuditRunService({ uow: store.uow(), reader: store, clock, checks: BUILT_IN_CHECKS, evidence: () => evidence, raiseAlert: () => undefined, offThread });
  const plain = new AuditRunService({ uow: new MemoryFindingStore().uow(), reader: new MemoryFindingStore(), clock, checks: BUILT_IN_CHECKS, evidence: () => evidence, raiseAlert: () => undefined });
  return { clock, store, evidence, service, plain, calls };
}

const shape = (run: { results: ReadonlyArray<{ checkId: string; status: string; affected: number }> }) => run.results.map((r) => `${r.checkId}:${r.status}:${r.affected}`);

describe('audit runs with checks evaluated off the main thread', () => {
  it('ok/the results are those of a run in process, in catalogue order, and the findings are stored', async () => {
    const { service, plain, store, calls } = setup();
    const run = await service.run(system, 'full');
    assert.equal(calls.started, 1);
    assert.equal(calls.reconciled, 1);
    assert.deepEqual(shape(run), shape(await plain.run(system, 'full')));
    assert.ok([...store.findings.values()].some((f) => f.checkId === 'PPL-PRIVILEGED-NO-MFA' && f.status === 'open'), 'the worker’s finding is stored');
  });

  it('ok/a worker that fails before evaluating hands its checks back: they are evaluated here, not skipped', async () => {
    const { service, plain, store } = setup({ evaluate: 'fail' });
    const run = await service.run(system, 'full');
    assert.deepEqual(shape(run), shape(await plain.run(system, 'full')));
    assert.ok([...store.findings.values()].some((f) => f.checkId === 'PPL-PRIVILEGED-NO-MFA'));
  });

  it('ok/a worker that fails after evaluating: the run evaluates and reconciles its checks here', async () => {
    const { service, plain, store } = setup({ reconcile: 'fail' });
    const run = await service.run(system, 'full');
    assert.deepEqual(shape(run), shape(await plain.run(system, 'full')));
    assert.equal([...store.findings.values()].filter((f) => f.checkId === 'PPL-PRIVILEGED-NO-MFA').length, 1);
  });

  it('fail/a finding suppressed while the worker reconciled collides: the run reconciles again and the suppression survives', async () => {
    const hook: { suppressOnce?: (attempt: number) => void } = {};
    const { service, store, evidence, clock, calls } = setup({ afterSnapshot: (n) => hook.suppressOnce?.(n) });
    await service.run(system, 'daily');
    const [opened] = [...store.findings.values()].filter((f) => f.checkId === 'PPL-PRIVILEGED-NO-MFA');
    assert.ok(opened);
    evidence.userRows[0] = { ...evidence.userRows[0]!, roles: ['org-admin', 'security-officer'] };
    clock.advance(60_000);
    const before = calls.reconciled;
    hook.suppressOnce = (attempt) => {
      if (attempt !== before + 1) return;
      const at = clock.now().toISOString();
      store.findings.set(opened.id, { ...opened, status: 'suppressed', suppression: { reason: 'compensating control', owner: 'ciso', expiresAt: isoAgo(-30, clock.now()), by: 'user:so', at }, updatedAt: at });
    };
    await service.run(system, 'daily');
    assert.equal(calls.reconciled - before, 2, 'reconciled twice: the first answer collided with the suppression');
    const after = store.findings.get(opened.id);
    assert.equal(after?.status, 'suppressed');
    assert.match(after?.detail ?? '', /org-admin, security-officer/);
  });
});
