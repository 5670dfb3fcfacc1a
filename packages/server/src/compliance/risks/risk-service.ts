/**
 * RiskService: the platform's risk register, seeded from THREAT_MODEL.md on first use, scored
 * against the current findings, exported as CSV (RFC 4180) and JSON.
 *
 * MUST: risks:read to read or export, risks:manage to change; every change is audited in its
 *       transaction ('compliance.risk.update', 'compliance.risk.seed').
 * MUST: a failing linked check (an open finding of that check) raises current likelihood and
 *       flags the risk for review (model.ts).
 */
import { decide } from '../../access/index.js';
import { AppError, type Clock, type RequestContext, type UnitOfWork } from '../../kernel/index.js';
import { toCsv } from '../usage/index.js';
import { RISK_CSV_COLUMNS, riskCsvRow, riskProblem, viewRisk, type Risk, type RiskView } from './model.js';
import { seededRisks } from './seed.js';
import type { RiskScope, RiskStore } from './store.js';

export interface RiskServiceDeps {
  readonly uow: UnitOfWork<RiskScope>;
  readonly reader: RiskStore;
  readonly clock: Clock;
  /** Check ids with at least one open finding. */
  readonly failingChecks: () => Promise<ReadonlySet<string>>;
}

export type RiskPatch = Partial<Pick<Risk, 'likelihood' | 'impact' | 'residualLikelihood' | 'residualImpact' | 'owner' | 'reviewAt' | 'title'>>;

export class RiskService {
  constructor(private readonly deps: RiskServiceDeps) {}

  async list(ctx: RequestContext): Promise<RiskView[]> {
    authorize(ctx, 'risks:read');
    let risks = await this.deps.reader.list();
    if (risks.length === 0) risks = await this.#seed(ctx);
    const failing = await this.deps.failingChecks();
    const now = this.deps.clock.now();
    return risks.map((r) => viewRisk(r, failing, now)).sort((a, b) => b.currentScore - a.currentScore || a.id.localeCompare(b.id));
  }

  async export(ctx: RequestContext, format: 'csv' | 'json'): Promise<string> {
    const views = await this.list(ctx);
    if (format === 'json') return `${JSON.stringify({ exportedAt: this.deps.clock.now().toISOString(), risks: views }, null, 2)}\n`;
    return toCsv(RISK_CSV_COLUMNS, views.map(riskCsvRow));
  }

  async update(ctx: RequestContext, id: string, patch: RiskPatch): Promise<RiskView> {
    authorize(ctx, 'risks:manage');
    const at = this.deps.clock.now().toISOString();
    const updated = await this.deps.uow.run(async (s) => {
      const risk = await s.risks.find(id);
      if (!risk) throw new AppError('COMPLIANCE_RISK_NOT_FOUND');
      const next: Risk = { ...risk, ...patch, ...(patch.reviewAt !== undefined ? { reviewAt: new Date(patch.reviewAt).toISOString() } : {}), updatedAt: at };
      const problem = riskProblem(next);
      if (problem !== null) throw new AppError('COMPLIANCE_RISK_INVALID', { detail: `compliance: ${problem}` });
      await s.risks.update(next);
      await s.audit.record(ctx, { action: 'compliance.risk.update', target: { type: 'risk', id }, outcome: 'success', details: { fields: Object.keys(patch).sort().join(',') } });
      return next;
    });
    return viewRisk(updated, await this.deps.failingChecks(), this.deps.clock.now());
  }

  async #seed(ctx: RequestContext): Promise<Risk[]> {
    const seeds = seededRisks(this.deps.clock.now());
    return this.deps.uow.run(async (s) => {
      if ((await s.risks.list()).length > 0) return s.risks.list();
      await s.risks.insert(seeds);
      await s.audit.record(ctx, { action: 'compliance.risk.seed', target: { type: 'risk-register', id: 'platform' }, outcome: 'success', details: { risks: seeds.length, source: 'THREAT_MODEL.md' } });
      return seeds;
    });
  }
}

function authorize(ctx: RequestContext, permission: 'risks:read' | 'risks:manage'): void {
  const decision = decide(ctx.principal, permission);
  if (!decision.allow) throw new AppError(decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN', { detail: `access: ${decision.reason}` });
}
