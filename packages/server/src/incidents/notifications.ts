/**
 * Notification clocks for an incident: the obligations of clocks.ts made concrete (assessment ->
 * obligations with deadlines), reminders and overdue alerts on a schedule, and notices rendered
 * from templates, sent by email or exported, recorded with proof (time, recipient, SHA-256).
 *
 * MUST: the affected count is the blast radius' patients (computed, never typed in).
 * MUST: the four-factor assessment's text is sealed (it may name patients); only its conclusion
 *       is stored in clear and audited.
 * MUST: a notice goes only to a contact of the organization's directory (INCIDENT_RECIPIENT_UNKNOWN).
 * MUST: an overdue obligation raises a high-severity security alert once; reminders go out through
 *       the security alert channels (webhook, email, syslog) at REMINDER_FRACTIONS of the time left.
 */
import type { AlertCandidate } from '../alerts/index.js';
import type { AuditWriter } from '../audit/index.js';
import { sha256Hex, type Sealer } from '../keys/index.js';
import { AppError, newId, type Clock, type RequestContext, type UnitOfWork } from '../kernel/index.js';
import { dueReminders, obligations, conclude, type ClockInput, type RiskAssessment } from './clocks.js';
import { DEFAULT_NOTICE_TEMPLATE, renderNotice } from './notice-template.js';
import type { Contact, ContactKind, Notice, NotificationStore, StoredObligation } from './notification-store.js';
import type { IncidentService } from './service.js';
import type { IncidentStore } from './store.js';

export interface NotificationScope {
  readonly notifications: NotificationStore;
  readonly audit: AuditWriter;
}

/** Sends a plain-text email through the organization's email channel. */
export interface NoticeMailer {
  send(orgId: string, to: string, subject: string, text: string): Promise<void>;
}

export const NO_MAILER: NoticeMailer = { send: () => Promise.reject(new AppError('INCIDENT_ACTION_UNAVAILABLE', { publicMessage: 'No email channel is configured: export the notice instead.' })) };

export interface NotificationServiceDeps {
  readonly incidents: IncidentService;
  readonly incidentStore: IncidentStore;
  readonly uow: UnitOfWork<NotificationScope>;
  readonly read: NotificationStore;
  readonly sealer: Sealer;
  readonly clock: Clock;
  readonly mailer: NoticeMailer;
  /** Raises a security alert (reminders and overdue obligations). */
  readonly raise: (candidate: AlertCandidate) => void;
}

const CARE_TYPES: ReadonlySet<string> = new Set(['device-compromise', 'malware-in-firmware', 'ransomware-data-loss', 'availability']);
const CARE_KINDS: ReadonlySet<string> = new Set(['hospital', 'health-department', 'device-maker']);

export type AssessInput = Pick<ClockInput, 'residentsByState' | 'missingContacts' | 'lawEnforcementDelay' | 'fda'> & { readonly assessment: RiskAssessment | null };

export class NotificationService {
  constructor(private readonly deps: NotificationServiceDeps) {}

  async addContact(ctx: RequestContext, input: { name: string; kind: ContactKind; email?: string }): Promise<Contact> {
    const orgId = await this.#orgOf(ctx, 'manage');
    const contact: Contact = { id: newId(), orgId, name: input.name, kind: input.kind, email: input.email ?? null };
    await this.deps.uow.run(async (s) => {
      await s.notifications.insertContact(contact);
      await s.audit.record(ctx, { action: 'incidents.contact.add', target: { type: 'incident_contact', id: contact.id }, outcome: 'success', orgId, details: { kind: contact.kind } });
    });
    return contact;
  }

  async contacts(ctx: RequestContext): Promise<Contact[]> {
    return this.deps.read.contacts(await this.#orgOf(ctx, 'read'));
  }

  #orgOf(ctx: RequestContext, need: 'read' | 'manage'): Promise<string> {
    return Promise.resolve(this.deps.incidents.orgOf(ctx, need === 'read' ? 'incidents:read' : 'incidents:manage'));
  }

  /** Records the §164.402 assessment and (re)computes the incident's pending obligations. */
  async assess(ctx: RequestContext, incidentId: string, input: AssessInput): Promise<StoredObligation[]> {
    const incident = await this.deps.incidents.requireManage(ctx, incidentId);
    const { blastRadius } = await this.deps.incidents.timeline(ctx, incidentId);
    const settings = await this.deps.incidentStore.settings(incident.orgId);
    const now = this.deps.clock.now().toISOString();
    const list = obligations({
      discoveredAt: incident.discoveredAt,
      assessment: input.assessment,
      affected: blastRadius.patients.length,
      residentsByState: input.residentsByState,
      missingContacts: input.missingContacts,
      businessAssociate: settings.businessAssociate ?? false,
      lawEnforcementDelay: input.lawEnforcementDelay,
      fda: input.fda,
      holidays: new Set(settings.holidays ?? []),
      timeZone: settings.timeZone ?? 'UTC',
      custom: settings.customClocks ?? [],
    });
    // Care continuity (interim care): nearby hospitals, the health department and the device maker
    // of the directory, for incidents that affect device function.
    if (CARE_TYPES.has(incident.type)) {
      const due = new Date(Date.parse(incident.discoveredAt) + (settings.careContinuityHours ?? 4) * 3_600_000).toISOString();
      for (const c of await this.deps.read.contacts(incident.orgId)) {
        if (CARE_KINDS.has(c.kind)) list.push({ id: `care-${c.id}`, rule: 'care continuity (interim care)', recipient: `${c.kind}: ${c.name}`, dueAt: due, status: 'pending', reason: null });
      }
    }
    const stored = list.map((o): StoredObligation => ({ id: newId(), orgId: incident.orgId, incidentId, obligationId: o.id, rule: o.rule, recipient: o.recipient, dueAt: o.dueAt, status: o.status, reason: o.reason, openedAt: now, remindersSent: [], overdueAlertedAt: null }));
    const by = ctx.principal.kind === 'user' ? ctx.principal.id : ctx.principal.kind;
    const conclusion = input.assessment ? conclude(input.assessment) : 'breach';
    await this.deps.uow.run(async (s) => {
      if (input.assessment) {
        const sealed = this.deps.sealer.seal(new TextEncoder().encode(JSON.stringify(input.assessment)), `incident-assessment:${incident.orgId}:${incidentId}`);
        await s.notifications.putAssessment(incident.orgId, incidentId, conclusion, sealed, now, by);
      }
      await s.notifications.replacePending(incident.orgId, incidentId, stored.filter((o) => o.status === 'pending' || o.status === 'not-required'));
      await s.audit.record(ctx, { action: 'incidents.clock.assess', target: { type: 'incident', id: incidentId }, outcome: 'success', orgId: incident.orgId, details: { conclusion, affected: blastRadius.patients.length, pending: stored.filter((o) => o.status === 'pending').length } });
    });
    return this.deps.read.obligations(incident.orgId, incidentId);
  }

  async obligations(ctx: RequestContext, incidentId: string): Promise<StoredObligation[]> {
    const incident = await this.deps.incidents.get(ctx, incidentId);
    return this.deps.read.obligations(incident.orgId, incidentId);
  }

  async notices(ctx: RequestContext, incidentId: string): Promise<Notice[]> {
    const incident = await this.deps.incidents.get(ctx, incidentId);
    return this.deps.read.notices(incident.orgId, incidentId);
  }

  async notApplicable(ctx: RequestContext, incidentId: string, obligationRowId: string, reason: string): Promise<StoredObligation> {
    const incident = await this.deps.incidents.requireManage(ctx, incidentId);
    const o = await this.#obligation(incident.orgId, incidentId, obligationRowId);
    const next: StoredObligation = { ...o, status: 'not-required', reason };
    await this.deps.uow.run(async (s) => {
      await s.notifications.updateObligation(next);
      await s.audit.record(ctx, { action: 'incidents.clock.not_applicable', target: { type: 'incident', id: incidentId }, outcome: 'success', orgId: incident.orgId, details: { obligation: o.obligationId } });
    });
    return next;
  }

  /** The recipient confirmed receipt of a sent notice. */
  async acknowledge(ctx: RequestContext, incidentId: string, obligationRowId: string): Promise<StoredObligation> {
    const incident = await this.deps.incidents.requireManage(ctx, incidentId);
    const o = await this.#obligation(incident.orgId, incidentId, obligationRowId);
    if (o.status !== 'sent') throw new AppError('INCIDENT_STATE', { publicMessage: 'Only a sent notice can be acknowledged.' });
    const next: StoredObligation = { ...o, status: 'acknowledged' };
    await this.deps.uow.run(async (s) => {
      await s.notifications.updateObligation(next);
      await s.audit.record(ctx, { action: 'incidents.clock.acknowledge', target: { type: 'incident', id: incidentId }, outcome: 'success', orgId: incident.orgId, details: { obligation: o.obligationId } });
    });
    return next;
  }

  async #obligation(orgId: string, incidentId: string, id: string): Promise<StoredObligation> {
    const o = await this.deps.read.obligation(orgId, id);
    if (!o || o.incidentId !== incidentId) throw new AppError('INCIDENT_OBLIGATION_NOT_FOUND');
    return o;
  }

  /** Renders and sends (or exports) a notice for an obligation; records the proof. */
  async notify(ctx: RequestContext, incidentId: string, obligationRowId: string, input: { contactId: string; channel: 'email' | 'export'; template?: string }): Promise<{ notice: Notice; message: string }> {
    const incident = await this.deps.incidents.requireManage(ctx, incidentId);
    const o = await this.#obligation(incident.orgId, incidentId, obligationRowId);
    const contact = await this.deps.read.contact(incident.orgId, input.contactId);
    if (!contact) throw new AppError('INCIDENT_RECIPIENT_UNKNOWN');
    const { blastRadius } = await this.deps.incidents.timeline(ctx, incidentId);
    const message = renderNotice(input.template ?? DEFAULT_NOTICE_TEMPLATE, {
      organization: incident.orgId,
      'incident.title': incident.title,
      'incident.type': incident.type,
      discoveredAt: incident.discoveredAt,
      dueAt: o.dueAt ?? 'not applicable',
      rule: o.rule,
      recipient: o.recipient,
      'patients.count': String(blastRadius.patients.length),
      'devices.count': String(blastRadius.devices.length),
      'users.count': String(blastRadius.users.length),
      'contact.name': contact.name,
    });
    if (input.channel === 'email') {
      if (contact.email === null) throw new AppError('INCIDENT_RECIPIENT_UNKNOWN', { publicMessage: 'The contact has no email address: export the notice instead.' });
      await this.deps.mailer.send(incident.orgId, contact.email, `Notice: ${incident.title}`, message);
    }
    const notice: Notice = { id: newId(), orgId: incident.orgId, incidentId, obligationId: o.id, contactId: contact.id, channel: input.channel, sentAt: this.deps.clock.now().toISOString(), sha256: sha256Hex(message) };
    await this.deps.uow.run(async (s) => {
      await s.notifications.insertNotice(notice);
      await s.notifications.updateObligation({ ...o, status: 'sent' });
      await s.audit.record(ctx, { action: 'incidents.notice.send', target: { type: 'incident', id: incidentId }, outcome: 'success', orgId: incident.orgId, details: { obligation: o.obligationId, contact: contact.id, channel: input.channel, sha256: notice.sha256, late: o.dueAt !== null && notice.sentAt > o.dueAt } });
    });
    return { notice, message };
  }

  /** The clock job: reminders at fractions of the time left, and one high alert when overdue. */
  async tick(): Promise<{ reminders: number; overdue: number }> {
    const now = this.deps.clock.now();
    let reminders = 0;
    let overdue = 0;
    for (const o of await this.deps.read.pendingDue(5000)) {
      if (o.dueAt === null) continue;
      const due = dueReminders({ openedAt: o.openedAt, dueAt: o.dueAt, remindersSent: o.remindersSent }, now);
      if (due.passed.length > 0) {
        this.deps.raise(this.#candidate(o, 'incident-clock-reminder', 'medium', `Notification due ${o.dueAt}: ${o.rule} to ${o.recipient}`));
        await this.deps.read.updateObligation({ ...o, remindersSent: [...o.remindersSent, ...due.passed] });
        reminders += 1;
      } else if (due.overdue && o.overdueAlertedAt === null) {
        this.deps.raise(this.#candidate(o, 'incident-clock-overdue', 'high', `Notification overdue since ${o.dueAt}: ${o.rule} to ${o.recipient}`));
        await this.deps.read.updateObligation({ ...o, overdueAlertedAt: now.toISOString() });
        overdue += 1;
      }
    }
    return { reminders, overdue };
  }

  #candidate(o: StoredObligation, detector: string, severity: 'medium' | 'high', title: string): AlertCandidate {
    return { detector, severity, title, summary: `incident ${o.incidentId} obligation ${o.obligationId}`, orgId: o.orgId, subject: { kind: 'org', id: o.orgId }, count: 1, at: this.deps.clock.now().toISOString(), windowSeconds: 0, eventIds: [], auditSeqs: [] };
  }
}
