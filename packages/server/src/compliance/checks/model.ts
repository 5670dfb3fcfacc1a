/**
 * The audit check model: a check is an id, a title, the controls it serves (HIPAA Security Rule
 * section and FDA premarket guidance Appendix 1 item), a severity, a remediation text, a cadence,
 * and a pure-ish `run` over read-only evidence (evidence.ts).
 *
 * MUST: a check never writes; it reads evidence and answers pass, fail (one violation per affected
 *       resource) or not applicable (with the reason, e.g. the module that would hold the evidence
 *       is absent). A check that throws is recorded as 'error', never as a pass.
 */
import type { ComplianceEvidence } from './evidence.js';

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

/** FDA premarket cybersecurity guidance (2023), Appendix 1 "Security Architecture" items. */
export type FdaItem = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H';

export const FDA_ITEMS: Readonly<Record<FdaItem, string>> = {
  A: 'Authentication',
  B: 'Authorization',
  C: 'Cryptography',
  D: 'Code, data and execution integrity',
  E: 'Confidentiality',
  F: 'Event detection and logging',
  G: 'Resiliency and recovery',
  H: 'Firmware and software updates',
};

export interface ControlRef {
  /** e.g. '§164.312(d)' */
  readonly hipaa: string;
  readonly fda: FdaItem;
}

export type CheckCategory = 'devices' | 'people' | 'platform' | 'vulnerabilities' | 'change-control';

/** 'daily': cheap, runs every day; 'full': only in the full audit (default every 90 days). */
export type Cadence = 'daily' | 'full';

/** One affected resource. `resourceId` is stable across runs: findings are keyed by (check, resource). */
export interface Violation {
  readonly resourceType: string;
  readonly resourceId: string;
  readonly orgId: string | null;
  readonly detail: string;
}

export type CheckOutcome =
  | { readonly status: 'pass'; readonly detail: string }
  | { readonly status: 'fail'; readonly violations: readonly Violation[] }
  | { readonly status: 'not_applicable'; readonly reason: string };

export interface CheckInput {
  readonly now: Date;
  readonly evidence: ComplianceEvidence;
}

export interface AuditCheck {
  readonly id: string;
  readonly title: string;
  readonly category: CheckCategory;
  readonly controls: readonly ControlRef[];
  readonly severity: Severity;
  readonly remediation: string;
  readonly cadence: Cadence;
  run(input: CheckInput): Promise<CheckOutcome>;
}

/** The catalogue entry without `run`, as the API, the report and the docs show it. */
export type CheckDescription = Omit<AuditCheck, 'run'>;

export function describeCheck(check: AuditCheck): CheckDescription {
  const { id, title, category, controls, severity, remediation, cadence } = check;
  return { id, title, category, controls, severity, remediation, cadence };
}

export const DAY_MS = 86_400_000;

export function ageDays(now: Date, iso: string): number {
  return (now.getTime() - Date.parse(iso)) / DAY_MS;
}

/** pass when there are no violations, else fail with them. */
export function outcomeOf(violations: readonly Violation[], passDetail: string): CheckOutcome {
  return violations.length === 0 ? { status: 'pass', detail: passDetail } : { status: 'fail', violations };
}
