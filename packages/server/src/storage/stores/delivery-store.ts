/**
 * DeliveryStore over kysely: alert channels, dead letters and the outbox of deliveries in flight.
 * MUST: every query filters by org_id (no unscoped lookup of tenant data), except the delivery
 *       worker's listOutboxResumable (platform-level; rows carry their org_id).
 */
import type { AlertSeverity, ChannelKind, ChannelRow, DeadLetterRow, DeliveryStore, OutboxRow } from '../../alerts/index.js';
import type { Executor } from '../sql-database.js';
import type { DeliveryUsageTables } from '../tables.js';

type ChannelTable = DeliveryUsageTables['alert_channels'];
type DeadLetterTable = DeliveryUsageTables['alert_dead_letters'];
type OutboxTable = DeliveryUsageTables['alert_outbox'];

export function deliveryStore(db: Executor): DeliveryStore {
  return {
    async insertChannel(row) {
      await db.insertInto('alert_channels').values(channelToRow(row)).execute();
    },
    async updateChannel(orgId, id, change) {
      await db
        .updateTable('alert_channels')
        .set({
          name: change.name,
          enabled: change.enabled ? 1 : 0,
          min_severity: change.minSeverity,
          target: change.target,
          config: change.config,
          sealed_secrets: change.sealedSecrets,
        })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .execute();
    },
    async deleteChannel(orgId, id) {
      await db.deleteFrom('alert_outbox').where('org_id', '=', orgId).where('channel_id', '=', id).execute();
      await db.deleteFrom('alert_channels').where('org_id', '=', orgId).where('id', '=', id).execute();
    },
    async listChannels(orgId) {
      const rows = await db.selectFrom('alert_channels').selectAll().where('org_id', '=', orgId).orderBy('created_at', 'desc').orderBy('id').execute();
      return rows.map(channelFromRow);
    },
    async findChannel(orgId, id) {
      const row = await db.selectFrom('alert_channels').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return row && channelFromRow(row);
    },
    async insertDeadLetter(row) {
      await db
        .insertInto('alert_dead_letters')
        .values({
          id: row.id,
          org_id: row.orgId,
          channel_id: row.channelId,
          alert_id: row.alertId,
          payload: row.payload,
          attempts: row.attempts,
          last_error: row.lastError,
          created_at: row.createdAt,
          status: row.status,
          resolved_at: row.resolvedAt,
        })
        .execute();
    },
    async listDeadLetters(orgId, status, limit) {
      const rows = await db
        .selectFrom('alert_dead_letters')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('status', '=', status)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(deadLetterFromRow);
    },
    async findDeadLetter(orgId, id) {
      const row = await db.selectFrom('alert_dead_letters').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return row && deadLetterFromRow(row);
    },
    async updateDeadLetter(orgId, id, change) {
      await db
        .updateTable('alert_dead_letters')
        .set({ attempts: change.attempts, last_error: change.lastError, status: change.status, resolved_at: change.resolvedAt })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .execute();
    },
    async insertOutbox(row) {
      await db.insertInto('alert_outbox').values(outboxToRow(row)).execute();
    },
    async updateOutbox(orgId, id, change) {
      await db
        .updateTable('alert_outbox')
        .set({ attempts: change.attempts, next_attempt_at: change.nextAttemptAt, lease_until: change.leaseUntil })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .execute();
    },
    async deleteOutbox(orgId, id) {
      await db.deleteFrom('alert_outbox').where('org_id', '=', orgId).where('id', '=', id).execute();
    },
    async listOutboxResumable(now, limit) {
      const rows = await db
        .selectFrom('alert_outbox')
        .selectAll()
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(outboxFromRow);
    },
    async claimOutbox(orgId, id, now, leaseUntil) {
      const result = await db
        .updateTable('alert_outbox')
        .set({ lease_until: leaseUntil })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

function outboxToRow(row: OutboxRow): OutboxTable {
  return {
    id: row.id,
    org_id: row.orgId,
    channel_id: row.channelId,
    alert_id: row.alertId,
    payload: row.payload,
    attempts: row.attempts,
    next_attempt_at: row.nextAttemptAt,
    lease_until: row.leaseUntil,
    dead_letter_id: row.deadLetterId,
    created_at: row.createdAt,
  };
}

function outboxFromRow(row: OutboxTable): OutboxRow {
  return {
    id: row.id,
    orgId: row.org_id,
    channelId: row.channel_id,
    alertId: row.alert_id,
    payload: row.payload,
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    leaseUntil: row.lease_until,
    deadLetterId: row.dead_letter_id,
    createdAt: row.created_at,
  };
}

function channelToRow(row: ChannelRow): ChannelTable {
  return {
    id: row.id,
    org_id: row.orgId,
    kind: row.kind,
    name: row.name,
    enabled: row.enabled ? 1 : 0,
    min_severity: row.minSeverity,
    target: row.target,
    config: row.config,
    sealed_secrets: row.sealedSecrets,
    created_at: row.createdAt,
    created_by: row.createdBy,
  };
}

function channelFromRow(row: ChannelTable): ChannelRow {
  return {
    id: row.id,
    orgId: row.org_id,
    kind: row.kind as ChannelKind,
    name: row.name,
    enabled: Number(row.enabled) === 1,
    minSeverity: row.min_severity as AlertSeverity,
    target: row.target,
    config: row.config,
    sealedSecrets: row.sealed_secrets,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

function deadLetterFromRow(row: DeadLetterTable): DeadLetterRow {
  return {
    id: row.id,
    orgId: row.org_id,
    channelId: row.channel_id,
    alertId: row.alert_id,
    payload: row.payload,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    createdAt: row.created_at,
    status: row.status === 'delivered' ? 'delivered' : 'pending',
    resolvedAt: row.resolved_at,
  };
}
