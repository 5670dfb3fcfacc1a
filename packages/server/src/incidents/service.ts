/**
 * Incident response use cases: open (by hand, from alerts, automatically), status changes along
 * the state machine, team, linked alerts, the playbook checklist, the timeline with the point of
 * failure and blast radius, and per-organization settings and playbooks.
 *
 * MUST: every change writes its audit event (incidents.*) in the same transaction.
 * MUST: every read and change calls decide() with the incident's organization; another
 *       organization's incident answers INCIDENT_NOT_FOUND (404), never 403.
 * MUST: linked alerts, commanders and responders belong to the incident's organization.
 * MUST: free-text notes are sealed (keys/ Sealer, context bound to the incident) before storage.
 * MUST: onAlert never throws into the alert path; failures go to onError.
 */
import { decide, type Permission } from '../access/index.js';
import type { AuditWriter } from '../audit/index.js';
import type { Sealer } from '../keys/index.js';
import { AppError, newId, principalOrg, SYSTEM_PRINCIPAL, type Clock, type Principal, type RequestContext, type UnitOfWork } from '../kernel/index.js';
import { addOnce, canTransition, INCIDENT_SEVERITIES, MAX_ALERTS, MAX_RESPONDERS, MAX_SEEDS, typeForDetector, type Incident, type IncidentSeeds, type IncidentSeverity, type IncidentStatus, type IncidentType } from './model.js';
import { defaultPlaybookId, instantiate, parsePlaybook, type Playbook } from './playbooks.js';
import { NO_CHANGE_REQUESTS, type ChangeRequestSource } from './ports.js';
import { isValidTimeZone } from './zoned-time.js';
import type { IncidentSettings, IncidentStore, LinkedAlert, TimelineSource } from './store.js';
import { computeBlastRadius, findPointOfFailure, mergeTimeline, type BlastRadius, type PointOfFailure, type TimelineEntry } from './timeline.js';

export interface IncidentScope {
  readonly incidents: IncidentStore;
  readonly audit: AuditWriter;
}

export interface IncidentServiceDeps {
  readonly uow: UnitOfWork<IncidentScope>;
  readonly read: IncidentStore;
  readonly timeline: TimelineSource;
  readonly playbooks: ReadonlyMap<string, Playbook>;
  readonly sealer: Sealer;
  readonly clock: Clock;
  readonly isActiveUser: (orgId: string, userId: string) => Promise<boolean>;
  /** Finds the organization of an incident id (CLI and system principals only: they name no organization). */
  readonly locate: (id: string) => Promise<string | undefined>;
  readonly onError: (error: unknown) => void;
  /** How far back before discovery the timeline looks (default 30 days). */
  readonly lookbackDays?: number;
}

export interface OpenIncidentInput {
  readonly orgId?: string;
  readonly title: string;
  readonly type?: IncidentType;
  readonly severity?: IncidentSeverity;
  readonly discoveredAt?: string;
  readonly playbookId?: string;
  readonly commanderId?: string;
  readonly responderIds?: readonly string[];
  readonly alertIds?: readonly string[];
  readonly seeds?: Partial<IncidentSeeds>;
  readonly notes?: string;
}

export interface IncidentTimeline {
  readonly from: string;
  readonly to: string;
  readonly entries: readonly TimelineEntry[];
  readonly truncated: boolean;
  readonly pointOfFailure: PointOfFailure;
  readonly blastRadius: BlastRadius;
}

const TIMELINE_LIMIT = 20_000;
const severityRank = (s: string) => (INCIDENT_SEVERITIES as readonly string[]).indexOf(s);

export class IncidentService {
  #changes: ChangeRequestSource = NO_CHANGE_REQUESTS;

  constructor(private readonly deps: IncidentServiceDeps) {}

  /** The compliance module's change requests join the timeline once it is wired (composition). */
  attachChangeRequests(source: ChangeRequestSource): void {
    this.#changes = source;
  }

  #authorize(principal: Principal, permission: Permission, orgId: string): void {
    const d = decide(principal, permission, { orgId });
    if (!d.allow) throw new AppError(d.deny === 'not-found' ? 'INCIDENT_NOT_FOUND' : d.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN');
  }

  async #orgFor(principal: Principal, id: string): Promise<string> {
    const org = principalOrg(principal) ?? (principal.kind === 'cli' || principal.kind === 'system' ? await this.deps.locate(id) : undefined);
    if (org === undefined || org === null) throw new AppError('INCIDENT_NOT_FOUND');
    return org;
  }

  #seal(orgId: string, id: string, text: string | undefined): string | null {
    return text === undefined || text === '' ? null : this.deps.sealer.seal(new TextEncoder().encode(text), `incident:${orgId}:${id}`);
  }

  /** The sealed notes, opened for a reader with incidents:read. */
  async notes(ctx: RequestContext, id: string): Promise<string | null> {
    const incident = await this.get(ctx, id);
    return incident.notesSealed === null ? null : new TextDecoder().decode(this.deps.sealer.open(incident.notesSealed, `incident:${incident.orgId}:${incident.id}`));
  }

  async #playbook(orgId: string, id: string): Promise<Playbook> {
    const book = (await this.deps.read.playbook(orgId, id)) ?? this.deps.playbooks.get(id);
    if (!book) throw new AppError('INCIDENT_PLAYBOOK_NOT_FOUND', { publicMessage: `Unknown playbook: ${id.slice(0, 48)}.` });
    return book;
  }

  async #alerts(orgId: string, ids: readonly string[]): Promise<LinkedAlert[]> {
    if (ids.length === 0) return [];
    const found = await this.deps.timeline.alerts(orgId, ids);
    if (found.length !== new Set(ids).size) throw new AppError('INCIDENT_ALERT_NOT_FOUND');
    return found;
  }

  async #checkUsers(orgId: string, ids: readonly string[]): Promise<void> {
    for (const id of ids) if (!(await this.deps.isActiveUser(orgId, id))) throw new AppError('INCIDENT_USER_INVALID');
  }

  async open(ctx: RequestContext, input: OpenIncidentInput, origin: Incident['origin'] = 'manual'): Promise<Incident> {
    const orgId = principalOrg(ctx.principal) ?? input.orgId;
    if (orgId === undefined) throw new AppError('INCIDENT_INVALID', { publicMessage: 'The organization of the incident is required.' });
    this.#authorize(ctx.principal, 'incidents:manage', orgId);
    const alerts = await this.#alerts(orgId, input.alertIds ?? []);
    const first = [...alerts].sort((a, b) => (a.firstSeenAt < b.firstSeenAt ? -1 : 1))[0];
    const type = input.type ?? (first ? typeForDetector(first.detector) : undefined);
    if (type === undefined) throw new AppError('INCIDENT_INVALID', { publicMessage: 'The incident type is required when no alert is linked.' });
    const severity = input.severity ?? alerts.reduce<IncidentSeverity>((s, a) => (severityRank(a.severity) > severityRank(s) ? (a.severity as IncidentSeverity) : s), 'medium');
    const now = this.deps.clock.now().toISOString();
    const discoveredAt = input.discoveredAt ?? first?.firstSeenAt ?? now;
    if (Number.isNaN(Date.parse(discoveredAt)) || discoveredAt > now) throw new AppError('INCIDENT_INVALID', { publicMessage: 'The discovery time must be a past time.' });
    const book = await this.#playbook(orgId, input.playbookId ?? defaultPlaybookId(type));
    const team = [...(input.commanderId !== undefined ? [input.commanderId] : []), ...(input.responderIds ?? [])];
    await this.#checkUsers(orgId, team);
    const seeds = seedsFrom(alerts, input.seeds);
    const id = newId();
    const incident: Incident = {
      id,
      orgId,
      title: input.title,
      type,
      severity,
      status: 'triage',
      origin,
      commanderId: input.commanderId ?? null,
      responderIds: addOnce([], input.responderIds ?? [], MAX_RESPONDERS),
      alertIds: addOnce([], alerts.map((a) => a.id), MAX_ALERTS),
      seeds,
      discoveredAt,
      openedAt: now,
      updatedAt: now,
      closedAt: null,
      playbook: { id: book.id, version: book.version },
      checklist: instantiate(book, discoveredAt),
      notesSealed: this.#seal(orgId, id, input.notes),
    };
    await this.deps.uow.run(async (s) => {
      await s.incidents.insert(incident);
      await s.audit.record(ctx, event(incident, 'incidents.incident.open', { origin, type, severity, alerts: incident.alertIds.length, playbook: `${book.id}@${book.version}` }));
    });
    return incident;
  }

  /**
   * The alert hook (wired as a SecurityAlertNotifier): an alert of a detector the organization
   * chose, at or above its severity, joins the newest unclosed automatic incident of the join window or
   * opens one. Never throws.
   */
  onAlert(alert: LinkedAlert): Promise<void> {
    return this.#onAlert(alert).catch((error: unknown) => this.deps.onError(error));
  }

  async #onAlert(alert: LinkedAlert): Promise<void> {
    if (alert.orgId === null) return;
    const settings = await this.deps.read.settings(alert.orgId);
    if (!settings.autoOpenDetectors.includes(alert.detector) || severityRank(alert.severity) < severityRank(settings.autoOpenMinSeverity)) return;
    const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: `incident-auto-${newId()}`, source: 'local' };
    const since = new Date(this.deps.clock.now().getTime() - settings.joinWindowHours * 3_600_000).toISOString();
    const open = await this.deps.read.newestOpenSince(alert.orgId, since, 'auto');
    if (open?.alertIds.includes(alert.id)) return;
    if (open) await this.linkAlerts(ctx, open.id, [alert.id]);
    else await this.open(ctx, { orgId: alert.orgId, title: `${alert.title} (opened automatically)`, alertIds: [alert.id] }, 'auto');
  }

  async get(ctx: RequestContext, id: string): Promise<Incident> {
    const orgId = await this.#orgFor(ctx.principal, id);
    this.#authorize(ctx.principal, 'incidents:read', orgId);
    const incident = await this.deps.read.get(orgId, id);
    if (!incident) throw new AppError('INCIDENT_NOT_FOUND');
    return incident;
  }

  /** The caller's organization, authorized for the permission (directory, settings). */
  orgOf(ctx: RequestContext, permission: 'incidents:read' | 'incidents:manage', orgId?: string): string {
    const org = principalOrg(ctx.principal) ?? orgId;
    if (org === undefined) throw new AppError('INCIDENT_INVALID', { publicMessage: 'The organization is required.' });
    this.#authorize(ctx.principal, permission, org);
    return org;
  }

  /** The incident, for a caller who may manage it (containment). */
  async requireManage(ctx: RequestContext, id: string): Promise<Incident> {
    const incident = await this.get(ctx, id);
    this.#authorize(ctx.principal, 'incidents:manage', incident.orgId);
    return incident;
  }

  async list(ctx: RequestContext, filter: { orgId?: string; status?: IncidentStatus; limit?: number }): Promise<Incident[]> {
    const orgId = principalOrg(ctx.principal) ?? filter.orgId;
    if (orgId === undefined) throw new AppError('INCIDENT_INVALID', { publicMessage: 'The organization is required.' });
    this.#authorize(ctx.principal, 'incidents:read', orgId);
    return this.deps.read.list(orgId, { ...(filter.status !== undefined ? { status: filter.status } : {}), limit: Math.min(filter.limit ?? 100, 500) });
  }

  transition(ctx: RequestContext, id: string, to: IncidentStatus): Promise<Incident> {
    return this.#change(ctx, id, 'incidents.incident.status', (i, now) => {
      if (!canTransition(i.status, to)) throw new AppError('INCIDENT_STATE', { publicMessage: `The incident cannot move from ${i.status} to ${to}.` });
      return { next: { ...i, status: to, closedAt: to === 'closed' ? now : null }, details: { from: i.status, to } };
    });
  }

  async assign(ctx: RequestContext, id: string, team: { commanderId?: string; responderIds?: readonly string[] }): Promise<Incident> {
    const current = await this.get(ctx, id);
    await this.#checkUsers(current.orgId, [...(team.commanderId !== undefined ? [team.commanderId] : []), ...(team.responderIds ?? [])]);
    return this.#change(ctx, id, 'incidents.incident.assign', (i) => ({
      next: { ...i, commanderId: team.commanderId ?? i.commanderId, responderIds: addOnce(i.responderIds, team.responderIds ?? [], MAX_RESPONDERS) },
      details: { commander: team.commanderId ?? i.commanderId ?? '', responders: (team.responderIds ?? []).length },
    }));
  }

  async linkAlerts(ctx: RequestContext, id: string, alertIds: readonly string[]): Promise<Incident> {
    const current = await this.get(ctx, id);
    this.#authorize(ctx.principal, 'incidents:manage', current.orgId);
    const alerts = await this.#alerts(current.orgId, alertIds);
    return this.#change(ctx, id, 'incidents.incident.link_alerts', (i) => {
      const seeds = seedsFrom(alerts, i.seeds);
      return { next: { ...i, alertIds: addOnce(i.alertIds, alerts.map((a) => a.id), MAX_ALERTS), seeds }, details: { added: alerts.length } };
    });
  }

  completeStep(ctx: RequestContext, id: string, stepId: string): Promise<Incident> {
    const by = ctx.principal.kind === 'user' ? ctx.principal.id : ctx.principal.kind;
    return this.#change(ctx, id, 'incidents.step.done', (i, now) => {
      const step = i.checklist.find((s) => s.id === stepId);
      if (!step) throw new AppError('INCIDENT_STEP_NOT_FOUND');
      if (step.doneAt !== null) throw new AppError('INCIDENT_STEP_DONE');
      const checklist = i.checklist.map((s) => (s.id === stepId ? { ...s, doneAt: now, doneBy: by } : s));
      return { next: { ...i, checklist }, details: { step: stepId, late: now > step.dueAt } };
    });
  }

  async #change(ctx: RequestContext, id: string, action: string, apply: (i: Incident, now: string) => { next: Incident; details: Record<string, string | number | boolean> }): Promise<Incident> {
    const orgId = await this.#orgFor(ctx.principal, id);
    this.#authorize(ctx.principal, 'incidents:manage', orgId);
    return this.deps.uow.run(async (s) => {
      const current = await s.incidents.get(orgId, id);
      if (!current) throw new AppError('INCIDENT_NOT_FOUND');
      if (current.status === 'closed' && action !== 'incidents.incident.status') throw new AppError('INCIDENT_STATE', { publicMessage: 'The incident is closed.' });
      const now = this.deps.clock.now().toISOString();
      const { next, details } = apply(current, now);
      const updated = { ...next, updatedAt: now };
      await s.incidents.update(updated);
      await s.audit.record(ctx, event(updated, action, details));
      return updated;
    });
  }

  /** The merged timeline, point of failure and blast radius over [discovery - lookback, now]. */
  async timeline(ctx: RequestContext, id: string): Promise<IncidentTimeline> {
    const incident = await this.get(ctx, id);
    const to = this.deps.clock.now().toISOString();
    const from = new Date(Date.parse(incident.discoveredAt) - (this.deps.lookbackDays ?? 30) * 86_400_000).toISOString();
    const linked = await this.deps.timeline.alerts(incident.orgId, incident.alertIds);
    const evidenceSources = await this.deps.timeline.alertSources(incident.orgId, incident.alertIds);
    const seeds: IncidentSeeds = { ...incident.seeds, sources: addOnce(incident.seeds.sources, evidenceSources, MAX_SEEDS) };
    const query = { orgId: incident.orgId, from, to, userIds: seeds.userIds, deviceIds: seeds.deviceIds, sources: seeds.sources, limit: TIMELINE_LIMIT };
    const [audit, events, onSubjects, changes] = await Promise.all([
      this.deps.timeline.auditEvents(query),
      this.deps.timeline.securityEvents(query),
      this.deps.timeline.alertsOnSubjects(query),
      this.#changes.changeRequests(ctx, incident.orgId, from, to),
    ]);
    const alerts = [...new Map([...linked, ...onSubjects].map((a) => [a.id, a])).values()];
    const pointOfFailure = findPointOfFailure(seeds, audit, events);
    const blastRadius = computeBlastRadius(incident.orgId, seeds, pointOfFailure, audit, events);
    const entries = mergeTimeline(audit, events, alerts, changes);
    return { from, to, entries, truncated: audit.length >= TIMELINE_LIMIT || events.length >= TIMELINE_LIMIT, pointOfFailure, blastRadius };
  }

  async settings(ctx: RequestContext, orgId?: string): Promise<IncidentSettings> {
    const org = principalOrg(ctx.principal) ?? orgId;
    if (org === undefined) throw new AppError('INCIDENT_INVALID', { publicMessage: 'The organization is required.' });
    this.#authorize(ctx.principal, 'incidents:read', org);
    return this.deps.read.settings(org);
  }

  async putSettings(ctx: RequestContext, settings: IncidentSettings, orgId?: string): Promise<IncidentSettings> {
    const org = principalOrg(ctx.principal) ?? orgId;
    if (org === undefined) throw new AppError('INCIDENT_INVALID', { publicMessage: 'The organization is required.' });
    this.#authorize(ctx.principal, 'incidents:manage', org);
    if (settings.timeZone !== undefined && !isValidTimeZone(settings.timeZone)) {
      throw new AppError('INCIDENT_INVALID', { publicMessage: 'The time zone must be an IANA name such as Europe/Berlin or America/New_York (or UTC).' });
    }
    await this.deps.uow.run(async (s) => {
      await s.incidents.putSettings(org, settings);
      await s.audit.record(ctx, { action: 'incidents.settings.update', target: { type: 'organization', id: org }, outcome: 'success', orgId: org, details: { detectors: settings.autoOpenDetectors.join(','), minSeverity: settings.autoOpenMinSeverity, joinWindowHours: settings.joinWindowHours, timeZone: settings.timeZone ?? 'UTC' } });
    });
    return settings;
  }

  /** An organization's edit of a playbook: stored as the next version. */
  async putPlaybook(ctx: RequestContext, raw: unknown, orgId?: string): Promise<Playbook> {
    const org = principalOrg(ctx.principal) ?? orgId;
    if (org === undefined) throw new AppError('INCIDENT_INVALID', { publicMessage: 'The organization is required.' });
    this.#authorize(ctx.principal, 'incidents:manage', org);
    const parsed = parsePlaybook(raw);
    const current = (await this.deps.read.playbook(org, parsed.id)) ?? this.deps.playbooks.get(parsed.id);
    const book: Playbook = { ...parsed, version: (current?.version ?? 0) + 1 };
    const by = ctx.principal.kind === 'user' ? ctx.principal.id : ctx.principal.kind;
    await this.deps.uow.run(async (s) => {
      await s.incidents.putPlaybook(org, book, this.deps.clock.now().toISOString(), by);
      await s.audit.record(ctx, { action: 'incidents.playbook.update', target: { type: 'playbook', id: book.id }, outcome: 'success', orgId: org, details: { version: book.version, steps: book.steps.length } });
    });
    return book;
  }

  async playbook(ctx: RequestContext, id: string, orgId?: string): Promise<Playbook> {
    const org = principalOrg(ctx.principal) ?? orgId;
    if (org === undefined) throw new AppError('INCIDENT_INVALID', { publicMessage: 'The organization is required.' });
    this.#authorize(ctx.principal, 'incidents:read', org);
    return this.#playbook(org, id);
  }
}

function seedsFrom(alerts: readonly LinkedAlert[], base: Partial<IncidentSeeds> | undefined): IncidentSeeds {
  const pick = (kind: string) => alerts.filter((a) => a.subject.kind === kind).map((a) => a.subject.id);
  return {
    deviceIds: addOnce(base?.deviceIds ?? [], pick('device'), MAX_SEEDS),
    userIds: addOnce(base?.userIds ?? [], pick('user'), MAX_SEEDS),
    sources: addOnce(base?.sources ?? [], pick('source'), MAX_SEEDS),
  };
}

function event(incident: Incident, action: string, details: Record<string, string | number | boolean>) {
  return { action, target: { type: 'incident', id: incident.id }, outcome: 'success' as const, orgId: incident.orgId, details: { type: incident.type, status: incident.status, ...details } };
}
