/**
 * NotificationStore over kysely (SQLite and PostgreSQL): the contact directory, obligations,
 * notices with their proof, and sealed risk assessments of incidents.
 * MUST: every read filters by org_id, except pendingDue (the clock job).
 */
import type { Contact, Notice, NotificationStore, StoredObligation } from '../../incidents/index.js';
import type { Executor } from '../sql-database.js';
import type { IncidentTables } from '../tables.js';

type ObligationRow = IncidentTables['incident_obligations'];

function toRow(o: StoredObligation): ObligationRow {
  return {
    id: o.id,
    org_id: o.orgId,
    incident_id: o.incidentId,
    obligation_id: o.obligationId,
    rule: o.rule,
    recipient: o.recipient,
    due_at: o.dueAt,
    status: o.status,
    reason: o.reason,
    opened_at: o.openedAt,
    reminders_sent: JSON.stringify(o.remindersSent),
    overdue_alerted_at: o.overdueAlertedAt,
  };
}

function fromRow(r: ObligationRow): StoredObligation {
  return {
    id: r.id,
    orgId: r.org_id,
    incidentId: r.incident_id,
    obligationId: r.obligation_id,
    rule: r.rule,
    recipient: r.recipient,
    dueAt: r.due_at,
    status: r.status as StoredObligation['status'],
    reason: r.reason,
    openedAt: r.opened_at,
    remindersSent: JSON.parse(r.reminders_sent) as number[],
    overdueAlertedAt: r.overdue_alerted_at,
  };
}

const contactOf = (r: IncidentTables['incident_contacts']): Contact => ({ id: r.id, orgId: r.org_id, name: r.name, kind: r.kind as Contact['kind'], email: r.email });

export function notificationStore(db: Executor): NotificationStore {
  return {
    async insertContact(c) {
      await db.insertInto('incident_contacts').values({ id: c.id, org_id: c.orgId, name: c.name, kind: c.kind, email: c.email }).execute();
    },
    async contacts(orgId) {
      return (await db.selectFrom('incident_contacts').selectAll().where('org_id', '=', orgId).orderBy('name').execute()).map(contactOf);
    },
    async contact(orgId, id) {
      const row = await db.selectFrom('incident_contacts').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return row ? contactOf(row) : undefined;
    },
    async replacePending(orgId, incidentId, obligations) {
      await db.deleteFrom('incident_obligations').where('org_id', '=', orgId).where('incident_id', '=', incidentId).where('status', 'in', ['pending', 'not-required']).execute();
      if (obligations.length > 0) await db.insertInto('incident_obligations').values(obligations.map(toRow)).execute();
    },
    async obligations(orgId, incidentId) {
      return (await db.selectFrom('incident_obligations').selectAll().where('org_id', '=', orgId).where('incident_id', '=', incidentId).orderBy('due_at').orderBy('obligation_id').execute()).map(fromRow);
    },
    async obligation(orgId, id) {
      const row = await db.selectFrom('incident_obligations').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    async updateObligation(o) {
      const { id, org_id, ...rest } = toRow(o);
      await db.updateTable('incident_obligations').set(rest).where('id', '=', id).where('org_id', '=', org_id).execute();
    },
    async pendingDue(limit) {
      return (await db.selectFrom('incident_obligations').selectAll().where('status', '=', 'pending').where('due_at', 'is not', null).orderBy('due_at').limit(limit).execute()).map(fromRow);
    },
    async insertNotice(n: Notice) {
      await db.insertInto('incident_notices').values({ id: n.id, org_id: n.orgId, incident_id: n.incidentId, obligation_id: n.obligationId, contact_id: n.contactId, channel: n.channel, sent_at: n.sentAt, sha256: n.sha256 }).execute();
    },
    async notices(orgId, incidentId) {
      const rows = await db.selectFrom('incident_notices').selectAll().where('org_id', '=', orgId).where('incident_id', '=', incidentId).orderBy('sent_at').execute();
      return rows.map((r): Notice => ({ id: r.id, orgId: r.org_id, incidentId: r.incident_id, obligationId: r.obligation_id, contactId: r.contact_id, channel: r.channel as Notice['channel'], sentAt: r.sent_at, sha256: r.sha256 }));
    },
    async putAssessment(orgId, incidentId, conclusion, sealed, at, by) {
      await db.deleteFrom('incident_assessments').where('org_id', '=', orgId).where('incident_id', '=', incidentId).execute();
      await db.insertInto('incident_assessments').values({ incident_id: incidentId, org_id: orgId, conclusion, sealed, at, by }).execute();
    },
  };
}
