/**
 * A full audit in a worker thread (composition/compliance-off-thread.ts) on a real platform:
 * above the threshold the built-in checks are evaluated there with the same results as in
 * process, the run stores the same findings, and a second run rewrites none of them (it only
 * moves their last-seen); below the threshold no worker starts.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { BUILT_IN_CHECKS, runChecks } from '../compliance/index.js';
import { AUDIT_DUTY_WHEN_BUSY, offThreadAudits, Pacer } from '../composition/compliance-off-thread.js';
import { settingsWithPending, type ProcessFacts } from '../composition/compliance-evidence.js';
import { openDeviceCa, openRootCa } from '../identity/ca/index.js';
import { ManualClock } from '../kernel/index.js';
import { initialize, openPlatform, type Platform } from '../main.js';
import { makeConfig, testContext } from './fixtures.js';

const shape = (results: ReadonlyArray<{ checkId: string; status: string; affected?: number; violations?: readonly unknown[] }>) =>
  results.map((r) => `${r.checkId}:${r.status}:${r.affected ?? r.violations?.length ?? 0}`);

function factsOf(platform: Platform): ProcessFacts {
  return {
    settings: settingsWithPending(platform.config, platform.dataDir),
    keys: () => Promise.resolve(platform.keys.list().map((k) => ({ id: k.id, purpose: k.purpose, createdAt: k.createdAt, status: k.status }))),
    caPems: async () => {
      const root = await openRootCa({ dataDir: platform.dataDir, keys: platform.keys });
      const device = await openDeviceCa({ dataDir: platform.dataDir, keys: platform.keys, root });
      return { root: root.certPem, device: device.certPem };
    },
    auditIntegrity: () => Promise.reject(new Error('the worker verifies the chain itself')),
    drillOverdueDays: platform.config.backup.drillOverdueDays,
  };
}

describe('compliance audit in a worker thread', () => {
  it('ok/the worker evaluates the built-in checks as the main thread does; the run stores their findings; a second run rewrites none', { timeout: 120_000 }, async () => {
    const { config, root } = await makeConfig();
    const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
    await initialize({ config, env: {}, clock });
    const platform = await openPlatform({ config, env: {}, clock, auditWorkerThreshold: 0 });
    try {
      const ids = BUILT_IN_CHECKS.map((c) => c.id);
      // The adapter on its own: a worker above the threshold, none below.
      const adapter = (threshold: number) => offThreadAudits({ database: platform.database, dataDir: platform.dataDir, config, facts: () => factsOf(platform), threshold });
      assert.equal(await adapter(1_000_000).start('full', clock.now(), ids), null, 'a small installation audits in process');
      const here = await runChecks(BUILT_IN_CHECKS, platform.compliance.evidence(), clock.now(), 'full');
      const session = await adapter(0).start('full', clock.now(), ids);
      assert.ok(session, 'a worker above the threshold');
      try {
        assert.deepEqual([...session.checkIds], ids);
        const there = await session.evaluated;
        assert.deepEqual(shape(there), shape(here), 'the same results in the worker as here');
        assert.ok(there.some((r) => r.status === 'fail'), 'a fresh install fails some checks (no backup yet), so findings are reconciled');
        assert.equal(there.find((r) => r.checkId === 'PLT-AUDIT-CHAIN')?.status, 'pass', 'the worker verified the chain');
        const rec = await session.reconcile({ id: 'run-x', at: clock.now().toISOString() });
        assert.equal(rec.counts.opened, here.reduce((n, r) => n + r.violations.length, 0), 'every violation is a new finding');
      } finally {
        session.close();
      }

      // Through the platform (threshold 0: the worker path), twice.
      const first = await platform.compliance.audits.run(testContext, 'full');
      const findings = await platform.compliance.audits.listFindings(testContext, { status: 'open' });
      assert.equal(first.counts.opened, findings.length);
      assert.ok(findings.length > 0);
      for (const r of first.results.filter((x) => ids.includes(x.checkId))) {
        assert.equal(`${r.checkId}:${r.status}:${r.affected}`, shape(here).find((s) => s.startsWith(`${r.checkId}:`)));
      }
      clock.advance(3_600_000);
      const second = await platform.compliance.audits.run(testContext, 'full');
      assert.equal(second.counts.opened, 0);
      assert.equal(second.counts.resolved, 0);
      const again = await platform.compliance.audits.listFindings(testContext, { status: 'open' });
      assert.equal(again.length, findings.length);
      for (const f of again) {
        const old = findings.find((x) => x.id === f.id);
        assert.ok(old, 'the same findings');
        assert.equal(f.lastRunId, second.id, 'seen by the second run');
        assert.equal(f.lastSeenAt, second.finishedAt);
        if (f.detail === old.detail) assert.equal(f.updatedAt, old.updatedAt, `${f.checkId}: an unchanged finding is not rewritten`);
      }
    } finally {
      await platform.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('ok/the worker’s pacing: at full speed while the server is idle; while busy it waits three times its work', async () => {
    const pacer = new Pacer(AUDIT_DUTY_WHEN_BUSY);
    const work = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    await pacer.pace();
    work(40);
    let started = performance.now();
    await pacer.pace();
    assert.ok(performance.now() - started < 30, 'idle: no wait');
    pacer.setBusy(true);
    work(40);
    started = performance.now();
    await pacer.pace();
    const waited = performance.now() - started;
    assert.ok(waited >= 115, `busy: waited ${waited.toFixed(0)} ms after 40 ms of work (3 x)`);
    assert.ok(waited < 2_500, 'a single wait is bounded');
    pacer.setBusy(false);
    work(40);
    started = performance.now();
    await pacer.pace();
    assert.ok(performance.now() - started < 30, 'idle again: no wait');
  });
});
