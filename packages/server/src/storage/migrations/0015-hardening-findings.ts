/**
 * 0015 (issue 11, items 4 and 7):
 * - alert_outbox: security alert deliveries in flight, so that a retry waiting in back-off
 *   survives a restart (alerts/delivery). A row lives from before the first attempt until the
 *   delivery succeeds or is dead-lettered; `lease_until` says until when a process holds it.
 */
import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, _dialect: SqlDialect): Promise<void> {
  await db.schema
    .createTable('alert_outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('alert_id', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('lease_until', 'text')
    .addColumn('dead_letter_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alert_outbox_lease').on('alert_outbox').columns(['lease_until', 'created_at']).execute();
  await db.schema.createIndex('alert_outbox_channel').on('alert_outbox').columns(['org_id', 'channel_id']).execute();
}
