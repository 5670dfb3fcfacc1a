/**
 * Security alerts: detectors' candidates become alerts (deduplicated and grouped), and security
 * officers work them (acknowledge, resolve, suppress with a reason, assign, note).
 *
 * MUST: one attack yields one alert: a candidate joins the newest unresolved alert of the same
 *       organization, detector and subject whose last event is within the detector's window;
 *       candidates waiting for the database are merged in memory first (bounded writes under a flood).
 * MUST: opening, escalating and every workflow change write their audit event in the same
 *       transaction (security.alert.*); count updates are not audited one by one (their evidence
 *       is the security events themselves).
 * MUST: reads and changes are authorized by decide() with the alert's organization; an alert of
 *       another organization answers SECURITY_ALERT_NOT_FOUND; a platform-level alert (no
 *       organization) is visible to platform-admins only.
 * MUST: raise() never throws into the event path; failures go to onError.
 * MUST: notes are free text from officers: stored on the alert, never copied into the audit log.
 */
import { decide, type Permission } from '../../access/index.js';
import type { AuditWriter } from '../../audit/index.js';
import {
  AppError,
  newId,
  parseListPage,
  principalOrg,
  SYSTEM_PRINCIPAL,
  toPaged,
  type Clock,
  type ListPageInput,
  type Paged,
  type Principal,
  type RequestContext,
  type UnitOfWork,
} from '../../kernel/index.js';
import type { StoredSecurityEvent } from '../../patients/index.js';
import { silenceCandidates } from './detectors/index.js';
import { ALERT_SEVERITIES, maxSeverity, type AlertCandidate, type AlertSeverity, type AlertStatus, type SecurityAlert } from './model.js';
import type { AlertChange, SecurityAlertNotifier } from './notifier.js';
import type { DetectorSettings } from './settings.js';
import type { SecurityAlertStore, SecurityEventQuery } from './store.js';
import { SECURITY_ALERT_SORT, SECURITY_EVENT_SORT, securityAlertPosition, securityEventPosition } from './security-list.js';
import { BoundedMap } from './window-counter.js';

export interface SecurityAlertScope {
  readonly alerts: SecurityAlertStore;
  readonly audit: AuditWriter;
}

export interface SecurityAlertServiceDeps {
  readonly uow: UnitOfWork<SecurityAlertScope>;
  /** Read side outside a transaction (lists, event queries). */
  readonly read: SecurityAlertStore;
  readonly clock: Clock;
  readonly notifier: SecurityAlertNotifier;
  /** Is this user an active member of the organization (for assignees)? */
  readonly isActiveUser: (orgId: string, userId: string) => Promise<boolean>;
  readonly onError: (error: unknown) => void;
}

const MAX_EVIDENCE = 100;
const MAX_NOTES = 200;

function keyOf(c: AlertCandidate): string {
  return `${c.orgId ?? ''}|${c.detector}|${c.subject.kind}|${c.subject.id}`;
}

function merge(a: AlertCandidate, b: AlertCandidate): AlertCandidate {
  return {
    ...b,
    severity: maxSeverity(a.severity, b.severity),
    count: a.count + b.count,
    eventIds: [...a.eventIds, ...b.eventIds].slice(0, MAX_EVIDENCE),
    auditSeqs: [...a.auditSeqs, ...b.auditSeqs].slice(0, MAX_EVIDENCE),
  };
}

export class SecurityAlertService {
  readonly #pending = new Map<string, AlertCandidate>();
  readonly #silent = new BoundedMap<string>(100_000);
  #draining: Promise<void> | undefined;
  /** Alerts opened since start (tests and the bench read it). */
  opened = 0;

  constructor(private readonly deps: SecurityAlertServiceDeps) {}

  /** Queues a candidate (from the detection engine); never throws. */
  raise(candidate: AlertCandidate): void {
    const key = keyOf(candidate);
    const waiting = this.#pending.get(key);
    this.#pending.set(key, waiting ? merge(waiting, candidate) : candidate);
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined;
    });
  }

  /** Waits until every queued candidate is written (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    for (;;) {
      const next = this.#pending.entries().next();
      if (next.done === true) return;
      const [key, candidate] = next.value;
      this.#pending.delete(key);
      try {
        await this.#apply(candidate);
      } catch (error) {
        this.deps.onError(error);
      }
    }
  }

  async #apply(c: AlertCandidate): Promise<void> {
    const since = new Date(Date.parse(c.at) - c.windowSeconds * 1000).toISOString();
    const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: `security-detector-${newId()}`, source: 'local' };
    const result = await this.deps.uow.run(async (s): Promise<{ alert: SecurityAlert; change: AlertChange } | undefined> => {
      const active = await s.alerts.findActive(c.orgId, c.detector, c.subject, since);
      if (active === undefined) {
        const alert: SecurityAlert = {
          id: newId(),
          orgId: c.orgId,
          detector: c.detector,
          severity: c.severity,
          title: c.title,
          summary: c.summary,
          subject: c.subject,
          count: c.count,
          firstSeenAt: c.at,
          lastSeenAt: c.at,
          status: 'open',
          assignee: null,
          suppressedReason: null,
          notes: [],
          evidence: { securityEventIds: c.eventIds.slice(0, MAX_EVIDENCE), auditSeqs: c.auditSeqs.slice(0, MAX_EVIDENCE) },
        };
        await s.alerts.insert(alert);
        await s.audit.record(ctx, this.#auditEvent(alert, 'security.alert.open', { count: alert.count }));
        return { alert, change: 'opened' };
      }
      const severity = maxSeverity(active.severity, c.severity);
      const alert: SecurityAlert = {
        ...active,
        severity,
        summary: c.summary,
        count: active.count + c.count,
        lastSeenAt: c.at > active.lastSeenAt ? c.at : active.lastSeenAt,
        evidence: {
          securityEventIds: [...active.evidence.securityEventIds, ...c.eventIds].slice(0, MAX_EVIDENCE),
          auditSeqs: [...active.evidence.auditSeqs, ...c.auditSeqs].slice(0, MAX_EVIDENCE),
        },
      };
      await s.alerts.update(alert);
      if (severity !== active.severity) {
        await s.audit.record(ctx, this.#auditEvent(alert, 'security.alert.escalate', { from: active.severity, to: severity }));
        return { alert, change: 'escalated' };
      }
      return alert.status === 'suppressed' ? undefined : { alert, change: 'updated' };
    });
    if (result === undefined) return;
    if (result.change === 'opened') this.opened += 1;
    this.#notify(result.alert, result.change);
  }

  #notify(alert: SecurityAlert, change: AlertChange): void {
    try {
      this.deps.notifier.notify(alert, change);
    } catch (error) {
      this.deps.onError(error);
    }
  }

  #auditEvent(alert: SecurityAlert, action: string, details: Record<string, string | number>) {
    return {
      action,
      target: { type: 'security_alert', id: alert.id },
      outcome: 'success' as const,
      ...(alert.orgId !== null ? { orgId: alert.orgId } : {}),
      details: { detector: alert.detector, severity: alert.severity, subjectKind: alert.subject.kind, ...details },
    };
  }

  /** The silence detector (a scheduled job): devices not heard from for longer than their model's interval. */
  async checkSilence(settings: DetectorSettings['deviceSilence']): Promise<number> {
    const now = this.deps.clock.now();
    const shortest = Math.min(settings.defaultIntervalSeconds, ...Object.values(settings.models));
    const seen = await this.deps.read.seenBefore(new Date(now.getTime() - shortest * 1000).toISOString(), 10_000);
    // One candidate per silence: a device already reported stays quiet until it is heard from again.
    const fresh = seen.filter((d) => this.#silent.get(d.deviceId) !== d.lastSeenAt);
    const candidates = silenceCandidates(fresh, now, settings);
    for (const c of candidates) {
      const device = fresh.find((d) => d.deviceId === c.subject.id);
      if (device) this.#silent.set(device.deviceId, device.lastSeenAt);
      this.raise(c);
    }
    return candidates.length;
  }

  // ---------------------------------------------------------------- reads and workflow

  #authorize(principal: Principal, permission: Permission, orgId: string | null): void {
    if (orgId === null) {
      const platform = principal.kind === 'system' || principal.kind === 'cli' || (principal.kind === 'user' && principal.roles.includes('platform-admin'));
      if (!platform) throw new AppError('SECURITY_ALERT_NOT_FOUND');
      if (!decide(principal, permission).allow) throw new AppError('FORBIDDEN');
      return;
    }
    const decision = decide(principal, permission, { orgId });
    if (!decision.allow) throw new AppError(decision.deny === 'not-found' ? 'SECURITY_ALERT_NOT_FOUND' : decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN');
  }

  /** The organizations a principal's lists cover: undefined = all (platform-admin). */
  #scope(principal: Principal, permission: Permission): ReadonlyArray<string | null> | undefined {
    const platform = principal.kind === 'system' || principal.kind === 'cli' || (principal.kind === 'user' && principal.roles.includes('platform-admin'));
    const org = principalOrg(principal);
    if (!platform) {
      if (org === null) throw new AppError('FORBIDDEN');
      this.#authorize(principal, permission, org);
      return [org];
    }
    if (!decide(principal, permission).allow) throw new AppError('FORBIDDEN');
    return undefined;
  }

  async list(ctx: RequestContext, filter: { status?: AlertStatus; severity?: AlertSeverity; detector?: string; limit?: number }): Promise<SecurityAlert[]> {
    const orgIds = this.#scope(ctx.principal, 'security:read');
    return this.deps.read.list({
      ...(orgIds !== undefined ? { orgIds } : {}),
      ...(filter.status !== undefined ? { status: filter.status } : {}),
      ...(filter.severity !== undefined ? { severity: filter.severity } : {}),
      ...(filter.detector !== undefined ? { detector: filter.detector } : {}),
      limit: Math.min(filter.limit ?? 200, 1000),
    });
  }

  /** One page of security alerts in the caller's scope: filters and sort (security-list.ts). */
  async pageAlerts(
    ctx: RequestContext,
    filter: { status?: AlertStatus | undefined; severities?: readonly AlertSeverity[] | undefined; detector?: string | undefined },
    input: ListPageInput,
  ): Promise<Paged<SecurityAlert>> {
    const orgIds = this.#scope(ctx.principal, 'security:read');
    const page = parseListPage(SECURITY_ALERT_SORT, input);
    const rows = await this.deps.read.list({
      ...(orgIds !== undefined ? { orgIds } : {}),
      ...(filter.status !== undefined ? { status: filter.status } : {}),
      ...(filter.severities !== undefined ? { severities: filter.severities } : {}),
      ...(filter.detector !== undefined ? { detector: filter.detector } : {}),
      limit: page.limit + 1,
      page,
    });
    return toPaged(rows, page, securityAlertPosition);
  }

  /** One page of the security event stream in the caller's scope: filters and sort (security-list.ts). */
  async pageEvents(ctx: RequestContext, query: Omit<SecurityEventQuery, 'orgId' | 'limit' | 'page'>, input: ListPageInput): Promise<Paged<StoredSecurityEvent>> {
    const page = parseListPage(SECURITY_EVENT_SORT, input);
    const rows = await this.events(ctx, { ...query, limit: page.limit + 1, page });
    return toPaged(rows, page, securityEventPosition);
  }

  async get(ctx: RequestContext, id: string): Promise<SecurityAlert> {
    const alert = await this.deps.read.get(id);
    if (!alert) throw new AppError('SECURITY_ALERT_NOT_FOUND');
    this.#authorize(ctx.principal, 'security:read', alert.orgId);
    return alert;
  }

  async events(ctx: RequestContext, query: Omit<SecurityEventQuery, 'orgId'>): Promise<StoredSecurityEvent[]> {
    const orgIds = this.#scope(ctx.principal, 'security:read');
    const org = orgIds?.[0];
    return this.deps.read.events({ ...query, ...(orgIds !== undefined && org !== undefined ? { orgId: org } : {}) });
  }

  acknowledge(ctx: RequestContext, id: string): Promise<SecurityAlert> {
    return this.#change(ctx, id, 'security.alert.acknowledge', (a) => {
      if (a.status !== 'open') throw new AppError('SECURITY_ALERT_STATE', { detail: `acknowledge: alert is ${a.status}` });
      return { alert: { ...a, status: 'acknowledged' }, details: {} };
    });
  }

  resolve(ctx: RequestContext, id: string): Promise<SecurityAlert> {
    return this.#change(ctx, id, 'security.alert.resolve', (a) => {
      if (a.status === 'resolved') throw new AppError('SECURITY_ALERT_STATE', { detail: 'resolve: alert is already resolved' });
      return { alert: { ...a, status: 'resolved' }, details: { from: a.status } };
    });
  }

  suppress(ctx: RequestContext, id: string, reason: string): Promise<SecurityAlert> {
    return this.#change(ctx, id, 'security.alert.suppress', (a) => {
      if (a.status === 'resolved') throw new AppError('SECURITY_ALERT_STATE', { detail: 'suppress: alert is resolved' });
      return { alert: { ...a, status: 'suppressed', suppressedReason: reason }, details: { reason } };
    });
  }

  async assign(ctx: RequestContext, id: string, userId: string): Promise<SecurityAlert> {
    const current = await this.get(ctx, id);
    const org = current.orgId ?? principalOrg(ctx.principal);
    if (org === null || !(await this.deps.isActiveUser(org, userId))) throw new AppError('SECURITY_ALERT_ASSIGNEE_INVALID');
    return this.#change(ctx, id, 'security.alert.assign', (a) => ({ alert: { ...a, assignee: userId }, details: { assignee: userId } }));
  }

  addNote(ctx: RequestContext, id: string, text: string): Promise<SecurityAlert> {
    const by = ctx.principal.kind === 'user' ? ctx.principal.id : ctx.principal.kind;
    return this.#change(ctx, id, 'security.alert.note', (a) => {
      if (a.notes.length >= MAX_NOTES) throw new AppError('SECURITY_ALERT_STATE', { detail: 'note: too many notes on this alert' });
      return { alert: { ...a, notes: [...a.notes, { at: this.deps.clock.now().toISOString(), by, text }] }, details: { length: text.length } };
    });
  }

  async #change(
    ctx: RequestContext,
    id: string,
    action: string,
    apply: (alert: SecurityAlert) => { alert: SecurityAlert; details: Record<string, string | number> },
  ): Promise<SecurityAlert> {
    const alert = await this.deps.uow.run(async (s) => {
      const current = await s.alerts.get(id);
      if (!current) throw new AppError('SECURITY_ALERT_NOT_FOUND');
      this.#authorize(ctx.principal, 'security:manage', current.orgId);
      const { alert: next, details } = apply(current);
      await s.alerts.update(next);
      await s.audit.record(ctx, this.#auditEvent(next, action, details));
      return next;
    });
    return alert;
  }
}

export function isAlertSeverity(value: string): value is AlertSeverity {
  return (ALERT_SEVERITIES as readonly string[]).includes(value);
}
