/**
 * The risk register store over kysely, and the check ids with open findings that score it.
 */
import type { Risk, RiskControl, RiskStore } from '../../compliance/index.js';
import type { Executor } from '../sql-database.js';
import type { ComplianceTables } from '../tables.js';

type Row = ComplianceTables['compliance_risks'];

export function riskStore(db: Executor): RiskStore {
  return {
    async list() {
      return (await db.selectFrom('compliance_risks').selectAll().orderBy('id').execute()).map(fromRow);
    },
    async find(id) {
      const row = await db.selectFrom('compliance_risks').selectAll().where('id', '=', id).executeTakeFirst();
      return row && fromRow(row);
    },
    async insert(risks) {
      if (risks.length > 0) await db.insertInto('compliance_risks').values(risks.map(toRow)).execute();
    },
    async update(risk) {
      const { id, ...rest } = toRow(risk);
      await db.updateTable('compliance_risks').set(rest).where('id', '=', id).execute();
    },
  };
}

/** Check ids with at least one open finding. */
export async function failingCheckIds(db: Executor): Promise<Set<string>> {
  const rows = await db.selectFrom('compliance_findings').select('check_id').distinct().where('status', '=', 'open').execute();
  return new Set(rows.map((r) => r.check_id));
}

function toRow(r: Risk): Row {
  return {
    id: r.id,
    title: r.title,
    threat: r.threat,
    assets: JSON.stringify(r.assets),
    likelihood: r.likelihood,
    impact: r.impact,
    residual_likelihood: r.residualLikelihood,
    residual_impact: r.residualImpact,
    controls: JSON.stringify(r.controls),
    owner: r.owner,
    review_at: r.reviewAt,
    source: r.source,
    updated_at: r.updatedAt,
  };
}

function fromRow(r: Row): Risk {
  return {
    id: r.id,
    title: r.title,
    threat: r.threat,
    assets: JSON.parse(r.assets) as string[],
    likelihood: Number(r.likelihood),
    impact: Number(r.impact),
    residualLikelihood: Number(r.residual_likelihood),
    residualImpact: Number(r.residual_impact),
    controls: JSON.parse(r.controls) as RiskControl[],
    owner: r.owner,
    reviewAt: r.review_at,
    source: r.source,
    updatedAt: r.updated_at,
  };
}
