/**
 * DashboardStore over kysely: the role dashboards' counts, each one aggregate query (COUNT with
 * GROUP BY or CASE), the same on SQLite and PostgreSQL (times are ISO-8601 UTC text, compared as text).
 *
 * MUST: every query filters by org_id. MUST: counts only (no PHI column is selected).
 */
import { sql } from 'kysely';
import { CERT_EXPIRING_WINDOW_MS, ONLINE_WINDOW_MS, type DashboardStore } from '../../compliance/index.js';
import type { Executor } from '../sql-database.js';

const LOGIN = 'identity.login.attempt';
const n = (value: unknown): number => Number(value ?? 0);

export function dashboardStore(db: Executor): DashboardStore {
  return {
    async openSecurityAlertsBySeverity(orgId) {
      const rows = await db
        .selectFrom('security_alerts')
        .select(['severity', sql<number>`count(*)`.as('n')])
        .where('org_id', '=', orgId)
        .where('status', 'in', ['open', 'acknowledged'])
        .groupBy('severity')
        .execute();
      return rows.map((r) => ({ severity: r.severity, count: n(r.n) }));
    },

    async deviceCounts(orgId, now) {
      const onlineSince = new Date(now.getTime() - ONLINE_WINDOW_MS).toISOString();
      const nowIso = now.toISOString();
      const expiringBefore = new Date(now.getTime() + CERT_EXPIRING_WINDOW_MS).toISOString();
      const live = sql`status not in ('revoked', 'decommissioned')`;
      const row = await db
        .selectFrom('devices')
        .select([
          sql<number>`count(*)`.as('total'),
          sql<number>`sum(case when status = 'active' and last_seen_at >= ${onlineSince} then 1 else 0 end)`.as('online'),
          sql<number>`sum(case when status = 'active' and (last_seen_at is null or last_seen_at < ${onlineSince}) then 1 else 0 end)`.as('offline'),
          sql<number>`sum(case when status = 'quarantined' then 1 else 0 end)`.as('quarantined'),
          sql<number>`sum(case when status = 'revoked' then 1 else 0 end)`.as('revoked'),
          sql<number>`sum(case when status = 'decommissioned' then 1 else 0 end)`.as('decommissioned'),
          sql<number>`sum(case when ${live} and cert_not_after >= ${nowIso} and cert_not_after < ${expiringBefore} then 1 else 0 end)`.as('expiring'),
          sql<number>`sum(case when ${live} and cert_not_after < ${nowIso} then 1 else 0 end)`.as('expired'),
        ])
        .where('org_id', '=', orgId)
        .executeTakeFirst();
      return {
        total: n(row?.total),
        online: n(row?.online),
        offline: n(row?.offline),
        quarantined: n(row?.quarantined),
        revoked: n(row?.revoked),
        decommissioned: n(row?.decommissioned),
        certificateExpiring: n(row?.expiring),
        certificateExpired: n(row?.expired),
      };
    },

    async breakGlassAwaitingReview(orgId) {
      const row = await db.selectFrom('break_glass_grants').select(sql<number>`count(*)`.as('n')).where('org_id', '=', orgId).where('review_outcome', 'is', null).executeTakeFirst();
      return n(row?.n);
    },

    async failedLoginsPerHour(orgId, from) {
      const hour = sql<string>`substr(time, 1, 13)`;
      const rows = await db
        .selectFrom('audit_events')
        .select([hour.as('hour'), sql<number>`count(*)`.as('n')])
        .where('org_id', '=', orgId)
        .where('action', '=', LOGIN)
        .where('outcome', '=', 'failure')
        .where('time', '>=', from)
        .groupBy(hour)
        .execute();
      return rows.map((r) => ({ hour: r.hour, count: n(r.n) }));
    },

    async userCounts(orgId, now) {
      const nowIso = now.toISOString();
      const active = sql`u.status = 'active'`;
      const hasKey = sql`exists (select 1 from webauthn_credentials w where w.user_id = u.id and w.org_id = u.org_id)`;
      const trained = sql`exists (select 1 from training_records t where t.user_id = u.id and t.org_id = u.org_id and t.course like 'hipaa-%' and t.completed_at <= ${nowIso} and t.expires_at > ${nowIso})`;
      const row = await db
        .selectFrom('users as u')
        .select([
          sql<number>`count(*)`.as('total'),
          sql<number>`sum(case when ${active} and u.totp_confirmed_at is null and not ${hasKey} then 1 else 0 end)`.as('without_mfa'),
          sql<number>`sum(case when ${active} and not ${trained} then 1 else 0 end)`.as('without_training'),
          sql<number>`sum(case when ${active} and u.locked_until is not null and u.locked_until > ${nowIso} then 1 else 0 end)`.as('locked'),
          sql<number>`sum(case when u.status = 'disabled' then 1 else 0 end)`.as('disabled'),
        ])
        .where('u.org_id', '=', orgId)
        .executeTakeFirst();
      return { total: n(row?.total), withoutMfa: n(row?.without_mfa), withoutTraining: n(row?.without_training), locked: n(row?.locked), disabled: n(row?.disabled) };
    },

    async channelHealth(orgId) {
      const channels = await db.selectFrom('alert_channels').select(['id', 'name', 'kind', 'enabled']).where('org_id', '=', orgId).orderBy('name').execute();
      const pending = await db.selectFrom('alert_outbox').select(['channel_id', sql<number>`count(*)`.as('n')]).where('org_id', '=', orgId).where('dead_letter_id', 'is', null).groupBy('channel_id').execute();
      const dead = await db
        .selectFrom('alert_dead_letters')
        .select(['channel_id', sql<number>`count(*)`.as('n'), sql<string>`max(created_at)`.as('last')])
        .where('org_id', '=', orgId)
        .where('resolved_at', 'is', null)
        .groupBy('channel_id')
        .execute();
      return channels.map((c) => {
        const d = dead.find((r) => r.channel_id === c.id);
        return {
          id: c.id,
          name: c.name,
          kind: c.kind,
          enabled: n(c.enabled) === 1 || (c.enabled as unknown) === true,
          pending: n(pending.find((r) => r.channel_id === c.id)?.n),
          deadLetters: n(d?.n),
          lastDeadLetterAt: d?.last ?? null,
        };
      });
    },
  };
}
