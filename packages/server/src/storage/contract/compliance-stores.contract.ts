/**
 * Contract of the compliance stores (issue 14): findings upsert and reopen round-trip, expired
 * suppressions, org-scoped lists; change requests listed by applied time and the approved
 * role-grant lookup; risks; advisory records upserted and the KEV catalogue replaced; VEX.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChangeRequest, Finding } from '../../compliance/index.js';
import { newId } from '../../kernel/index.js';
import { changeRequestStore } from '../stores/change-request-store.js';
import { findingStore } from '../stores/compliance-store.js';
import { failingCheckIds, riskStore } from '../stores/risk-store.js';
import { vulnerabilityStore } from '../stores/vulnerability-store.js';
import { withTestDatabase, type TestDatabase } from './adapters.js';

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    id: newId(),
    checkId: 'PPL-PRIVILEGED-NO-MFA',
    resourceType: 'user',
    resourceId: 'u-1',
    orgId: 'org-a',
    severity: 'high',
    status: 'open',
    detail: 'admin has no second factor',
    firstSeenAt: '2026-06-01T00:00:00.000Z',
    lastSeenAt: '2026-06-01T00:00:00.000Z',
    lastRunId: 'run-1',
    resolvedAt: null,
    reopenedCount: 0,
    suppression: null,
    mitigation: null,
    updatedAt: '2026-06-01T00:00:00.000Z',
    ...overrides,
  };
}

function change(overrides: Partial<ChangeRequest> = {}): ChangeRequest {
  return {
    id: newId(),
    orgId: 'org-a',
    kind: 'role-grant',
    target: 'u-1',
    payload: { roles: ['org-admin'] },
    summary: 'grant org-admin',
    status: 'pending',
    emergency: false,
    requestedBy: 'user:a',
    requestedAt: '2026-06-01T00:00:00.000Z',
    decidedBy: null,
    decidedAt: null,
    decisionNote: null,
    appliedAt: null,
    reviewDueAt: null,
    reviewedBy: null,
    reviewedAt: null,
    audit: { seqs: [1], requestIds: ['r-1'] },
    ...overrides,
  };
}

export function complianceStoresContract(open: () => Promise<TestDatabase>): void {
  test('ok/findings round-trip, update in place by id, and list by organization plus platform-wide', () =>
    withTestDatabase(open, async ({ database }) => {
      const store = findingStore(database.db);
      const mine = finding();
      const platform = finding({ checkId: 'PLT-INSECURE-FLAGS', resourceType: 'setting', resourceId: 'insecure.allowPlaintextDatabase', orgId: null });
      const theirs = finding({ orgId: 'org-b', resourceId: 'u-2' });
      await store.upsertFindings([mine, platform, theirs]);
      await store.upsertFindings([{ ...mine, status: 'suppressed', suppression: { reason: 'key on order', owner: 'ciso', expiresAt: '2026-06-05T00:00:00.000Z', by: 'user:x', at: '2026-06-02T00:00:00.000Z' } }]);
      assert.deepEqual(await store.findFinding(mine.id), { ...mine, status: 'suppressed', suppression: { reason: 'key on order', owner: 'ciso', expiresAt: '2026-06-05T00:00:00.000Z', by: 'user:x', at: '2026-06-02T00:00:00.000Z' } });
      const listed = await store.listFindings({ orgId: 'org-a', limit: 100 });
      assert.deepEqual(listed.map((f) => f.id).sort(), [mine.id, platform.id].sort());
      assert.equal((await store.listFindings({ orgId: null, limit: 100 })).length, 3);
      assert.deepEqual((await store.expiredSuppressions('2026-06-04T00:00:00.000Z')).length, 0);
      assert.deepEqual((await store.expiredSuppressions('2026-06-05T00:00:00.000Z')).map((f) => f.id), [mine.id]);
      assert.equal((await store.findingsOfChecks(['PPL-PRIVILEGED-NO-MFA'])).length, 2);
      assert.deepEqual([...(await failingCheckIds(database.db))].sort(), ['PLT-INSECURE-FLAGS', 'PPL-PRIVILEGED-NO-MFA']);
      await store.insertRun({ id: newId(), cadence: 'full', startedAt: '2026-06-01T00:00:00.000Z', finishedAt: '2026-06-01T00:00:01.000Z', actor: 'system:system', results: [{ checkId: 'X', status: 'pass', detail: 'ok', affected: 0, durationMs: 1 }], counts: { pass: 1, fail: 0, notApplicable: 0, error: 0, opened: 0, reopened: 0, resolved: 0 } });
      assert.equal((await store.listRuns(10))[0]?.results[0]?.checkId, 'X');
    }));

  test('ok/change requests: applied-before list, approved changes by kind and target, unreviewed emergencies', () =>
    withTestDatabase(open, async ({ database }) => {
      const store = changeRequestStore(database.db);
      const early = change({ status: 'applied', appliedAt: '2026-06-01T10:00:00.000Z' });
      const late = change({ status: 'applied', appliedAt: '2026-06-03T10:00:00.000Z', emergency: true, reviewDueAt: '2026-06-06T10:00:00.000Z' });
      const approved = change({ status: 'approved' });
      const platformKey = change({ orgId: null, kind: 'key-rotation', target: 'kek', status: 'approved' });
      const otherOrg = change({ orgId: 'org-b', status: 'applied', appliedAt: '2026-06-01T09:00:00.000Z' });
      for (const c of [early, late, approved, otherOrg, platformKey]) await store.insert(c);
      assert.deepEqual((await store.list({ orgId: 'org-a', appliedBefore: '2026-06-02T00:00:00.000Z', limit: 10 })).map((c) => c.id), [early.id]);
      assert.deepEqual((await store.approvedChanges('role-grant', 'u-1', 'org-a')).map((c) => c.id), [approved.id]);
      assert.deepEqual((await store.approvedChanges('role-grant', 'u-1', 'org-b')).map((c) => c.id), []);
      assert.deepEqual((await store.approvedChanges('key-rotation', 'kek', null)).map((c) => c.id), [platformKey.id]);
      assert.deepEqual((await store.approvedChanges('key-rotation', 'kek', 'org-a')).map((c) => c.id), [], 'a platform-wide change is not an organization one');
      assert.deepEqual((await store.unreviewedEmergencies()).map((c) => c.id), [late.id]);
      await store.update({ ...late, reviewedAt: '2026-06-04T00:00:00.000Z', reviewedBy: 'user:b' });
      assert.deepEqual(await store.unreviewedEmergencies(), []);
      assert.deepEqual(await store.find(approved.id), approved);
    }));

  test('ok/risks round-trip; advisories upsert; the KEV catalogue is replaced; VEX upsert', () =>
    withTestDatabase(open, async ({ database }) => {
      const risks = riskStore(database.db);
      const risk = { id: 'RISK-X', title: 't', threat: 'x', assets: ['PHI'], likelihood: 3, impact: 4, residualLikelihood: 1, residualImpact: 2, controls: [{ description: 'c', checks: ['PLT-TLS-PROFILE'] }], owner: 'ciso', reviewAt: '2026-09-01T00:00:00.000Z', source: 'test', updatedAt: '2026-06-01T00:00:00.000Z' };
      await risks.insert([risk]);
      await risks.update({ ...risk, owner: 'dpo' });
      assert.deepEqual(await risks.find('RISK-X'), { ...risk, owner: 'dpo' });
      const v = vulnerabilityStore(database.db);
      const advisory = { id: 'GHSA-1', aliases: ['CVE-2026-1'], summary: 's', modified: '2026-05-01T00:00:00.000Z', affected: [{ purl: 'pkg:npm/x', ranges: [], versions: ['1.0.0'] }] };
      await v.upsertAdvisories('f1', [advisory]);
      await v.upsertAdvisories('f2', [{ ...advisory, summary: 'updated' }]);
      assert.deepEqual((await v.advisories()).map((a) => a.summary), ['updated']);
      await v.replaceKev('k1', [{ cveId: 'CVE-2026-1', vendorProject: 'v', product: 'p', dateAdded: '2026-05-01', dueDate: '2026-05-22' }]);
      await v.replaceKev('k2', [{ cveId: 'CVE-2026-2', vendorProject: 'v', product: 'p', dateAdded: '2026-05-01', dueDate: '2026-05-22' }]);
      assert.deepEqual([...(await v.kevIds())], ['CVE-2026-2']);
      const vex = { advisoryId: 'GHSA-1', purl: 'pkg:npm/x@1.0.0', state: 'not_affected' as const, justification: 'code_not_reachable' as const, detail: 'never called', madeBy: 'user:a', madeAt: '2026-06-01T00:00:00.000Z' };
      await v.upsertVex(vex);
      await v.upsertVex({ ...vex, detail: 'still never called' });
      assert.deepEqual(await v.vex(), [{ ...vex, detail: 'still never called' }]);
      await v.insertFeed({ id: 'f1', kind: 'osv', source: 'osv.json', feedDate: '2026-05-01T00:00:00.000Z', importedAt: '2026-06-01T00:00:00.000Z', importedBy: 'cli:root', records: 1 });
      assert.equal((await v.listFeeds())[0]?.records, 1);
    }));
}
