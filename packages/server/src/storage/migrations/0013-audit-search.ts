/**
 * 0013: indexes for searching the audit log (GET /api/v1/audit/events): an organization's events
 * newest first, and all the events of one request. The other filters (actor, target, time) use
 * 0001's indexes. Indexes only: the hashed rows are untouched.
 */
import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, _dialect: SqlDialect): Promise<void> {
  await db.schema.createIndex('audit_events_org_seq').on('audit_events').columns(['org_id', 'seq']).execute();
  await db.schema.createIndex('audit_events_request').on('audit_events').column('request_id').execute();
}
