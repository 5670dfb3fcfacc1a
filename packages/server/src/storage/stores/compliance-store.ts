/**
 * The compliance finding store over kysely: audit runs and findings.
 * Findings are platform data (org_id null for platform-wide ones); the service filters by the
 * caller's organization (listFindings with an orgId returns that org's and platform-wide ones).
 */
import type { AuditRun, Finding, FindingStatus, FindingStore, Mitigation, Severity, Suppression } from '../../compliance/index.js';
import type { Executor } from '../sql-database.js';
import { chunks, keysetPages } from './keyset-pages.js';
import type { ComplianceTables } from '../tables.js';

type FindingRow = ComplianceTables['compliance_findings'];
type RunRow = ComplianceTables['compliance_runs'];

const IN_CHUNK = 500;
/** Rows per page of a large read. */
const PAGE = 5000;

export function findingStore(db: Executor): FindingStore {
  return {
    async insertRun(run) {
      await db
        .insertInto('compliance_runs')
        .values({ id: run.id, cadence: run.cadence, started_at: run.startedAt, finished_at: run.finishedAt, actor: run.actor, results: JSON.stringify(run.results), counts: JSON.stringify(run.counts) })
        .execute();
    },
    async listRuns(limit) {
      const rows = await db.selectFrom('compliance_runs').selectAll().orderBy('finished_at', 'desc').orderBy('id').limit(limit).execute();
      return rows.map(runFromRow);
    },
    async findRun(id) {
      const row = await db.selectFrom('compliance_runs').selectAll().where('id', '=', id).executeTakeFirst();
      return row && runFromRow(row);
    },
    async findingsOfChecks(checkIds) {
      const out: Finding[] = [];
      for (const chunk of chunks(checkIds, IN_CHUNK)) {
        // Keyset pages by id: a synchronous read of 100,000 findings would hold the event loop.
        const read = (after: string) => db.selectFrom('compliance_findings').selectAll().where('check_id', 'in', chunk).where('id', '>', after).orderBy('id').limit(PAGE).execute();
        for await (const rows of keysetPages(read, (r) => r.id, PAGE)) for (const row of rows) out.push(findingFromRow(row));
      }
      return out;
    },
    async findingsUpdatedSince(checkIds, at) {
      const out: Finding[] = [];
      for (const chunk of chunks(checkIds, IN_CHUNK)) {
        const rows = await db.selectFrom('compliance_findings').selectAll().where('check_id', 'in', chunk).where('updated_at', '>=', at).execute();
        for (const row of rows) out.push(findingFromRow(row));
      }
      return out;
    },
    async touchFindings(checkIds, runId, at) {
      for (const chunk of chunks(checkIds, IN_CHUNK)) {
        await db.updateTable('compliance_findings').set({ last_seen_at: at, last_run_id: runId }).where('check_id', 'in', chunk).where('status', '<>', 'resolved').execute();
      }
    },
    async upsertFindings(findings) {
      for (let i = 0; i < findings.length; i += 200) {
        const rows = findings.slice(i, i + 200).map(findingToRow);
        if (rows.length === 0) continue;
        await db
          .insertInto('compliance_findings')
          .values(rows)
          .onConflict((oc) =>
            oc.column('id').doUpdateSet((eb) => ({
              severity: eb.ref('excluded.severity'),
              status: eb.ref('excluded.status'),
              detail: eb.ref('excluded.detail'),
              last_seen_at: eb.ref('excluded.last_seen_at'),
              last_run_id: eb.ref('excluded.last_run_id'),
              resolved_at: eb.ref('excluded.resolved_at'),
              reopened_count: eb.ref('excluded.reopened_count'),
              suppression: eb.ref('excluded.suppression'),
              suppression_expires_at: eb.ref('excluded.suppression_expires_at'),
              mitigation: eb.ref('excluded.mitigation'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
    },
    async listFindings(q) {
      let query = db.selectFrom('compliance_findings').selectAll();
      if (q.orgId !== null) {
        const orgId = q.orgId;
        query = query.where((eb) => eb.or([eb('org_id', '=', orgId), eb('org_id', 'is', null)]));
      }
      if (q.status !== undefined) query = query.where('status', '=', q.status);
      if (q.checkId !== undefined) query = query.where('check_id', '=', q.checkId);
      if (q.severity !== undefined) query = query.where('severity', '=', q.severity);
      const rows = await query.orderBy('updated_at', 'desc').orderBy('id').limit(q.limit).execute();
      return rows.map(findingFromRow);
    },
    async findFinding(id) {
      const row = await db.selectFrom('compliance_findings').selectAll().where('id', '=', id).executeTakeFirst();
      return row && findingFromRow(row);
    },
    async expiredSuppressions(at) {
      const rows = await db.selectFrom('compliance_findings').selectAll().where('status', '=', 'suppressed').where('suppression_expires_at', '<=', at).execute();
      return rows.map(findingFromRow);
    },
  };
}

function runFromRow(row: RunRow): AuditRun {
  return {
    id: row.id,
    cadence: row.cadence === 'daily' ? 'daily' : 'full',
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    actor: row.actor,
    results: JSON.parse(row.results) as AuditRun['results'],
    counts: JSON.parse(row.counts) as AuditRun['counts'],
  };
}

function findingToRow(f: Finding): FindingRow {
  return {
    id: f.id,
    check_id: f.checkId,
    resource_type: f.resourceType,
    resource_id: f.resourceId,
    org_id: f.orgId,
    severity: f.severity,
    status: f.status,
    detail: f.detail,
    first_seen_at: f.firstSeenAt,
    last_seen_at: f.lastSeenAt,
    last_run_id: f.lastRunId,
    resolved_at: f.resolvedAt,
    reopened_count: f.reopenedCount,
    suppression: f.suppression === null ? null : JSON.stringify(f.suppression),
    suppression_expires_at: f.suppression?.expiresAt ?? null,
    mitigation: f.mitigation === null ? null : JSON.stringify(f.mitigation),
    updated_at: f.updatedAt,
  };
}

function findingFromRow(row: FindingRow): Finding {
  return {
    id: row.id,
    checkId: row.check_id,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    orgId: row.org_id,
    severity: row.severity as Severity,
    status: row.status as FindingStatus,
    detail: row.detail,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    lastRunId: row.last_run_id,
    resolvedAt: row.resolved_at,
    reopenedCount: Number(row.reopened_count),
    suppression: row.suppression === null ? null : (JSON.parse(row.suppression) as Suppression),
    mitigation: row.mitigation === null ? null : (JSON.parse(row.mitigation) as Mitigation),
    updatedAt: row.updated_at,
  };
}
