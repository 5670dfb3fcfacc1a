/**
 * Clinical alerts: rules (per organization, overridable per patient), evaluation on ingest, and the
 * lifecycle open -> acknowledged -> resolved with who and when.
 *
 * MUST: rules are read and written with alert-rules:read / alert-rules:write in the principal's
 *       organization; every change is audited in its transaction.
 * MUST: alerts show a patient's vitals, so listing, acknowledging and resolving run the PHI rule
 *       (patients/ authorizePhiRead or the user's readable patients), and are audited; another
 *       organization's alert, or one about a patient outside the user's care, is not found (404).
 * MUST: evaluation runs after the readings' commit (never inside ingest's transaction), opens at
 *       most one unresolved alert per (rule, patient), and audits each opening as Vigil (system).
 */
import { metricSpec } from '@vigil/protocol';
import { decide, type Permission } from '../../access/index.js';
import {
  AppError,
  isId,
  newId,
  parseListPage,
  principalOrg,
  SYSTEM_PRINCIPAL,
  toPaged,
  type Clock,
  type ListPage,
  type ListPageInput,
  type Paged,
  type RequestContext,
  type UnitOfWork,
} from '../../kernel/index.js';
import { ALERT_SORT, alertPosition, type AlertSortKey } from './alert-list.js';
import type { PatientService } from '../../patients/index.js';
import type { ReadingRow, VitalPoint } from '../../telemetry/index.js';
import type { ClinicalEventBus } from './live-events.js';
import {
  COMPARISONS,
  DEFAULT_ORG_RULES,
  MAX_DURATION_SECONDS,
  RuleEvaluator,
  SEVERITIES,
  type AlertRule,
  type ClinicalAlert,
  type ClinicalAlertStatus,
  type ClinicalSeverity,
  type Firing,
  type RuleInput,
} from './model.js';
import type { AlertRuleStore, ClinicalAlertScope } from './store.js';

export const MAX_ALERTS_LISTED = 500;
/** Most alerts one bulk acknowledgement takes. */
export const MAX_BULK_ACKNOWLEDGE = 100;

export interface ClinicalAlertFilter {
  readonly status?: ClinicalAlertStatus | undefined;
  readonly patientId?: string | undefined;
  readonly severities?: readonly ClinicalSeverity[] | undefined;
}

export interface BulkOutcome {
  readonly id: string;
  readonly outcome: 'acknowledged' | 'not-found' | 'conflict';
  readonly alert: ClinicalAlert | null;
}

export interface OpenAlertSummary {
  /** Patients the user may read: open alert count and the highest open severity. */
  readonly perPatient: ReadonlyMap<string, { readonly count: number; readonly highest: ClinicalSeverity }>;
  /** Open alerts of patients outside the user's care (a count only). */
  readonly outsideCare: number;
}
export const MAX_RULES_PER_ORG = 500;

export interface ClinicalAlertServiceDeps {
  readonly uow: UnitOfWork<ClinicalAlertScope>;
  readonly patients: Pick<PatientService, 'authorizePhiRead' | 'readablePatientIds' | 'exists'>;
  readonly clock: Clock;
  readonly bus: ClinicalEventBus;
  /** Rules read outside any transaction, for evaluation (cached here per organization). */
  readonly rulesReader: AlertRuleStore;
  /** How long evaluation trusts its cached rules of an organization (another node's change). */
  readonly rulesTtlMs?: number;
  /** Errors of the after-commit evaluation (logged by main.ts). */
  readonly onError?: (error: unknown) => void;
}

export class ClinicalAlertService {
  readonly evaluator = new RuleEvaluator();
  readonly #rules = new Map<string, { rules: AlertRule[]; at: number }>();
  #pending: Promise<void> = Promise.resolve();

  constructor(private readonly deps: ClinicalAlertServiceDeps) {}

  // --- rules ---

  async listRules(ctx: RequestContext, patientId?: string): Promise<AlertRule[]> {
    const orgId = this.#authorize(ctx, 'alert-rules:read');
    if (patientId !== undefined && !isId(patientId)) throw new AppError('PATIENTS_NOT_FOUND');
    return this.deps.uow.run((s) => s.rules.list(orgId, patientId === undefined ? {} : { patientIds: [patientId] }));
  }

  async createRule(ctx: RequestContext, input: RuleInput): Promise<AlertRule> {
    const orgId = this.#authorize(ctx, 'alert-rules:write');
    const rule: AlertRule = { id: newId(), orgId, ...(await this.#checkRule(orgId, input)) };
    await this.deps.uow.run(async (s) => {
      if ((await s.rules.list(orgId)).length >= MAX_RULES_PER_ORG) throw new AppError('ALERT_RULE_INVALID', { publicMessage: `At most ${MAX_RULES_PER_ORG} rules per organization.` });
      await s.rules.insert(rule, this.deps.clock.now().toISOString());
      await s.audit.record(ctx, { action: 'alerts.rule.create', target: { type: 'alert_rule', id: rule.id }, outcome: 'success', orgId, details: ruleDetails(rule) });
    });
    this.#rules.delete(orgId);
    return rule;
  }

  async updateRule(ctx: RequestContext, id: string, input: RuleInput): Promise<AlertRule> {
    const orgId = this.#authorize(ctx, 'alert-rules:write');
    if (!isId(id)) throw new AppError('ALERT_RULE_NOT_FOUND');
    const checked = await this.#checkRule(orgId, input);
    const rule = await this.deps.uow.run(async (s) => {
      const before = await s.rules.find(orgId, id);
      if (before === undefined) throw new AppError('ALERT_RULE_NOT_FOUND');
      const after: AlertRule = { ...checked, id, orgId };
      await s.rules.update(after, this.deps.clock.now().toISOString());
      await s.audit.record(ctx, { action: 'alerts.rule.update', target: { type: 'alert_rule', id }, outcome: 'success', orgId, details: ruleDetails(after) });
      return after;
    });
    this.#rules.delete(orgId);
    this.evaluator.forgetRule(id);
    return rule;
  }

  /** Seeds DEFAULT_ORG_RULES for an organization that has no organization rule yet (demo, first setup). */
  async seedDefaultRules(ctx: RequestContext, orgId: string): Promise<number> {
    const n = await this.deps.uow.run(async (s) => {
      if ((await s.rules.list(orgId, { orgOnly: true })).length > 0) return 0;
      const at = this.deps.clock.now().toISOString();
      for (const r of DEFAULT_ORG_RULES) {
        const rule: AlertRule = { id: newId(), orgId, patientId: null, enabled: true, ...r };
        await s.rules.insert(rule, at);
        await s.audit.record(ctx, { action: 'alerts.rule.create', target: { type: 'alert_rule', id: rule.id }, outcome: 'success', reason: 'defaults', orgId, details: ruleDetails(rule) });
      }
      return DEFAULT_ORG_RULES.length;
    });
    this.#rules.delete(orgId);
    return n;
  }

  // --- alerts ---

  async listAlerts(ctx: RequestContext, filter: ClinicalAlertFilter = {}): Promise<ClinicalAlert[]> {
    return this.#readAlerts(ctx, filter);
  }

  /** One page of the alerts the caller may read: filters and sort (alert-list.ts); audited per patient shown. */
  async pageAlerts(ctx: RequestContext, filter: ClinicalAlertFilter, input: ListPageInput): Promise<Paged<ClinicalAlert>> {
    const page = parseListPage(ALERT_SORT, input);
    return toPaged(await this.#readAlerts(ctx, filter, page), page, alertPosition);
  }

  /**
   * Acknowledges each open alert of `ids` on its own (PHI rule, transaction and audit event per
   * alert), so that one alert outside the caller's care or already acknowledged does not undo
   * the others. Answers each alert's outcome in the order asked.
   */
  async acknowledgeMany(ctx: RequestContext, ids: readonly string[]): Promise<BulkOutcome[]> {
    this.#authorize(ctx, 'clinical-alerts:manage');
    const out: BulkOutcome[] = [];
    for (const id of new Set(ids)) {
      try {
        out.push({ id, outcome: 'acknowledged', alert: await this.#transition(ctx, id, ['open'], 'acknowledged') });
      } catch (error) {
        if (!(error instanceof AppError) || (error.code !== 'CLINICAL_ALERT_NOT_FOUND' && error.code !== 'CLINICAL_ALERT_STATE_CONFLICT')) throw error;
        out.push({ id, outcome: error.code === 'CLINICAL_ALERT_NOT_FOUND' ? 'not-found' : 'conflict', alert: null });
      }
    }
    return out;
  }

  async #readAlerts(ctx: RequestContext, filter: ClinicalAlertFilter, page?: ListPage<AlertSortKey>): Promise<ClinicalAlert[]> {
    const orgId = this.#authorize(ctx, 'clinical-alerts:read');
    let patientIds: string[];
    if (filter.patientId !== undefined) {
      await this.deps.patients.authorizePhiRead(ctx, filter.patientId, {
        permission: 'clinical-alerts:read',
        action: 'alerts.clinical.list',
        fields: 'clinical-alerts',
        notFound: 'CLINICAL_ALERT_NOT_FOUND',
      });
      patientIds = [filter.patientId];
    } else {
      const readable = await this.deps.patients.readablePatientIds(ctx);
      patientIds = [...new Set([...readable.careTeam, ...readable.breakGlass])];
    }
    if (patientIds.length === 0) return [];
    return this.deps.uow.run(async (s) => {
      const alerts = await s.alerts.list(orgId, {
        patientIds,
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.severities ? { severities: filter.severities } : {}),
        ...(page ? { page } : {}),
        limit: MAX_ALERTS_LISTED,
      });
      const shown = new Map<string, number>();
      for (const a of page ? alerts.slice(0, page.limit) : alerts) shown.set(a.patientId, (shown.get(a.patientId) ?? 0) + 1);
      for (const [patientId, count] of shown) {
        await s.audit.record(ctx, { action: 'alerts.clinical.read', target: { type: 'patient', id: patientId }, outcome: 'success', orgId, details: { fields: 'clinical-alerts', count } });
      }
      return alerts;
    });
  }

  /**
   * Open alerts per patient the user may read (count and highest severity), and how many open
   * alerts concern patients outside the user's care: a bare number, with nothing about who.
   */
  async openSummary(ctx: RequestContext): Promise<OpenAlertSummary> {
    const orgId = this.#authorize(ctx, 'clinical-alerts:read');
    const readable = await this.deps.patients.readablePatientIds(ctx);
    const mine = new Set([...readable.careTeam, ...readable.breakGlass]);
    const perPatient = new Map<string, { count: number; highest: ClinicalSeverity }>();
    let outsideCare = 0;
    for (const row of await this.deps.uow.run((s) => s.alerts.openCounts(orgId))) {
      if (!mine.has(row.patientId)) {
        outsideCare += row.count;
        continue;
      }
      const before = perPatient.get(row.patientId);
      const highest = before === undefined || SEVERITIES.indexOf(row.severity) > SEVERITIES.indexOf(before.highest) ? row.severity : before.highest;
      perPatient.set(row.patientId, { count: (before?.count ?? 0) + row.count, highest });
    }
    return { perPatient, outsideCare };
  }

  acknowledge(ctx: RequestContext, id: string): Promise<ClinicalAlert> {
    return this.#transition(ctx, id, ['open'], 'acknowledged');
  }

  resolve(ctx: RequestContext, id: string): Promise<ClinicalAlert> {
    return this.#transition(ctx, id, ['open', 'acknowledged'], 'resolved');
  }

  /** The patient ids whose alerts and vitals a user's live stream may carry now. */
  async readablePatients(ctx: RequestContext): Promise<{ orgId: string; patientIds: Set<string> }> {
    this.#authorize(ctx, 'clinical-alerts:read');
    const r = await this.deps.patients.readablePatientIds(ctx);
    return { orgId: r.orgId, patientIds: new Set([...r.careTeam, ...r.breakGlass]) };
  }

  // --- evaluation on ingest ---

  /**
   * Called with readings after their commit (GroupCommitter onCommitted): publishes vitals of bound
   * patients and evaluates the rules. Runs one batch at a time, in commit order; never throws.
   */
  onCommitted(readings: readonly ReadingRow[]): Promise<void> {
    const bound = readings.filter((r): r is ReadingRow & { patientId: string } => r.patientId !== null);
    if (bound.length === 0) return this.#pending;
    for (const r of bound) this.deps.bus.publish({ kind: 'vital', orgId: r.orgId, patientId: r.patientId, vital: toPoint(r) });
    this.#pending = this.#pending.then(async () => void (await this.evaluate(bound))).catch((error: unknown) => this.deps.onError?.(error));
    return this.#pending;
  }

  /** Evaluates readings attributed to patients; opens and publishes alerts. Returns those opened. */
  async evaluate(readings: readonly (ReadingRow & { patientId: string })[]): Promise<ClinicalAlert[]> {
    const byOrg = new Map<string, (VitalPoint & { patientId: string })[]>();
    for (const r of readings) {
      const points = byOrg.get(r.orgId);
      const point = { ...toPoint(r), patientId: r.patientId };
      if (points) points.push(point);
      else byOrg.set(r.orgId, [point]);
    }
    const opened: ClinicalAlert[] = [];
    for (const [orgId, points] of byOrg) {
      const firings = this.evaluator.evaluate(await this.#rulesOf(orgId), points);
      for (const f of firings) {
        const alert = await this.#open(orgId, f);
        if (alert) {
          opened.push(alert);
          this.deps.bus.publish({ kind: 'alert', orgId, patientId: alert.patientId, alert });
        }
      }
    }
    return opened;
  }

  /** Waits for evaluations already queued (tests, shutdown). */
  drain(): Promise<void> {
    return this.#pending;
  }

  async #open(orgId: string, f: Firing): Promise<ClinicalAlert | undefined> {
    const alert: ClinicalAlert = {
      id: newId(),
      orgId,
      patientId: f.patientId,
      ruleId: f.rule.id,
      metric: f.rule.metric,
      comparison: f.rule.comparison,
      threshold: f.rule.value,
      value: f.reading.value,
      severity: f.rule.severity,
      status: 'open',
      openedAt: f.reading.measuredAt,
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      resolvedBy: null,
    };
    const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: `clinical-alert-${alert.id}`, source: 'ingest' };
    return this.deps.uow.run(async (s) => {
      if (!(await s.alerts.insertIfNone(alert))) return undefined;
      await s.audit.record(ctx, {
        action: 'alerts.clinical.open',
        target: { type: 'clinical_alert', id: alert.id },
        outcome: 'success',
        orgId,
        details: { patientId: alert.patientId, ruleId: alert.ruleId, metric: alert.metric, severity: alert.severity, since: f.since },
      });
      return alert;
    });
  }

  async #transition(ctx: RequestContext, id: string, from: readonly ClinicalAlertStatus[], to: 'acknowledged' | 'resolved'): Promise<ClinicalAlert> {
    const orgId = this.#authorize(ctx, 'clinical-alerts:manage');
    if (!isId(id)) throw new AppError('CLINICAL_ALERT_NOT_FOUND');
    const found = await this.deps.uow.run((s) => s.alerts.find(orgId, id));
    if (found === undefined) throw new AppError('CLINICAL_ALERT_NOT_FOUND');
    await this.deps.patients.authorizePhiRead(ctx, found.patientId, {
      permission: 'clinical-alerts:manage',
      action: `alerts.clinical.${to === 'acknowledged' ? 'acknowledge' : 'resolve'}_read`,
      fields: 'clinical-alerts',
      notFound: 'CLINICAL_ALERT_NOT_FOUND',
    });
    const updated = await this.deps.uow.run(async (s) => {
      const current = await s.alerts.find(orgId, id);
      if (current === undefined) throw new AppError('CLINICAL_ALERT_NOT_FOUND');
      const now = this.deps.clock.now().toISOString();
      const next: ClinicalAlert =
        to === 'acknowledged'
          ? { ...current, status: 'acknowledged', acknowledgedAt: now, acknowledgedBy: ctx.principal.id }
          : {
              ...current,
              status: 'resolved',
              resolvedAt: now,
              resolvedBy: ctx.principal.id,
              // Resolving an open alert also records who saw it.
              acknowledgedAt: current.acknowledgedAt ?? now,
              acknowledgedBy: current.acknowledgedBy ?? ctx.principal.id,
            };
      if (!from.includes(current.status) || !(await s.alerts.transition(orgId, id, from, next))) {
        await s.audit.record(ctx, { action: `alerts.clinical.${to === 'acknowledged' ? 'acknowledge' : 'resolve'}`, target: { type: 'clinical_alert', id }, outcome: 'failure', reason: `status-${current.status}`, orgId });
        return { refused: new AppError('CLINICAL_ALERT_STATE_CONFLICT') } as const;
      }
      await s.audit.record(ctx, {
        action: `alerts.clinical.${to === 'acknowledged' ? 'acknowledge' : 'resolve'}`,
        target: { type: 'clinical_alert', id },
        outcome: 'success',
        orgId,
        details: { patientId: current.patientId, from: current.status, to },
      });
      return { ok: next } as const;
    });
    if ('refused' in updated) throw updated.refused;
    this.deps.bus.publish({ kind: 'alert', orgId, patientId: updated.ok.patientId, alert: updated.ok });
    return updated.ok;
  }

  async #rulesOf(orgId: string): Promise<AlertRule[]> {
    const now = this.deps.clock.now().getTime();
    const cached = this.#rules.get(orgId);
    if (cached && now - cached.at <= (this.deps.rulesTtlMs ?? 30_000)) return cached.rules;
    const rules = await this.deps.rulesReader.list(orgId);
    this.#rules.set(orgId, { rules, at: now });
    return rules;
  }

  async #checkRule(orgId: string, input: RuleInput): Promise<Omit<AlertRule, 'id' | 'orgId'>> {
    const bad = (why: string): never => {
      throw new AppError('ALERT_RULE_INVALID', { publicMessage: `The alert rule is not valid: ${why}.` });
    };
    const spec = metricSpec(input.metric);
    if (spec === undefined) bad('unknown metric');
    if (!(COMPARISONS as readonly string[]).includes(input.comparison)) bad('unknown comparison');
    if (!(SEVERITIES as readonly string[]).includes(input.severity)) bad('unknown severity');
    if (!Number.isFinite(input.value)) bad('the value must be a number');
    if (!Number.isInteger(input.durationSeconds) || input.durationSeconds < 0 || input.durationSeconds > MAX_DURATION_SECONDS) bad(`duration must be 0 to ${MAX_DURATION_SECONDS} seconds`);
    if (input.patientId !== null && !(await this.deps.patients.exists(orgId, input.patientId))) throw new AppError('PATIENTS_NOT_FOUND');
    return {
      patientId: input.patientId,
      metric: input.metric,
      comparison: input.comparison,
      value: input.value,
      durationSeconds: input.durationSeconds,
      severity: input.severity,
      enabled: input.enabled ?? true,
    };
  }

  #authorize(ctx: RequestContext, permission: Permission): string {
    const orgId = principalOrg(ctx.principal);
    if (orgId === null) throw new AppError('FORBIDDEN', { detail: `a ${ctx.principal.kind} principal acts in no organization` });
    const decision = decide(ctx.principal, permission, { orgId });
    if (decision.allow) return orgId;
    throw new AppError(decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN', { detail: decision.reason });
  }
}

function toPoint(r: ReadingRow): VitalPoint {
  return { metric: r.metric, value: r.value, unit: r.unit, measuredAt: r.measuredAt, deviceId: r.deviceId };
}

function ruleDetails(rule: AlertRule) {
  return {
    patientId: rule.patientId,
    metric: rule.metric,
    comparison: rule.comparison,
    value: rule.value,
    durationSeconds: rule.durationSeconds,
    severity: rule.severity,
    enabled: rule.enabled,
  };
}
