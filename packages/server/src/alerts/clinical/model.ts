/**
 * Clinical threshold alerts: the model and the evaluator. No I/O.
 *
 * A rule says "metric COMPARISON value, held continuously for durationSeconds" (0: at once). Rules
 * belong to an organization and may be overridden per patient: a patient's rule for a metric
 * replaces every organization rule for that metric, for that patient.
 *
 * MUST: a condition "holds continuously" from the first violating reading; any reading of that
 *       metric that does not violate resets it. It fires when a violating reading is measured at
 *       least durationSeconds after the first one (measurement times, not arrival times).
 * MUST: one firing per continuous episode: after firing, the (rule, patient) pair fires again only
 *       after a non-violating reading; the service also refuses a second unresolved alert.
 */
import type { VitalPoint } from '../../telemetry/index.js';

export const COMPARISONS = ['lt', 'le', 'gt', 'ge'] as const;
export type Comparison = (typeof COMPARISONS)[number];
export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type ClinicalSeverity = (typeof SEVERITIES)[number];
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type ClinicalAlertStatus = (typeof ALERT_STATUSES)[number];
export const MAX_DURATION_SECONDS = 24 * 3600;

export interface AlertRule {
  readonly id: string;
  readonly orgId: string;
  /** null: an organization rule. */
  readonly patientId: string | null;
  readonly metric: string;
  readonly comparison: Comparison;
  readonly value: number;
  readonly durationSeconds: number;
  readonly severity: ClinicalSeverity;
  readonly enabled: boolean;
}

export interface ClinicalAlert {
  readonly id: string;
  readonly orgId: string;
  readonly patientId: string;
  readonly ruleId: string;
  readonly metric: string;
  readonly comparison: Comparison;
  readonly threshold: number;
  /** The reading that made the condition fire. */
  readonly value: number;
  readonly severity: ClinicalSeverity;
  readonly status: ClinicalAlertStatus;
  readonly openedAt: string;
  readonly acknowledgedAt: string | null;
  readonly acknowledgedBy: string | null;
  readonly resolvedAt: string | null;
  readonly resolvedBy: string | null;
}

export type RuleInput = Omit<AlertRule, 'id' | 'orgId' | 'enabled'> & { readonly enabled?: boolean };

/** Organization rules seeded for a new organization (adult defaults; each hospital tunes its own). */
export const DEFAULT_ORG_RULES: readonly Omit<RuleInput, 'patientId'>[] = [
  { metric: '59408-5', comparison: 'lt', value: 90, durationSeconds: 60, severity: 'high' }, // SpO2 < 90 % for 60 s
  { metric: '8867-4', comparison: 'gt', value: 130, durationSeconds: 20, severity: 'high' }, // HR > 130 /min for 20 s
  { metric: '8867-4', comparison: 'lt', value: 50, durationSeconds: 20, severity: 'high' }, // HR < 50 /min for 20 s
  { metric: '8480-6', comparison: 'gt', value: 160, durationSeconds: 60, severity: 'medium' }, // systolic > 160 mm[Hg] for 60 s
  { metric: '8310-5', comparison: 'gt', value: 38, durationSeconds: 120, severity: 'medium' }, // temperature > 38 Cel for 2 min
  { metric: '9279-1', comparison: 'gt', value: 24, durationSeconds: 60, severity: 'medium' }, // respiratory rate > 24 /min for 60 s
];

export function violates(comparison: Comparison, value: number, threshold: number): boolean {
  switch (comparison) {
    case 'lt':
      return value < threshold;
    case 'le':
      return value <= threshold;
    case 'gt':
      return value > threshold;
    case 'ge':
      return value >= threshold;
  }
}

/** The rules that apply to a patient: its own per metric, else the organization's; enabled only. */
export function effectiveRules(rules: readonly AlertRule[], patientId: string): AlertRule[] {
  const own = rules.filter((r) => r.patientId === patientId);
  const overridden = new Set(own.map((r) => r.metric));
  return [...own, ...rules.filter((r) => r.patientId === null && !overridden.has(r.metric))].filter((r) => r.enabled);
}

export interface Firing {
  readonly rule: AlertRule;
  readonly patientId: string;
  readonly reading: VitalPoint;
  /** Measurement time of the first violating reading of the episode. */
  readonly since: string;
}

/**
 * Tracks, per (rule, patient), since when the condition has held. Readings of one patient and
 * metric must arrive in measurement order (one device per patient at a time; the group commit
 * keeps a device's order); an older reading than the last seen is ignored.
 */
export class RuleEvaluator {
  readonly #state = new Map<string, { since: number; fired: boolean; last: number }>();

  /** Feeds readings (any patients, any metrics) with the rules of their organization; returns new firings. */
  evaluate(rules: readonly AlertRule[], readings: readonly (VitalPoint & { readonly patientId: string })[]): Firing[] {
    const out: Firing[] = [];
    // Each time parsed once, not in every comparison of the sort.
    const sorted = readings.map((r) => ({ r, t: Date.parse(r.measuredAt) })).sort((a, b) => a.t - b.t);
    const perPatient = new Map<string, AlertRule[]>();
    for (const { r, t } of sorted) {
      let applicable = perPatient.get(r.patientId);
      if (applicable === undefined) {
        applicable = effectiveRules(rules, r.patientId);
        perPatient.set(r.patientId, applicable);
      }
      for (const rule of applicable) {
        if (rule.metric !== r.metric) continue;
        const key = `${rule.id}\n${r.patientId}`;
        const state = this.#state.get(key);
        if (state !== undefined && t < state.last) continue;
        if (!violates(rule.comparison, r.value, rule.value)) {
          this.#state.delete(key);
          continue;
        }
        const s = state ?? { since: t, fired: false, last: t };
        s.last = t;
        this.#state.set(key, s);
        if (!s.fired && t - s.since >= rule.durationSeconds * 1000) {
          s.fired = true;
          out.push({ rule, patientId: r.patientId, reading: r, since: new Date(s.since).toISOString() });
        }
      }
    }
    return out;
  }

  /** Forgets a rule's state (changed or disabled rule). */
  forgetRule(ruleId: string): void {
    for (const key of this.#state.keys()) if (key.startsWith(`${ruleId}\n`)) this.#state.delete(key);
  }
}
