/**
 * 0007: security alerts (issue 6), and indexes that correlate the security event stream by user,
 * device and source address (0003 made it with organization and type indexes only).
 *
 * notes and evidence are small JSON arrays (bounded by the alert service: 200 notes, 100 ids).
 */
import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  void dialect; // text ids, text times and JSON text: the same DDL on both dialects
  await db.schema
    .createTable('security_alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text')
    .addColumn('detector', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('subject_kind', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('assignee', 'text')
    .addColumn('suppressed_reason', 'text')
    .addColumn('notes', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addCheckConstraint('security_alerts_severity', sql.raw("severity IN ('low', 'medium', 'high', 'critical')"))
    .addCheckConstraint('security_alerts_status', sql.raw("status IN ('open', 'acknowledged', 'resolved', 'suppressed')"))
    .addCheckConstraint('security_alerts_subject', sql.raw("subject_kind IN ('user', 'device', 'source', 'org', 'patient')"))
    .execute();
  await db.schema.createIndex('security_alerts_org_status').on('security_alerts').columns(['org_id', 'status', 'last_seen_at']).execute();
  await db.schema.createIndex('security_alerts_dedupe').on('security_alerts').columns(['detector', 'subject_kind', 'subject_id', 'last_seen_at']).execute();
  await db.schema.createIndex('security_events_user_time').on('security_events').columns(['org_id', 'user_id', 'time']).execute();
  await db.schema.createIndex('security_events_device_time').on('security_events').columns(['org_id', 'device_id', 'time']).execute();
  await db.schema.createIndex('security_events_source_time').on('security_events').columns(['source', 'time']).execute();
}
