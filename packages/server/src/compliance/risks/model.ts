/**
 * The risk register (HIPAA §164.308(a)(1)(ii)(A) risk analysis, (B) risk management): threats, the
 * assets they touch, likelihood and impact on 1-5 scales, inherent and residual scores, the
 * controls that mitigate them (linked to audit checks), an owner and a review date.
 *
 * MUST: a failing check linked to a risk raises that risk's current likelihood (one step per
 *       failing check, up to the inherent likelihood's ceiling of 5) and flags it for review.
 * MUST: scores stay on the 1-5 scales; a risk without an owner or a review date is refused.
 */
export interface RiskControl {
  readonly description: string;
  /** Audit check ids that evidence this control. */
  readonly checks: readonly string[];
}

export interface Risk {
  readonly id: string;
  readonly title: string;
  readonly threat: string;
  readonly assets: readonly string[];
  readonly likelihood: number;
  readonly impact: number;
  readonly residualLikelihood: number;
  readonly residualImpact: number;
  readonly controls: readonly RiskControl[];
  readonly owner: string;
  readonly reviewAt: string;
  readonly source: string;
  readonly updatedAt: string;
}

/** A risk as the register shows it now: scores, and what the latest findings did to it. */
export interface RiskView extends Risk {
  readonly inherentScore: number;
  readonly residualScore: number;
  readonly currentLikelihood: number;
  readonly currentScore: number;
  readonly failingChecks: readonly string[];
  readonly needsReview: boolean;
  readonly reviewReasons: readonly string[];
}

export function viewRisk(risk: Risk, failing: ReadonlySet<string>, now: Date): RiskView {
  const linked = [...new Set(risk.controls.flatMap((c) => c.checks))];
  const failingChecks = linked.filter((id) => failing.has(id)).sort();
  const currentLikelihood = Math.min(5, risk.residualLikelihood + failingChecks.length);
  const reviewReasons: string[] = [];
  if (failingChecks.length > 0) reviewReasons.push(`linked checks failing: ${failingChecks.join(', ')}`);
  if (Date.parse(risk.reviewAt) <= now.getTime()) reviewReasons.push(`review was due ${risk.reviewAt}`);
  return {
    ...risk,
    inherentScore: risk.likelihood * risk.impact,
    residualScore: risk.residualLikelihood * risk.residualImpact,
    currentLikelihood,
    currentScore: currentLikelihood * risk.residualImpact,
    failingChecks,
    needsReview: reviewReasons.length > 0,
    reviewReasons,
  };
}

export function riskProblem(r: Pick<Risk, 'likelihood' | 'impact' | 'residualLikelihood' | 'residualImpact' | 'owner' | 'reviewAt'>): string | null {
  for (const [name, v] of [['likelihood', r.likelihood], ['impact', r.impact], ['residualLikelihood', r.residualLikelihood], ['residualImpact', r.residualImpact]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 5) return `${name} must be an integer from 1 to 5`;
  }
  if (r.residualLikelihood > r.likelihood || r.residualImpact > r.impact) return 'residual scores cannot exceed inherent ones';
  if (r.owner.trim() === '') return 'a risk needs an owner';
  if (Number.isNaN(Date.parse(r.reviewAt))) return 'reviewAt must be a date-time';
  return null;
}

export const RISK_CSV_COLUMNS = [
  'id',
  'title',
  'threat',
  'assets',
  'likelihood',
  'impact',
  'inherentScore',
  'residualLikelihood',
  'residualImpact',
  'residualScore',
  'currentLikelihood',
  'currentScore',
  'controls',
  'linkedChecks',
  'failingChecks',
  'owner',
  'reviewAt',
  'needsReview',
] as const;

export function riskCsvRow(v: RiskView): Record<(typeof RISK_CSV_COLUMNS)[number], string | number | boolean> {
  return {
    id: v.id,
    title: v.title,
    threat: v.threat,
    assets: v.assets.join('; '),
    likelihood: v.likelihood,
    impact: v.impact,
    inherentScore: v.inherentScore,
    residualLikelihood: v.residualLikelihood,
    residualImpact: v.residualImpact,
    residualScore: v.residualScore,
    currentLikelihood: v.currentLikelihood,
    currentScore: v.currentScore,
    controls: v.controls.map((c) => c.description).join('; '),
    linkedChecks: [...new Set(v.controls.flatMap((c) => c.checks))].join(' '),
    failingChecks: v.failingChecks.join(' '),
    owner: v.owner,
    reviewAt: v.reviewAt,
    needsReview: v.needsReview,
  };
}
