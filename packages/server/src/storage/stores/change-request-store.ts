/**
 * The change request store over kysely. Changes are kept with their decisions and audit links
 * (six years, HIPAA §164.316(b)(2)); nothing is deleted.
 */
import type { ChangeKind, ChangeRequest, ChangeRequestStore, ChangeStatus, PayloadValue } from '../../compliance/index.js';
import type { Executor } from '../sql-database.js';
import type { ComplianceTables } from '../tables.js';

type Row = ComplianceTables['change_requests'];

export function changeRequestStore(db: Executor): ChangeRequestStore {
  return {
    async insert(change) {
      await db.insertInto('change_requests').values(toRow(change)).execute();
    },
    async update(change) {
      const { id, ...rest } = toRow(change);
      await db.updateTable('change_requests').set(rest).where('id', '=', id).execute();
    },
    async find(id) {
      const row = await db.selectFrom('change_requests').selectAll().where('id', '=', id).executeTakeFirst();
      return row && fromRow(row);
    },
    async list(q) {
      let query = db.selectFrom('change_requests').selectAll();
      if (q.orgId !== null) {
        const orgId = q.orgId;
        query = query.where((eb) => eb.or([eb('org_id', '=', orgId), eb('org_id', 'is', null)]));
      }
      if (q.status !== undefined) query = query.where('status', '=', q.status);
      if (q.appliedBefore !== undefined) query = query.where('applied_at', 'is not', null).where('applied_at', '<', q.appliedBefore).orderBy('applied_at', 'desc');
      const rows = await query.orderBy('requested_at', 'desc').orderBy('id').limit(q.limit).execute();
      return rows.map(fromRow);
    },
    async approvedChanges(kind, target, orgId) {
      const query = db.selectFrom('change_requests').selectAll().where('kind', '=', kind).where('status', '=', 'approved').where('target', '=', target);
      const rows = await (orgId === null ? query.where('org_id', 'is', null) : query.where('org_id', '=', orgId)).execute();
      return rows.map(fromRow);
    },
    async unreviewedEmergencies() {
      const rows = await db.selectFrom('change_requests').selectAll().where('emergency', '=', 1).where('reviewed_at', 'is', null).execute();
      return rows.map(fromRow);
    },
  };
}

function toRow(c: ChangeRequest): Row {
  return {
    id: c.id,
    org_id: c.orgId,
    kind: c.kind,
    target: c.target,
    payload: JSON.stringify(c.payload),
    summary: c.summary,
    status: c.status,
    emergency: c.emergency ? 1 : 0,
    requested_by: c.requestedBy,
    requested_at: c.requestedAt,
    decided_by: c.decidedBy,
    decided_at: c.decidedAt,
    decision_note: c.decisionNote,
    applied_at: c.appliedAt,
    review_due_at: c.reviewDueAt,
    reviewed_by: c.reviewedBy,
    reviewed_at: c.reviewedAt,
    audit_seqs: JSON.stringify(c.audit),
  };
}

function fromRow(r: Row): ChangeRequest {
  return {
    id: r.id,
    orgId: r.org_id,
    kind: r.kind as ChangeKind,
    target: r.target,
    payload: JSON.parse(r.payload) as Record<string, PayloadValue>,
    summary: r.summary,
    status: r.status as ChangeStatus,
    emergency: Number(r.emergency) === 1,
    requestedBy: r.requested_by,
    requestedAt: r.requested_at,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    decisionNote: r.decision_note,
    appliedAt: r.applied_at,
    reviewDueAt: r.review_due_at,
    reviewedBy: r.reviewed_by,
    reviewedAt: r.reviewed_at,
    audit: JSON.parse(r.audit_seqs) as ChangeRequest['audit'],
  };
}
