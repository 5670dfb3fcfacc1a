/**
 * The risk register: seeded from every threat row of THREAT_MODEL.md; every linked check exists;
 * a failing linked check raises current likelihood and flags review; CSV and JSON export.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { AuditWriter } from '../../audit/index.js';
import { ManualClock, SYSTEM_PRINCIPAL, type RequestContext } from '../../kernel/index.js';
import { BUILT_IN_CHECKS } from '../checks/index.js';
import { NOW } from '../checks/fake-evidence.js';
import type { Risk } from './model.js';
import { RiskService } from './risk-service.js';
import { THREAT_MODEL_SEED } from './seed.js';
import type { RiskStore } from './store.js';

const system: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: 't', source: 'local' };
const THREAT_MODEL = new URL('../../../../../THREAT_MODEL.md', import.meta.url);

function setup(failing: string[] = []) {
  const rows = new Map<string, Risk>();
  const audited: string[] = [];
  const store: RiskStore = {
    list: () => Promise.resolve([...rows.values()]),
    find: (id) => Promise.resolve(rows.get(id)),
    insert: (risks) => Promise.resolve(void risks.forEach((r) => rows.set(r.id, r))),
    update: (risk) => Promise.resolve(void rows.set(risk.id, risk)),
  };
  const audit: AuditWriter = { record: (_ctx, e) => Promise.resolve(void audited.push(e.action)) as never };
  const clock = new ManualClock(NOW);
  const failingSet = new Set(failing);
  const service = new RiskService({ uow: { run: (fn) => fn({ risks: store, audit }) }, reader: store, clock, failingChecks: () => Promise.resolve(failingSet) });
  return { service, rows, audited, clock, failingSet };
}

describe('risk register', () => {
  it('ok/every threat row of THREAT_MODEL.md has a seeded risk, and every linked check exists', () => {
    const text = readFileSync(THREAT_MODEL, 'utf8');
    const section = text.slice(text.indexOf('## Threats and mitigations'), text.indexOf('## Out of scope'));
    const threats = section
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| threat'))
      .map((l) => (l.split('|')[1] ?? '').trim().replace(/\*\*/g, ''));
    assert.ok(threats.length >= 15);
    const seeded = new Set(THREAT_MODEL_SEED.map((s) => s.threat.toLowerCase()));
    for (const threat of threats) assert.ok([...seeded].some((s) => s.startsWith(threat.toLowerCase())), `seeded: ${threat}`);
    const checkIds = new Set([...BUILT_IN_CHECKS.map((c) => c.id), 'CHG-EMERGENCY-UNREVIEWED']);
    for (const s of THREAT_MODEL_SEED) for (const c of s.controls.flatMap((x) => x.checks)) assert.ok(checkIds.has(c), `${s.id} links ${c}`);
  });

  it('ok/the register seeds itself once, audited, with inherent and residual scores', async () => {
    const { service, audited } = setup();
    const risks = await service.list(system);
    await service.list(system);
    assert.equal(risks.length, THREAT_MODEL_SEED.length);
    assert.deepEqual(audited, ['compliance.risk.seed']);
    const tamper = risks.find((r) => r.id === 'RISK-AUDIT-TAMPER');
    assert.equal(tamper?.inherentScore, 15);
    assert.equal(tamper.residualScore, 4);
    assert.equal(tamper.needsReview, false);
  });

  it('fail/a failing linked check raises current likelihood and flags the risk for review', async () => {
    const { service } = setup(['PLT-AUDIT-CHAIN', 'PLT-AUDIT-CHECKPOINTS-OFF']);
    const tamper = (await service.list(system)).find((r) => r.id === 'RISK-AUDIT-TAMPER');
    assert.equal(tamper?.currentLikelihood, 3);
    assert.equal(tamper.currentScore, 12);
    assert.equal(tamper.needsReview, true);
    assert.deepEqual(tamper.failingChecks, ['PLT-AUDIT-CHAIN', 'PLT-AUDIT-CHECKPOINTS-OFF']);
  });

  it('fail/a risk past its review date is flagged', async () => {
    const { service, clock } = setup();
    await service.list(system);
    clock.advance(91 * 86_400_000);
    assert.ok((await service.list(system)).every((r) => r.needsReview && r.reviewReasons.some((x) => x.startsWith('review was due'))));
  });

  it('ok/CSV (RFC 4180) and JSON export', async () => {
    const { service } = setup(['DEV-CERT-SHARED']);
    const csv = await service.export(system, 'csv');
    const lines = csv.split('\r\n');
    assert.match(lines[0] ?? '', /^id,title,threat,assets,likelihood,impact,inherentScore/);
    assert.equal(lines.length, THREAT_MODEL_SEED.length + 2);
    assert.ok(lines.some((l) => l.startsWith('RISK-DEVICE-SPOOFING,') && l.includes('DEV-CERT-SHARED') && l.endsWith(',true')));
    const json = JSON.parse(await service.export(system, 'json')) as { risks: Array<{ id: string }> };
    assert.equal(json.risks.length, THREAT_MODEL_SEED.length);
  });

  it('fail/updates outside the scales, without an owner, or by a reader are refused', async () => {
    const { service } = setup();
    await service.list(system);
    await assert.rejects(service.update(system, 'RISK-DOS', { likelihood: 6 }), { code: 'COMPLIANCE_RISK_INVALID' });
    await assert.rejects(service.update(system, 'RISK-DOS', { residualLikelihood: 5, likelihood: 2 }), { code: 'COMPLIANCE_RISK_INVALID' });
    await assert.rejects(service.update(system, 'RISK-DOS', { owner: ' ' }), { code: 'COMPLIANCE_RISK_INVALID' });
    await assert.rejects(service.update(system, 'RISK-NOPE', { owner: 'x' }), { code: 'COMPLIANCE_RISK_NOT_FOUND' });
    const auditor: RequestContext = { principal: { kind: 'user', id: 'a', orgId: 'o', username: 'a', roles: ['auditor'], sessionId: 's', mfa: true }, requestId: 'r', source: 'x' };
    await assert.rejects(service.update(auditor, 'RISK-DOS', { owner: 'x' }), { code: 'FORBIDDEN' });
    const ok = await service.update(system, 'RISK-DOS', { owner: 'ciso', likelihood: 5 });
    assert.equal(ok.owner, 'ciso');
    assert.equal(ok.inherentScore, 20);
  });
});
