/**
 * 0008: security alert delivery (channels, dead letters) and usage tracking (hourly request
 * counters by route pattern).
 *
 * Request counters hold route patterns ('/api/v1/patients/:id'), never URLs, so no id or query
 * (which may carry PHI) is stored; a row per (hour, org, user, method, route, status class).
 */
import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('alert_channels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('min_severity', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('sealed_secrets', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alert_channels_org').on('alert_channels').columns(['org_id', 'created_at']).execute();

  await db.schema
    .createTable('alert_dead_letters')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('alert_id', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .execute();
  await db.schema.createIndex('alert_dead_letters_org_status').on('alert_dead_letters').columns(['org_id', 'status', 'created_at']).execute();

  await db.schema
    .createTable('usage_request_buckets')
    .addColumn('hour', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('route', 'text', (c) => c.notNull())
    .addColumn('status_class', 'text', (c) => c.notNull())
    .addColumn('count', sql.raw(bigint), (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_request_buckets_pk', ['hour', 'org_id', 'user_id', 'method', 'route', 'status_class'])
    .execute();
  await db.schema.createIndex('usage_request_buckets_org_hour').on('usage_request_buckets').columns(['org_id', 'hour']).execute();
}
