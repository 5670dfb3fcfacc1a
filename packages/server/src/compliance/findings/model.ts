/**
 * Findings: one per (check, affected resource), with a lifecycle. Pure rules, no I/O.
 *
 *   open -> mitigated (an action was taken) -> resolved (the next run that evaluates the check passes)
 *   open -> suppressed (reason, owner, expiry) -> open again at the expiry
 *   resolved -> open again (reopened) when a later run finds the same violation
 *
 * MUST: a finding is resolved only by a run in which its check evaluated (pass, or fail without
 *       this resource); 'not_applicable' and 'error' results never resolve anything.
 * MUST: a suppression always carries a reason, an owner and an expiry; an expired one reopens.
 * MUST: closure is recorded (resolvedAt, resolvedByRun), never deleted: findings are kept six
 *       years (HIPAA §164.316(b)(2)).
 */
import type { CheckResult, Severity, Violation } from '../checks/index.js';

export type FindingStatus = 'open' | 'mitigated' | 'suppressed' | 'resolved';
export const FINDING_STATUSES: readonly FindingStatus[] = ['open', 'mitigated', 'suppressed', 'resolved'];

export interface Suppression {
  readonly reason: string;
  readonly owner: string;
  readonly expiresAt: string;
  readonly by: string;
  readonly at: string;
}

export interface Mitigation {
  readonly action: string;
  readonly by: string;
  readonly at: string;
  readonly note: string;
}

export interface Finding {
  readonly id: string;
  readonly checkId: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly orgId: string | null;
  readonly severity: Severity;
  readonly status: FindingStatus;
  readonly detail: string;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  readonly lastRunId: string;
  readonly resolvedAt: string | null;
  readonly reopenedCount: number;
  readonly suppression: Suppression | null;
  readonly mitigation: Mitigation | null;
  readonly updatedAt: string;
}

export function findingKey(f: { readonly checkId: string; readonly resourceType: string; readonly resourceId: string }): string {
  return `${f.checkId}\u0000${f.resourceType}\u0000${f.resourceId}`;
}

export interface Reconciled {
  /**
   * Findings to insert or update: new, reopened, resolved, or with a new detail, severity or
   * status. A finding seen again unchanged is not here: it is only "touched" (below).
   */
  readonly changed: Finding[];
  /**
   * The checks that evaluated in this run (pass or fail): every finding of theirs that is not
   * resolved was seen by the run, so its lastSeenAt and lastRunId move to the run, in one
   * set-based update before `changed` is written (the store's touchFindings).
   */
  readonly touchedChecks: string[];
  /** New findings and reopened ones: the ones that may raise an alert. */
  readonly raised: Finding[];
  readonly counts: { opened: number; reopened: number; resolved: number; stillOpen: number; suppressed: number };
}

/**
 * Applies one run's results to the existing findings of the checks that ran.
 * `existing`: every finding of those checks; `severityOf`: the catalogue severity.
 */
export function reconcile(
  existing: readonly Finding[],
  results: readonly CheckResult[],
  severityOf: (checkId: string) => Severity,
  run: { readonly id: string; readonly at: string },
  newId: () => string,
): Reconciled {
  const byKey = new Map(existing.map((f) => [findingKey(f), f]));
  const changed: Finding[] = [];
  const raised: Finding[] = [];
  const counts = { opened: 0, reopened: 0, resolved: 0, stillOpen: 0, suppressed: 0 };
  const touchedChecks: string[] = [];
  const byCheck = new Map<string, Finding[]>();
  for (const f of existing) {
    const list = byCheck.get(f.checkId) ?? [];
    list.push(f);
    byCheck.set(f.checkId, list);
  }
  for (const result of results) {
    if (result.status !== 'pass' && result.status !== 'fail') continue;
    touchedChecks.push(result.checkId);
    const present = new Set<string>();
    for (const v of result.violations) {
      const key = findingKey({ checkId: result.checkId, ...v });
      present.add(key);
      const before = byKey.get(key);
      const next = onViolation(before, result.checkId, v, severityOf(result.checkId), run, newId);
      if (before === undefined) {
        counts.opened++;
        raised.push(next);
      } else if (before.status === 'resolved' || (before.status === 'suppressed' && next.status === 'open')) {
        counts.reopened++;
        raised.push(next);
      } else if (next.status === 'suppressed') counts.suppressed++;
      else counts.stillOpen++;
      if (before === undefined || !sameState(before, next)) changed.push(next);
    }
    for (const f of byCheck.get(result.checkId) ?? []) {
      if (f.status === 'resolved' || present.has(findingKey(f))) continue;
      counts.resolved++;
      changed.push({ ...f, status: 'resolved', resolvedAt: run.at, lastRunId: run.id, updatedAt: run.at });
    }
  }
  return { changed, raised, counts, touchedChecks };
}

/** Equal but for when it was last seen (lastSeenAt, lastRunId, updatedAt): a touch, not a change. */
function sameState(a: Finding, b: Finding): boolean {
  return (
    a.status === b.status &&
    a.detail === b.detail &&
    a.severity === b.severity &&
    a.resolvedAt === b.resolvedAt &&
    a.reopenedCount === b.reopenedCount &&
    a.orgId === b.orgId &&
    a.suppression === b.suppression &&
    a.mitigation === b.mitigation
  );
}

function onViolation(before: Finding | undefined, checkId: string, v: Violation, severity: Severity, run: { id: string; at: string }, newId: () => string): Finding {
  if (before === undefined) {
    return {
      id: newId(),
      checkId,
      resourceType: v.resourceType,
      resourceId: v.resourceId,
      orgId: v.orgId,
      severity,
      status: 'open',
      detail: v.detail,
      firstSeenAt: run.at,
      lastSeenAt: run.at,
      lastRunId: run.id,
      resolvedAt: null,
      reopenedCount: 0,
      suppression: null,
      mitigation: null,
      updatedAt: run.at,
    };
  }
  const seen = { ...before, detail: v.detail, severity, lastSeenAt: run.at, lastRunId: run.id, updatedAt: run.at };
  if (before.status === 'resolved') return { ...seen, status: 'open', resolvedAt: null, reopenedCount: before.reopenedCount + 1, mitigation: null };
  if (before.status === 'suppressed' && suppressionExpired(before, run.at)) return { ...seen, status: 'open', reopenedCount: before.reopenedCount + 1 };
  return seen;
}

export function suppressionExpired(f: Finding, at: string): boolean {
  return f.status === 'suppressed' && f.suppression !== null && Date.parse(f.suppression.expiresAt) <= Date.parse(at);
}

/** A suppressed finding whose expiry has passed, reopened (kept: the suppression stays on record). */
export function reopenExpired(f: Finding, at: string): Finding {
  return { ...f, status: 'open', reopenedCount: f.reopenedCount + 1, updatedAt: at };
}

export const MAX_SUPPRESSION_DAYS = 365;

/** Refuses a suppression without reason, owner or a future expiry (at most a year ahead). */
export function suppressionProblem(input: { reason: string; owner: string; expiresAt: string }, now: Date): string | null {
  if (input.reason.trim().length < 5) return 'a suppression needs a reason (at least 5 characters)';
  if (input.owner.trim() === '') return 'a suppression needs an owner';
  const expires = Date.parse(input.expiresAt);
  if (Number.isNaN(expires)) return 'expiresAt is not a date-time';
  if (expires <= now.getTime()) return 'expiresAt must be in the future';
  if (expires > now.getTime() + MAX_SUPPRESSION_DAYS * 86_400_000) return `a suppression lasts at most ${MAX_SUPPRESSION_DAYS} days`;
  return null;
}
