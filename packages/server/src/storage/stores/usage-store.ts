/**
 * UsageStore over kysely: request counters (upsert per hourly bucket) and report queries over
 * audit_events, users, telemetry_readings and usage_request_buckets.
 *
 * MUST: every query filters by org_id. Buckets group by a prefix of ISO-8601 UTC text
 *       (substr(time, 1, 13) for hours, 10 for days), the same on SQLite and PostgreSQL.
 */
import { sql, type RawBuilder } from 'kysely';
import { bucketPrefixLength, DISCLOSURE_VERBS, type UsageInterval, type UsageStore } from '../../compliance/index.js';
import type { Executor } from '../sql-database.js';

const LOGIN = 'identity.login.attempt';

/** SQL LIKE patterns of disclosure actions ('%.read', ...); the service re-checks precisely. */
const DISCLOSURE_PATTERNS = DISCLOSURE_VERBS.map((verb) => `%.${verb}`);

export function usageStore(db: Executor): UsageStore {
  const bucket = (column: string, interval: UsageInterval) => sql<string>`substr(${sql.ref(column)}, 1, ${sql.lit(bucketPrefixLength(interval))})`;
  /** One aggregate over the organization's telemetry messages (first reading of each) per time bucket. */
  const messageBuckets = async (orgId: string, range: { from: string; to: string }, interval: UsageInterval, aggregate: RawBuilder<number>) => {
    const rows = await db
      .selectFrom('telemetry_readings')
      .select([bucket('received_at', interval).as('bucket'), aggregate.as('value')])
      .where('org_id', '=', orgId)
      .where('idx', '=', 0)
      .where('received_at', '>=', range.from)
      .where('received_at', '<=', range.to)
      .groupBy(bucket('received_at', interval))
      .execute();
    return rows.map((r) => ({ bucket: r.bucket, value: Number(r.value) }));
  };
  return {
    async addRequestCounts(counts) {
      for (const c of counts) {
        await db
          .insertInto('usage_request_buckets')
          .values({ hour: c.hour, org_id: c.orgId, user_id: c.userId, method: c.method, route: c.route, status_class: c.statusClass, count: c.count })
          .onConflict((oc) =>
            oc.columns(['hour', 'org_id', 'user_id', 'method', 'route', 'status_class']).doUpdateSet({ count: sql<number>`usage_request_buckets.count + ${c.count}` }),
          )
          .execute();
      }
    },

    async userActivity(orgId, range) {
      const users = await db.selectFrom('users').select(['id', 'username']).where('org_id', '=', orgId).orderBy('username').execute();
      const logins = await db
        .selectFrom('audit_events')
        .select(['target_id', 'outcome', sql<number>`count(*)`.as('n')])
        .where('org_id', '=', orgId)
        .where('action', '=', LOGIN)
        .where('target_type', '=', 'user')
        .where('time', '>=', range.from)
        .where('time', '<=', range.to)
        .groupBy(['target_id', 'outcome'])
        .execute();
      const reads = await db
        .selectFrom('audit_events')
        .select(['actor_id', sql<number>`count(*)`.as('n')])
        .where('org_id', '=', orgId)
        .where('actor_kind', '=', 'user')
        .where('target_type', '=', 'patient')
        .where('outcome', '=', 'success')
        .where((eb) => eb.or(DISCLOSURE_PATTERNS.map((p) => eb('action', 'like', p))))
        .where('time', '>=', range.from)
        .where('time', '<=', range.to)
        .groupBy('actor_id')
        .execute();
      const active = await db
        .selectFrom('audit_events')
        .select(['actor_id', sql<string>`max(time)`.as('last')])
        .where('org_id', '=', orgId)
        .where('actor_kind', '=', 'user')
        .where('time', '>=', range.from)
        .where('time', '<=', range.to)
        .groupBy('actor_id')
        .execute();
      const calls = await db
        .selectFrom('usage_request_buckets')
        .select(['user_id', sql<number>`sum(count)`.as('n'), sql<string>`max(hour)`.as('last')])
        .where('org_id', '=', orgId)
        .where('hour', '>=', floorHour(range.from))
        .where('hour', '<=', range.to)
        .groupBy('user_id')
        .execute();
      const loginsOf = (userId: string, outcome: string) => Number(logins.find((r) => r.target_id === userId && r.outcome === outcome)?.n ?? 0);
      return users.map((u) => {
        const lastAudit = active.find((a) => a.actor_id === u.id)?.last ?? null;
        const callRow = calls.find((c) => c.user_id === u.id);
        const lastCall = callRow?.last ?? null;
        return {
          userId: u.id,
          username: u.username,
          logins: loginsOf(u.id, 'success'),
          failedLogins: loginsOf(u.id, 'failure'),
          apiCalls: Number(callRow?.n ?? 0),
          phiReads: Number(reads.find((r) => r.actor_id === u.id)?.n ?? 0),
          lastActiveAt: lastAudit === null ? lastCall : lastCall === null || lastAudit > lastCall ? lastAudit : lastCall,
        };
      });
    },

    async loginsPerBucket(orgId, range, interval) {
      const rows = await db
        .selectFrom('audit_events')
        .select([bucket('time', interval).as('bucket'), sql<number>`count(*)`.as('value')])
        .where('org_id', '=', orgId)
        .where('action', '=', LOGIN)
        .where('outcome', '=', 'success')
        .where('time', '>=', range.from)
        .where('time', '<=', range.to)
        .groupBy(bucket('time', interval))
        .execute();
      return rows.map((r) => ({ bucket: r.bucket, value: Number(r.value) }));
    },

    async apiCallsPerBucket(orgId, range, interval) {
      const rows = await db
        .selectFrom('usage_request_buckets')
        .select([bucket('hour', interval).as('bucket'), sql<number>`sum(count)`.as('value')])
        .where('org_id', '=', orgId)
        .where('hour', '>=', floorHour(range.from))
        .where('hour', '<=', range.to)
        .groupBy(bucket('hour', interval))
        .execute();
      return rows.map((r) => ({ bucket: r.bucket, value: Number(r.value) }));
    },

    activeDevicesPerBucket: (orgId, range, interval) => messageBuckets(orgId, range, interval, sql<number>`count(distinct device_id)`),

    messagesPerBucket: (orgId, range, interval) => messageBuckets(orgId, range, interval, sql<number>`count(*)`),

    async apiCallsPerRoute(orgId, range, limit) {
      const rows = await db
        .selectFrom('usage_request_buckets')
        .select(['method', 'route', sql<number>`sum(count)`.as('n')])
        .where('org_id', '=', orgId)
        .where('hour', '>=', floorHour(range.from))
        .where('hour', '<=', range.to)
        .groupBy(['method', 'route'])
        .orderBy(sql`sum(count)`, 'desc')
        .orderBy('route')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ route: `${r.method} ${r.route}`, count: Number(r.n) }));
    },

    async securityEventsByType() {
      const rows = await db.selectFrom('security_events').select(['type', sql<number>`count(*)`.as('n')]).groupBy('type').execute();
      return Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]));
    },

    async patientExists(orgId, patientId) {
      const row = await db.selectFrom('patients').select('id').where('org_id', '=', orgId).where('id', '=', patientId).executeTakeFirst();
      return row !== undefined;
    },

    async disclosures(orgId, patientId, range, limit) {
      const rows = await db
        .selectFrom('audit_events as a')
        .leftJoin('users as u', (join) => join.onRef('u.id', '=', 'a.actor_id').on('u.org_id', '=', orgId))
        .select(['a.time', 'a.actor_kind', 'a.actor_id', 'u.username', 'a.action', 'a.reason', 'a.details'])
        .where('a.org_id', '=', orgId)
        .where('a.target_type', '=', 'patient')
        .where('a.target_id', '=', patientId)
        .where('a.outcome', '=', 'success')
        .where((eb) => eb.or(DISCLOSURE_PATTERNS.map((p) => eb('a.action', 'like', p))))
        .where('a.time', '>=', range.from)
        .where('a.time', '<=', range.to)
        .orderBy('a.seq')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        at: r.time,
        actorKind: r.actor_kind,
        actorId: r.actor_id,
        username: r.username ?? null,
        action: r.action,
        reason: r.reason,
        details: r.details,
      }));
    },
  };
}

/** Buckets are keyed by the start of their hour: a range starting mid-hour includes its hour. */
function floorHour(iso: string): string {
  return `${iso.slice(0, 13)}:00:00.000Z`;
}
