/**
 * IncidentStore and the incident TimelineSource over kysely (SQLite and PostgreSQL).
 *
 * MUST: every query filters by org_id (the timeline reads only the incident's organization).
 * MUST: the timeline reads use the (org_id, actor_id|target_id|source, time) indexes of 0020 and
 *       the (org_id, user_id|device_id, time) / (source, time) indexes of 0007: one range scan per
 *       seed, merged here, never a scan of the whole organization's log.
 */
import type { ContainmentAction, Incident, IncidentSettings, IncidentStore, LinkedAlert, Playbook, SourceBlock, TimelineAuditRow, TimelineQuery, TimelineSecurityRow, TimelineSource } from '../../incidents/index.js';
import { DEFAULT_INCIDENT_SETTINGS } from '../../incidents/index.js';
import type { Executor } from '../sql-database.js';
import type { IncidentTables, SecurityAlertsTable } from '../tables.js';

type Row = IncidentTables['incidents'];

function parse<T>(text: string): T {
  return JSON.parse(text) as T;
}

function toRow(i: Incident): Row {
  return {
    id: i.id,
    org_id: i.orgId,
    title: i.title,
    type: i.type,
    severity: i.severity,
    status: i.status,
    origin: i.origin,
    commander_id: i.commanderId,
    responder_ids: JSON.stringify(i.responderIds),
    alert_ids: JSON.stringify(i.alertIds),
    seeds: JSON.stringify(i.seeds),
    discovered_at: i.discoveredAt,
    opened_at: i.openedAt,
    updated_at: i.updatedAt,
    closed_at: i.closedAt,
    playbook_id: i.playbook.id,
    playbook_version: i.playbook.version,
    checklist: JSON.stringify(i.checklist),
    notes_sealed: i.notesSealed,
  };
}

function fromRow(r: Row): Incident {
  return {
    id: r.id,
    orgId: r.org_id,
    title: r.title,
    type: r.type as Incident['type'],
    severity: r.severity as Incident['severity'],
    status: r.status as Incident['status'],
    origin: r.origin as Incident['origin'],
    commanderId: r.commander_id,
    responderIds: parse(r.responder_ids),
    alertIds: parse(r.alert_ids),
    seeds: parse(r.seeds),
    discoveredAt: r.discovered_at,
    openedAt: r.opened_at,
    updatedAt: r.updated_at,
    closedAt: r.closed_at,
    playbook: { id: r.playbook_id, version: Number(r.playbook_version) },
    checklist: parse(r.checklist),
    notesSealed: r.notes_sealed,
  };
}

export function incidentStore(db: Executor): IncidentStore {
  return {
    async insert(incident) {
      await db.insertInto('incidents').values(toRow(incident)).execute();
    },
    async update(incident) {
      const { id, org_id, ...rest } = toRow(incident);
      await db.updateTable('incidents').set(rest).where('id', '=', id).where('org_id', '=', org_id).execute();
    },
    async get(orgId, id) {
      const row = await db.selectFrom('incidents').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    async list(orgId, filter) {
      let q = db.selectFrom('incidents').selectAll().where('org_id', '=', orgId);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      const rows = await q.orderBy('opened_at', 'desc').orderBy('id').limit(filter.limit).execute();
      return rows.map(fromRow);
    },
    async newestOpenSince(orgId, since, origin) {
      const row = await db
        .selectFrom('incidents')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('opened_at', '>=', since)
        .where('origin', '=', origin)
        .where('status', '!=', 'closed')
        .orderBy('opened_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    async settings(orgId) {
      const row = await db.selectFrom('incident_settings').select('body').where('org_id', '=', orgId).executeTakeFirst();
      return row ? { ...DEFAULT_INCIDENT_SETTINGS, ...parse<Partial<IncidentSettings>>(row.body) } : DEFAULT_INCIDENT_SETTINGS;
    },
    async putSettings(orgId, settings) {
      const body = JSON.stringify(settings);
      await db.insertInto('incident_settings').values({ org_id: orgId, body }).onConflict((oc) => oc.column('org_id').doUpdateSet({ body })).execute();
    },
    async playbook(orgId, id) {
      const row = await db.selectFrom('incident_playbooks').select('body').where('org_id', '=', orgId).where('id', '=', id).orderBy('version', 'desc').limit(1).executeTakeFirst();
      return row ? parse<Playbook>(row.body) : undefined;
    },
    async putPlaybook(orgId, playbook, at, by) {
      await db.insertInto('incident_playbooks').values({ org_id: orgId, id: playbook.id, version: playbook.version, body: JSON.stringify(playbook), created_at: at, created_by: by }).execute();
    },
    async insertBlock(b) {
      await db.insertInto('incident_source_blocks').values({ id: b.id, org_id: b.orgId, incident_id: b.incidentId, cidr: b.cidr, created_at: b.createdAt, expires_at: b.expiresAt, created_by: b.createdBy }).execute();
    },
    async activeBlocks(now) {
      const rows = await db.selectFrom('incident_source_blocks').selectAll().where('expires_at', '>', now).orderBy('created_at').limit(10_000).execute();
      return rows.map((r): SourceBlock => ({ id: r.id, orgId: r.org_id, incidentId: r.incident_id, cidr: r.cidr, createdAt: r.created_at, expiresAt: r.expires_at, createdBy: r.created_by }));
    },
    async insertAction(a) {
      await db.insertInto('incident_actions').values(actionRow(a)).execute();
    },
    async updateAction(a) {
      const { id, org_id, ...rest } = actionRow(a);
      await db.updateTable('incident_actions').set(rest).where('id', '=', id).where('org_id', '=', org_id).execute();
    },
    async claimApproval(orgId, id, approvedBy) {
      const result = await db
        .updateTable('incident_actions')
        .set({ approved_by: approvedBy })
        .where('id', '=', id)
        .where('org_id', '=', orgId)
        .where('status', '=', 'pending-approval')
        .where('approved_by', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async action(orgId, id) {
      const row = await db.selectFrom('incident_actions').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return row ? actionFromRow(row) : undefined;
    },
    async actions(orgId, incidentId) {
      const rows = await db.selectFrom('incident_actions').selectAll().where('org_id', '=', orgId).where('incident_id', '=', incidentId).orderBy('created_at').orderBy('id').execute();
      return rows.map(actionFromRow);
    },
  };
}

type ActionRow = IncidentTables['incident_actions'];

function actionRow(a: ContainmentAction): ActionRow {
  return {
    id: a.id,
    org_id: a.orgId,
    incident_id: a.incidentId,
    kind: a.kind,
    targets: JSON.stringify(a.targets),
    status: a.status,
    requested_by: a.requestedBy,
    approved_by: a.approvedBy,
    created_at: a.createdAt,
    completed_at: a.completedAt,
    results: JSON.stringify(a.results),
    reason_sealed: a.reasonSealed,
    options: JSON.stringify(a.options),
  };
}

function actionFromRow(r: ActionRow): ContainmentAction {
  return {
    id: r.id,
    orgId: r.org_id,
    incidentId: r.incident_id,
    kind: r.kind as ContainmentAction['kind'],
    targets: parse(r.targets),
    status: r.status as ContainmentAction['status'],
    requestedBy: r.requested_by,
    approvedBy: r.approved_by,
    createdAt: r.created_at,
    completedAt: r.completed_at,
    results: parse(r.results),
    reasonSealed: r.reason_sealed ?? null,
    options: r.options === null || r.options === undefined ? {} : parse(r.options),
  };
}

function linked(r: SecurityAlertsTable): LinkedAlert {
  return { id: r.id, orgId: r.org_id, detector: r.detector, severity: r.severity, title: r.title, subject: { kind: r.subject_kind, id: r.subject_id }, firstSeenAt: r.first_seen_at, lastSeenAt: r.last_seen_at };
}

function details(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const BATCH = 500;
function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

/**
 * The `limit` oldest rows of several lists each in time order (a k-way merge), without duplicates
 * (by `key`, when there is one). Each seed's query is bounded by the limit, so the lists hold at most seeds × limit rows.
 */
function oldest<R extends { time: string }>(lists: readonly (readonly R[])[], key: ((r: R) => string | number) | null, limit: number): R[] {
  const heads = lists.map(() => 0);
  const seen = new Set<string | number>();
  const out: R[] = [];
  while (out.length < limit) {
    let best = -1;
    let bestTime = '';
    for (let i = 0; i < lists.length; i += 1) {
      const r = lists[i]?.[heads[i] ?? 0];
      if (r !== undefined && (best < 0 || r.time < bestTime)) {
        best = i;
        bestTime = r.time;
      }
    }
    if (best < 0) break;
    const r = lists[best]?.[heads[best] ?? 0] as R;
    heads[best] = (heads[best] ?? 0) + 1;
    if (key !== null) {
      const k = key(r);
      if (seen.has(k)) continue;
      seen.add(k);
    }
    out.push(r);
  }
  return out;
}

/** How one column's seed values are read, each through its (org_id, column, time) index in time order. */
interface SeedReads<R> {
  /** Rows of the value in the window up to `until`, oldest first, at most `limit`. */
  rows(value: string, until: string): Promise<R[]>;
  /** How many rows the value has in the window (from the index alone). */
  count(value: string): Promise<number>;
  /** The times of the value's oldest `limit` rows (from the index alone). */
  times(value: string): Promise<string[]>;
}

/**
 * The `limit` oldest rows of all the values, as one `column IN (values) ORDER BY time LIMIT n`
 * would answer, but read per value with an equality on the index's second column: an index
 * range scan in time order, with no sort, on SQLite and PostgreSQL alike. (One `IN` query of
 * many seeds made SQLite's planner walk the time index over the whole window instead; see
 * docs/incidents.md, Bench.) When the values hold more than `limit` rows together, the time of
 * the limit-th oldest is found first from the index alone, and only rows up to it are read.
 */
async function oldestOf<R extends { time: string }>(values: readonly string[], reads: SeedReads<R>, key: (r: R) => string | number, limit: number, to: string): Promise<R[]> {
  let present = [...new Set(values)];
  let until = to;
  if (present.length > 1) {
    const counts = await Promise.all(present.map((v) => reads.count(v)));
    present = present.filter((_, i) => (counts[i] ?? 0) > 0);
    if (counts.reduce((a, b) => a + b, 0) > limit) {
      const times = await Promise.all(present.map((v) => reads.times(v)));
      until = oldest(times.map((list) => list.map((time) => ({ time }))), null, limit).at(-1)?.time ?? to;
    }
  }
  return oldest(await Promise.all(present.map((v) => reads.rows(v, until))), key, limit);
}

export function incidentTimelineSource(db: Executor): TimelineSource {
  const auditReads = (q: TimelineQuery, column: 'actor_id' | 'target_id' | 'source') => {
    const scope = (value: string, until = q.to) => db.selectFrom('audit_events').where('org_id', '=', q.orgId).where(column, '=', value).where('time', '>=', q.from).where('time', '<=', until);
    return {
      rows: (value, until) => scope(value, until).select(['seq', 'time', 'actor_kind', 'actor_id', 'action', 'target_type', 'target_id', 'outcome', 'reason', 'source', 'details']).orderBy('time').limit(q.limit).execute(),
      count: async (value) => Number((await scope(value).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst())?.n ?? 0),
      times: async (value) => (await scope(value).select('time').orderBy('time').limit(q.limit).execute()).map((r) => r.time),
    } satisfies SeedReads<{ time: string }>;
  };
  const eventReads = (q: TimelineQuery, column: 'user_id' | 'device_id' | 'source') => {
    // security_events_source_time is (source, time): there the organization is a filter, not an index column.
    const scope = (value: string, until = q.to) => db.selectFrom('security_events').where(column, '=', value).where('time', '>=', q.from).where('time', '<=', until).where('org_id', '=', q.orgId);
    return {
      rows: (value, until) => scope(value, until).selectAll().orderBy('time').limit(q.limit).execute(),
      count: async (value) => Number((await scope(value).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst())?.n ?? 0),
      times: async (value) => (await scope(value).select('time').orderBy('time').limit(q.limit).execute()).map((r) => r.time),
    } satisfies SeedReads<{ time: string }>;
  };
  return {
    async auditEvents(q: TimelineQuery) {
      const ids = [...q.userIds, ...q.deviceIds];
      const key = (r: { seq: number | string | bigint }) => Number(r.seq);
      // Per column, the `limit` oldest rows (as before: one limit per column); then their union.
      const lists = await Promise.all([oldestOf(ids, auditReads(q, 'actor_id'), key, q.limit, q.to), oldestOf(ids, auditReads(q, 'target_id'), key, q.limit, q.to), oldestOf(q.sources, auditReads(q, 'source'), key, q.limit, q.to)]);
      return oldest(lists, key, 3 * q.limit)
        .map((r): TimelineAuditRow => ({ seq: Number(r.seq), time: r.time, actorKind: r.actor_kind, actorId: r.actor_id, action: r.action, targetType: r.target_type, targetId: r.target_id, outcome: r.outcome, reason: r.reason, source: r.source, details: details(r.details) }))
        .sort((a, b) => a.seq - b.seq);
    },
    async securityEvents(q: TimelineQuery) {
      const key = (r: { id: string }) => r.id;
      const lists = await Promise.all([oldestOf(q.userIds, eventReads(q, 'user_id'), key, q.limit, q.to), oldestOf(q.deviceIds, eventReads(q, 'device_id'), key, q.limit, q.to), oldestOf(q.sources, eventReads(q, 'source'), key, q.limit, q.to)]);
      return oldest(lists, key, 3 * q.limit).map((r): TimelineSecurityRow => ({ id: r.id, time: r.time, type: r.type, severity: r.severity, reason: r.reason, userId: r.user_id, deviceId: r.device_id, patientId: r.patient_id, source: r.source, details: details(r.details) }));
    },
    async alerts(orgId, ids) {
      if (ids.length === 0) return [];
      const out: LinkedAlert[] = [];
      for (const part of chunks(ids)) {
        const rows = await db.selectFrom('security_alerts').selectAll().where('org_id', '=', orgId).where('id', 'in', part).execute();
        out.push(...rows.map(linked));
      }
      return out;
    },
    async alertsOnSubjects(q) {
      const subjects = [...q.userIds, ...q.deviceIds, ...q.sources];
      if (subjects.length === 0) return [];
      const out: LinkedAlert[] = [];
      for (const part of chunks(subjects)) {
        const rows = await db.selectFrom('security_alerts').selectAll().where('org_id', '=', q.orgId).where('subject_id', 'in', part).where('last_seen_at', '>=', q.from).limit(q.limit).execute();
        out.push(...rows.map(linked));
      }
      return out;
    },
    async alertSources(orgId, alertIds) {
      if (alertIds.length === 0) return [];
      const eventIds: string[] = [];
      for (const part of chunks(alertIds)) {
        const rows = await db.selectFrom('security_alerts').select('evidence').where('org_id', '=', orgId).where('id', 'in', part).execute();
        for (const r of rows) {
          const ids = (details(r.evidence)['securityEventIds'] ?? []) as unknown;
          if (Array.isArray(ids)) eventIds.push(...ids.filter((x): x is string => typeof x === 'string'));
        }
      }
      const sources = new Set<string>();
      for (const part of chunks(eventIds)) {
        const rows = await db.selectFrom('security_events').select(['source']).where('org_id', '=', orgId).where('id', 'in', part).where('user_id', 'is not', null).where('source', 'is not', null).execute();
        for (const r of rows) if (r.source !== null) sources.add(r.source);
      }
      return [...sources];
    },
  };
}

/** The organization of an incident id, for CLI and system principals (which name no organization). */
export function incidentLocator(db: Executor): (id: string) => Promise<string | undefined> {
  return async (id) => (await db.selectFrom('incidents').select('org_id').where('id', '=', id).executeTakeFirst())?.org_id;
}
