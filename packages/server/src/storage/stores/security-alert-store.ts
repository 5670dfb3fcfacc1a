/**
 * SecurityAlertStore over kysely (SQLite and PostgreSQL): security alerts, the filtered query of
 * the security event stream, and the silence detector's read of devices' last-seen times.
 *
 * MUST: every query of tenant data filters by org_id when the caller gives one (the service gives
 *       the principal's organization; only a platform-admin's query spans organizations).
 */
import { sql, type RawBuilder } from 'kysely';
import type {
  SecurityAlert,
  SecurityAlertSortKey,
  SecurityAlertStore,
  SecurityEventSortKey,
  AlertSeverity,
  AlertStatus,
  SubjectKind,
} from '../../alerts/index.js';
import { afterCursor, keysetOrder } from '../keyset.js';
import type { Executor } from '../sql-database.js';
import type { SecurityAlertsTable } from '../tables.js';
import { securityEventFromRow } from './security-event-store.js';

const SEVERITY_RANK = sql`(case severity when 'critical' then 4 when 'high' then 3 when 'medium' then 2 when 'low' then 1 else 0 end)`;

/** The sort expressions (never NULL: see keyset.ts); severity by rank. */
const ALERT_SORT_COLUMNS: Readonly<Record<SecurityAlertSortKey, RawBuilder<unknown>>> = {
  lastSeenAt: sql`last_seen_at`,
  firstSeenAt: sql`first_seen_at`,
  severity: SEVERITY_RANK,
  status: sql`status`,
  count: sql`count`,
  detector: sql`detector`,
};
const EVENT_SORT_COLUMNS: Readonly<Record<SecurityEventSortKey, RawBuilder<unknown>>> = {
  time: sql`time`,
  type: sql`type`,
  severity: SEVERITY_RANK,
};

export function securityAlertStore(db: Executor): SecurityAlertStore {
  return {
    async insert(alert) {
      await db.insertInto('security_alerts').values(toRow(alert)).execute();
    },
    async update(alert) {
      const { id, ...rest } = toRow(alert);
      await db.updateTable('security_alerts').set(rest).where('id', '=', id).execute();
    },
    async get(id) {
      const row = await db.selectFrom('security_alerts').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    async findActive(orgId, detector, subject, since) {
      let q = db
        .selectFrom('security_alerts')
        .selectAll()
        .where('detector', '=', detector)
        .where('subject_kind', '=', subject.kind)
        .where('subject_id', '=', subject.id)
        .where('last_seen_at', '>=', since)
        .where('status', '!=', 'resolved');
      q = orgId === null ? q.where('org_id', 'is', null) : q.where('org_id', '=', orgId);
      const row = await q.orderBy('last_seen_at', 'desc').limit(1).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    async list(query) {
      let q = db.selectFrom('security_alerts').selectAll();
      if (query.orgIds !== undefined) {
        const ids = query.orgIds.filter((o): o is string => o !== null);
        const withNull = query.orgIds.includes(null);
        if (ids.length === 0 && !withNull) return [];
        q = q.where((eb) => {
          const parts = [];
          if (ids.length > 0) parts.push(eb('org_id', 'in', ids));
          if (withNull) parts.push(eb('org_id', 'is', null));
          return eb.or(parts);
        });
      }
      if (query.status !== undefined) q = q.where('status', '=', query.status);
      if (query.severity !== undefined) q = q.where('severity', '=', query.severity);
      if (query.detector !== undefined) q = q.where('detector', '=', query.detector);
      if (query.severities !== undefined && query.severities.length > 0) q = q.where('severity', 'in', [...query.severities]);
      const page = query.page;
      if (page === undefined) return (await q.orderBy('last_seen_at', 'desc').orderBy('id').limit(query.limit).execute()).map(fromRow);
      const columns = { sort: ALERT_SORT_COLUMNS[page.sort], id: sql`id` };
      const after = afterCursor(page, columns);
      if (after !== null) q = q.where(after);
      return (await q.orderBy(keysetOrder(page, columns)).limit(page.limit + 1).execute()).map(fromRow);
    },
    async events(query) {
      let q = db.selectFrom('security_events').selectAll();
      if (query.orgId === null) q = q.where('org_id', 'is', null);
      else if (query.orgId !== undefined) q = q.where('org_id', '=', query.orgId);
      if (query.type !== undefined) q = q.where('type', '=', query.type);
      if (query.userId !== undefined) q = q.where('user_id', '=', query.userId);
      if (query.deviceId !== undefined) q = q.where('device_id', '=', query.deviceId);
      if (query.source !== undefined) q = q.where('source', '=', query.source);
      if (query.from !== undefined) q = q.where('time', '>=', query.from);
      if (query.to !== undefined) q = q.where('time', '<', query.to);
      if (query.severities !== undefined && query.severities.length > 0) q = q.where('severity', 'in', [...query.severities]);
      const page = query.page;
      if (page === undefined) return (await q.orderBy('time', 'desc').orderBy('id').limit(query.limit).execute()).map(securityEventFromRow);
      const columns = { sort: EVENT_SORT_COLUMNS[page.sort], id: sql`id` };
      const after = afterCursor(page, columns);
      if (after !== null) q = q.where(after);
      return (await q.orderBy(keysetOrder(page, columns)).limit(page.limit + 1).execute()).map(securityEventFromRow);
    },
    async seenBefore(before, limit) {
      const rows = await db
        .selectFrom('devices')
        .select(['id', 'org_id', 'model', 'last_seen_at'])
        .where('status', '=', 'active')
        .where('last_seen_at', 'is not', null)
        .where('last_seen_at', '<', before)
        .orderBy('last_seen_at')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ deviceId: r.id, orgId: r.org_id, model: r.model, lastSeenAt: r.last_seen_at ?? before }));
    },
  };
}

function toRow(a: SecurityAlert): SecurityAlertsTable {
  return {
    id: a.id,
    org_id: a.orgId,
    detector: a.detector,
    severity: a.severity,
    title: a.title,
    summary: a.summary,
    subject_kind: a.subject.kind,
    subject_id: a.subject.id,
    count: a.count,
    first_seen_at: a.firstSeenAt,
    last_seen_at: a.lastSeenAt,
    status: a.status,
    assignee: a.assignee,
    suppressed_reason: a.suppressedReason,
    notes: JSON.stringify(a.notes),
    evidence: JSON.stringify(a.evidence),
  };
}

function fromRow(r: SecurityAlertsTable): SecurityAlert {
  return {
    id: r.id,
    orgId: r.org_id,
    detector: r.detector,
    severity: r.severity as AlertSeverity,
    title: r.title,
    summary: r.summary,
    subject: { kind: r.subject_kind as SubjectKind, id: r.subject_id },
    count: Number(r.count),
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    status: r.status as AlertStatus,
    assignee: r.assignee,
    suppressedReason: r.suppressed_reason,
    notes: JSON.parse(r.notes) as SecurityAlert['notes'],
    evidence: JSON.parse(r.evidence) as SecurityAlert['evidence'],
  };
}
