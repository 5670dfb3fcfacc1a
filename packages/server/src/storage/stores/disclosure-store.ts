/**
 * The disclosures module's store over kysely (both dialects): disclosures (content sealed by the
 * service) and agency suspensions. Every query of tenant data filters by org_id.
 */
import type { AccountablePurpose, DisclosureStore, StatementKind, Suspension } from '../../disclosures/index.js';
import type { Executor } from '../sql-database.js';

export function disclosureStore(db: Executor): DisclosureStore {
  return {
    async insert(row) {
      await db
        .insertInto('disclosures')
        .values({
          id: row.id,
          org_id: row.orgId,
          patient_id: row.patientId,
          disclosed_at: row.disclosedAt,
          purpose: row.purpose,
          content_sealed: row.contentSealed,
          recorded_at: row.recordedAt,
          recorded_by: row.recordedBy,
        })
        .execute();
    },
    async listForPatient(orgId, patientId, range, limit) {
      const rows = await db
        .selectFrom('disclosures')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('patient_id', '=', patientId)
        .where('disclosed_at', '>=', range.from)
        .where('disclosed_at', '<=', range.to)
        .orderBy('disclosed_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        orgId: r.org_id,
        patientId: r.patient_id,
        disclosedAt: r.disclosed_at,
        purpose: r.purpose as AccountablePurpose,
        contentSealed: r.content_sealed,
        recordedAt: r.recorded_at,
        recordedBy: r.recorded_by,
      }));
    },
    async insertSuspension(s) {
      await db
        .insertInto('disclosure_suspensions')
        .values({
          id: s.id,
          org_id: s.orgId,
          patient_id: s.patientId,
          agency: s.agency,
          official: s.official,
          statement_kind: s.statementKind,
          statement: s.statement,
          starts_at: s.startsAt,
          ends_at: s.endsAt,
          recorded_at: s.recordedAt,
          recorded_by: s.recordedBy,
        })
        .execute();
    },
    async suspensionsFor(orgId, patientId) {
      const rows = await db
        .selectFrom('disclosure_suspensions')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('patient_id', '=', patientId)
        .orderBy('starts_at', 'desc')
        .orderBy('id')
        .execute();
      return rows.map(
        (r): Suspension => ({
          id: r.id,
          orgId: r.org_id,
          patientId: r.patient_id,
          agency: r.agency,
          official: r.official,
          statementKind: r.statement_kind as StatementKind,
          statement: r.statement,
          startsAt: r.starts_at,
          endsAt: r.ends_at,
          recordedAt: r.recorded_at,
          recordedBy: r.recorded_by,
        }),
      );
    },
    async prune(cutoff) {
      const d = await db.deleteFrom('disclosures').where('disclosed_at', '<', cutoff).executeTakeFirst();
      const s = await db.deleteFrom('disclosure_suspensions').where('ends_at', '<', cutoff).executeTakeFirst();
      return { disclosures: Number(d.numDeletedRows), suspensions: Number(s.numDeletedRows) };
    },
  };
}
