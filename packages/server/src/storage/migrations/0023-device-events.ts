/**
 * 0023: device events (alarms, faults, notices) from vigil/v1/devices/<id>/events, stored with
 * the device's organization. One row per (device, event id): a resend is stored once.
 */
import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, _dialect: SqlDialect): Promise<void> {
  await db.schema
    .createTable('device_events')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('device_events_pk', ['device_id', 'event_id'])
    .execute();
  await db.schema.createIndex('device_events_org_device_received').on('device_events').columns(['org_id', 'device_id', 'received_at', 'event_id']).execute();
}
