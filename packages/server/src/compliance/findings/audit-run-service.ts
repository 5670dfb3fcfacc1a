/**
 * AuditRunService: runs the check catalogue, stores the run, reconciles findings, and manages a
 * finding's lifecycle (suppress, mitigate). HIPAA §164.308(a)(8) evaluation, §164.308(a)(1)(ii)(D)
 * information system activity review.
 *
 * MUST: runs, reconciliations, suppressions and mitigations are audited in the transaction that
 *       writes them ('compliance.audit.run', 'compliance.finding.*').
 * MUST: expired suppressions are reopened before a run reconciles, and by the scheduled sweep.
 * MUST: a new or reopened finding of high or critical severity raises a security alert (one per
 *       finding, or one per organization counting them when a run has many: #alert).
 * MUST: callers other than the host (system, CLI) see only their own organization's findings
 *       plus platform-wide ones; another organization's finding is 404.
 */
import { decide } from '../../access/index.js';
import type { AlertCandidate, AlertSubject } from '../../alerts/index.js';
import { AppError, newId, principalOrg, type Clock, type RequestContext, type UnitOfWork } from '../../kernel/index.js';
import { runChecks, type AuditCheck, type Cadence, type CheckResult, type ComplianceEvidence } from '../checks/index.js';
import { reconcile, reopenExpired, suppressionProblem, type Finding, type FindingStatus, type Mitigation } from './model.js';
import { collides, detached, type CheckSummary, type OffThreadAudits, type OffThreadSession } from './off-thread.js';
import type { AuditRun, FindingScope, FindingStore } from './store.js';

export interface AuditRunServiceDeps {
  readonly uow: UnitOfWork<FindingScope>;
  readonly reader: FindingStore;
  readonly clock: Clock;
  readonly checks: readonly AuditCheck[];
  /** Evidence is gathered per run (it reads the other modules' stores). */
  readonly evidence: () => ComplianceEvidence;
  /** The security alert service's raise(); never throws. */
  readonly raiseAlert: (candidate: AlertCandidate) => void;
  /** Evaluates checks in a worker thread for a large installation (absent: all in process). */
  readonly offThread?: OffThreadAudits;
}

export interface FindingFilter {
  readonly status?: FindingStatus | undefined;
  readonly checkId?: string | undefined;
  readonly severity?: string | undefined;
  readonly limit?: number | undefined;
}

const ALERT_SEVERITIES = new Set(['high', 'critical']);
/** Above this many new high findings of one organization in a run, they raise one summary alert. */
export const ALERT_GROUP_THRESHOLD = 10;

export class AuditRunService {
  constructor(private readonly deps: AuditRunServiceDeps) {}

  get checks(): readonly AuditCheck[] {
    return this.deps.checks;
  }

  /**
   * Runs every check of the cadence ('full': all of them) and reconciles the findings.
   *
   * Expired suppressions reopen first, in their own transaction. The checks an off-thread adapter
   * takes are evaluated and reconciled in its worker; the others here. Findings are read and
   * reconciled outside the run's transaction (with 100,000 findings, inside it would hold the
   * database, and ingest's commits, for seconds); inside, what was written since is read again,
   * and if it collides with what the run would write, the run reconciles again (three tries).
   */
  async run(ctx: RequestContext, cadence: Cadence): Promise<AuditRun> {
    authorize(ctx, 'compliance:manage');
    const sweptAt = this.deps.clock.now().toISOString();
    const swept = await this.deps.uow.run((s) => this.#reopenExpiredIn(s, ctx, sweptAt));
    this.#alert(swept, sweptAt);
    const started = this.deps.clock.now();
    const due = this.deps.checks.filter((c) => cadence === 'full' || c.cadence === 'daily');
    const session = this.deps.offThread ? await this.deps.offThread.start(cadence, started, due.map((c) => c.id)).catch(() => null) : null;
    try {
      const remote = new Set(session?.checkIds ?? []);
      let evaluated = await this.#evaluate(due, remote, session, started, cadence);
      const finishedAt = this.deps.clock.now().toISOString();
      const runId = newId();
      const severity = new Map(this.deps.checks.map((c) => [c.id, c.severity]));
      const allIds = evaluated.summaries.map((r) => r.checkId);
      for (let attempt = 1; ; attempt++) {
        const since = new Date(this.deps.clock.now().getTime() - REREAD_MARGIN_MS).toISOString();
        const snapshot = await this.deps.reader.findingsOfChecks(evaluated.local.map((r) => r.checkId));
        const recs = [detached(reconcile(snapshot, evaluated.local, (id) => severity.get(id) ?? 'medium', { id: runId, at: finishedAt }, newId), snapshot)];
        if (evaluated.remote) {
          const there = await evaluated.remote.reconcile({ id: runId, at: finishedAt }).catch(() => null);
          if (there === null) {
            // The worker failed after evaluating: its checks are evaluated again here.
            evaluated = await this.#evaluate(due, new Set(), null, started, cadence);
            attempt--;
            continue;
          }
          recs.push(there);
        }
        const outcome = await this.deps.uow.run(async (s) => {
          if (collides(await s.findings.findingsUpdatedSince(allIds, since), recs)) return null;
          // Unchanged findings are only touched (last seen by this run), in one statement per 500 checks.
          await s.findings.touchFindings(
            recs.flatMap((r) => r.touchedChecks),
            runId,
            finishedAt,
          );
          await s.findings.upsertFindings(recs.flatMap((r) => r.changed));
          const sum = (key: 'opened' | 'reopened' | 'resolved') => recs.reduce((n, r) => n + r.counts[key], 0);
          const count = (status: string) => evaluated.summaries.filter((r) => r.status === status).length;
          const run: AuditRun = {
            id: runId,
            cadence,
            startedAt: started.toISOString(),
            finishedAt,
            actor: `${ctx.principal.kind}:${ctx.principal.id}`,
            results: evaluated.summaries.map((r) => ({ checkId: r.checkId, status: r.status, detail: r.detail, affected: r.affected, durationMs: r.durationMs })),
            counts: { pass: count('pass'), fail: count('fail'), notApplicable: count('not_applicable'), error: count('error'), opened: sum('opened'), reopened: sum('reopened') + swept.length, resolved: sum('resolved') },
          };
          await s.findings.insertRun(run);
          await s.audit.record(ctx, {
            action: 'compliance.audit.run',
            target: { type: 'compliance-run', id: runId },
            outcome: 'success',
            details: { cadence, checks: evaluated.summaries.length, ...run.counts },
          });
          return { run, raised: recs.flatMap((r) => r.raised) };
        });
        if (outcome !== null) {
          this.#alert(outcome.raised, finishedAt);
          return outcome.run;
        }
        if (attempt >= MAX_RECONCILE_ATTEMPTS) throw new AppError('COMPLIANCE_FINDING_STATE', { detail: `compliance: findings kept changing while the audit run reconciled them (${attempt} tries); run it again` });
      }
    } finally {
      session?.close();
    }
  }

  /**
   * Evaluates the due checks: those the session took in its worker (summaries only), the rest here.
   * A worker that fails hands its checks back: they are evaluated here, never skipped.
   */
  async #evaluate(due: readonly AuditCheck[], remote: ReadonlySet<string>, session: OffThreadSession | null, now: Date, cadence: Cadence) {
    const here = due.filter((c) => !remote.has(c.id));
    const [there, local] = await Promise.all([session ? session.evaluated.catch(() => null) : Promise.resolve(null), runChecks(here, this.deps.evidence(), now, cadence)]);
    const results: CheckResult[] = there === null && remote.size > 0 ? [...local, ...(await runChecks(due.filter((c) => remote.has(c.id)), this.deps.evidence(), now, cadence))] : local;
    const byId = new Map<string, CheckSummary>([...results.map((r) => [r.checkId, { checkId: r.checkId, status: r.status, detail: r.detail, durationMs: r.durationMs, affected: r.violations.length }] as const), ...(there ?? []).map((r) => [r.checkId, r] as const)]);
    const summaries = due.flatMap((c) => byId.get(c.id) ?? []);
    return { summaries, local: results, remote: there === null ? null : session };
  }

  /** The scheduled sweep: reopens suppressions that have expired. Returns how many reopened. */
  async reopenExpiredSuppressions(ctx: RequestContext): Promise<number> {
    authorize(ctx, 'compliance:manage');
    const at = this.deps.clock.now().toISOString();
    const reopened = await this.deps.uow.run((s) => this.#reopenExpiredIn(s, ctx, at));
    this.#alert(reopened, at);
    return reopened.length;
  }

  async #reopenExpiredIn(s: FindingScope, ctx: RequestContext, at: string): Promise<Finding[]> {
    const expired = await s.findings.expiredSuppressions(at);
    const reopened = expired.map((f) => reopenExpired(f, at));
    await s.findings.upsertFindings(reopened);
    for (const f of reopened) {
      await s.audit.record(ctx, {
        action: 'compliance.finding.reopen',
        target: { type: 'compliance-finding', id: f.id },
        outcome: 'success',
        ...(f.orgId !== null ? { orgId: f.orgId } : {}),
        reason: 'suppression-expired',
        details: { checkId: f.checkId, expiredAt: f.suppression?.expiresAt ?? '' },
      });
    }
    return reopened;
  }

  async listRuns(ctx: RequestContext, limit = 50): Promise<AuditRun[]> {
    authorize(ctx, 'compliance:read');
    return this.deps.reader.listRuns(Math.min(Math.max(limit, 1), 500));
  }

  async getRun(ctx: RequestContext, id: string): Promise<AuditRun> {
    authorize(ctx, 'compliance:read');
    const run = await this.deps.reader.findRun(id);
    if (!run) throw new AppError('COMPLIANCE_RUN_NOT_FOUND');
    return run;
  }

  async listFindings(ctx: RequestContext, filter: FindingFilter = {}): Promise<Finding[]> {
    const orgId = authorize(ctx, 'compliance:read');
    return this.deps.reader.listFindings({ orgId, status: filter.status, checkId: filter.checkId, severity: filter.severity, limit: Math.min(Math.max(filter.limit ?? 500, 1), 10_000) });
  }

  async getFinding(ctx: RequestContext, id: string): Promise<Finding> {
    const orgId = authorize(ctx, 'compliance:read');
    return visible(await this.deps.reader.findFinding(id), orgId);
  }

  /** Suppresses an open or mitigated finding until `expiresAt`, with a reason and an owner. */
  async suppress(ctx: RequestContext, id: string, input: { reason: string; owner: string; expiresAt: string }): Promise<Finding> {
    const orgId = authorize(ctx, 'compliance:manage');
    const now = this.deps.clock.now();
    const problem = suppressionProblem(input, now);
    if (problem !== null) throw new AppError('COMPLIANCE_SUPPRESSION_INVALID', { detail: `compliance: ${problem}` });
    return this.deps.uow.run(async (s) => {
      const f = visible(await s.findings.findFinding(id), orgId);
      if (f.status === 'resolved') throw new AppError('COMPLIANCE_FINDING_STATE', { detail: 'compliance: a resolved finding cannot be suppressed' });
      const at = now.toISOString();
      const next: Finding = {
        ...f,
        status: 'suppressed',
        suppression: { reason: input.reason.trim(), owner: input.owner.trim(), expiresAt: new Date(input.expiresAt).toISOString(), by: actorOf(ctx), at },
        updatedAt: at,
      };
      await s.findings.upsertFindings([next]);
      await s.audit.record(ctx, {
        action: 'compliance.finding.suppress',
        target: { type: 'compliance-finding', id },
        outcome: 'success',
        ...(f.orgId !== null ? { orgId: f.orgId } : {}),
        reason: 'suppressed',
        details: { checkId: f.checkId, owner: next.suppression?.owner ?? '', expiresAt: next.suppression?.expiresAt ?? '' },
      });
      return next;
    });
  }

  /** Marks a finding mitigated after an action; the next run that evaluates its check resolves or keeps it. */
  async markMitigated(ctx: RequestContext, id: string, mitigation: Omit<Mitigation, 'at' | 'by'>): Promise<Finding> {
    const orgId = authorize(ctx, 'compliance:manage');
    return this.deps.uow.run(async (s) => {
      const f = visible(await s.findings.findFinding(id), orgId);
      if (f.status === 'resolved') throw new AppError('COMPLIANCE_FINDING_STATE', { detail: 'compliance: the finding is already resolved' });
      const at = this.deps.clock.now().toISOString();
      const next: Finding = { ...f, status: 'mitigated', mitigation: { ...mitigation, by: actorOf(ctx), at }, updatedAt: at };
      await s.findings.upsertFindings([next]);
      await s.audit.record(ctx, {
        action: 'compliance.finding.mitigate',
        target: { type: 'compliance-finding', id },
        outcome: 'success',
        ...(f.orgId !== null ? { orgId: f.orgId } : {}),
        details: { checkId: f.checkId, action: mitigation.action },
      });
      return next;
    });
  }

  /** Closes (resolves) the finding of a check and resource with a note, e.g. a VEX "not affected" statement. */
  async closeFinding(ctx: RequestContext, checkId: string, resourceId: string, note: string): Promise<Finding | null> {
    authorize(ctx, 'compliance:manage');
    return this.deps.uow.run(async (s) => {
      const f = (await s.findings.findingsOfChecks([checkId])).find((x) => x.resourceId === resourceId && x.status !== 'resolved');
      if (!f) return null;
      const at = this.deps.clock.now().toISOString();
      const next: Finding = { ...f, status: 'resolved', resolvedAt: at, mitigation: { action: 'close', note, by: actorOf(ctx), at }, updatedAt: at };
      await s.findings.upsertFindings([next]);
      await s.audit.record(ctx, { action: 'compliance.finding.close', target: { type: 'compliance-finding', id: f.id }, outcome: 'success', ...(f.orgId !== null ? { orgId: f.orgId } : {}), details: { checkId } });
      return next;
    });
  }

  /**
   * One alert per new or reopened high finding while an organization has a few of them (the
   * device or user is the alert's subject, so a responder acts on it); above
   * ALERT_GROUP_THRESHOLD in one run, one alert for the organization (or the platform) that counts
   * them by check: a first audit of 100,000 devices raises a handful of alerts, not 100,000.
   */
  #alert(findings: readonly Finding[], at: string): void {
    const titles = new Map(this.deps.checks.map((c) => [c.id, c.title]));
    const byOrg = new Map<string | null, Finding[]>();
    for (const f of findings) {
      if (!ALERT_SEVERITIES.has(f.severity)) continue;
      const list = byOrg.get(f.orgId) ?? [];
      list.push(f);
      byOrg.set(f.orgId, list);
    }
    const base = { detector: 'compliance-audit', at, windowSeconds: 3600, eventIds: [], auditSeqs: [] };
    for (const [orgId, list] of byOrg) {
      if (list.length <= ALERT_GROUP_THRESHOLD) {
        for (const f of list) {
          this.deps.raiseAlert({ ...base, severity: f.severity, title: `Audit finding: ${titles.get(f.checkId) ?? f.checkId}`, summary: `${f.checkId} on ${f.resourceType} ${f.resourceId}: ${f.detail}`, orgId: f.orgId, subject: subjectOf(f), count: 1 });
        }
        continue;
      }
      const perCheck = new Map<string, number>();
      for (const f of list) perCheck.set(f.checkId, (perCheck.get(f.checkId) ?? 0) + 1);
      const checks = [...perCheck].sort((a, b) => b[1] - a[1]);
      this.deps.raiseAlert({
        ...base,
        severity: list.some((f) => f.severity === 'critical') ? 'critical' : 'high',
        title: `Audit findings: ${list.length} new or reopened`,
        summary: `${checks.map(([id, n]) => `${id} x${n}`).join(', ')} (GET /api/v1/compliance/findings?status=open)`,
        orgId,
        subject: { kind: 'org', id: orgId ?? 'platform:compliance-audit' },
        count: list.length,
      });
    }
  }
}

/** How far back a run re-reads findings inside its transaction: longer than any transaction in flight. */
const REREAD_MARGIN_MS = 10_000;
/** A run whose findings keep changing under it gives up after this many reconciliations. */
const MAX_RECONCILE_ATTEMPTS = 3;

function subjectOf(f: Finding): AlertSubject {
  if (f.resourceType === 'device') return { kind: 'device', id: f.resourceId };
  if (f.resourceType === 'user') return { kind: 'user', id: f.resourceId };
  return { kind: 'org', id: f.orgId ?? `platform:${f.checkId}:${f.resourceId}` };
}

export function actorOf(ctx: RequestContext): string {
  const p = ctx.principal;
  return p.kind === 'user' ? `user:${p.id}` : `${p.kind}:${p.id}`;
}

/**
 * Returns the org scope of the caller: null (everything) only for the host (system, CLI). Every
 * person, platform-admins included, sees their own organization's findings and platform-wide ones.
 */
export function authorize(ctx: RequestContext, permission: 'compliance:read' | 'compliance:manage'): string | null {
  const decision = decide(ctx.principal, permission);
  if (!decision.allow) throw new AppError(decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN', { detail: `access: ${decision.reason}` });
  return principalOrg(ctx.principal);
}

function visible(f: Finding | undefined, orgId: string | null): Finding {
  if (!f || (orgId !== null && f.orgId !== null && f.orgId !== orgId)) throw new AppError('COMPLIANCE_FINDING_NOT_FOUND');
  return f;
}
