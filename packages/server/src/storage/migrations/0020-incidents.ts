/**
 * 0020: incident response (issue 15): incidents, per-organization settings and playbook versions,
 * and the audit-log indexes the forensic timeline reads by (organization + actor / target / source,
 * then time), so that a 30-day timeline over millions of events stays an index range scan.
 *
 * responder_ids, alert_ids, seeds and checklist are small bounded JSON (the service caps them).
 */
import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  void dialect; // text ids, text times and JSON text: the same DDL on both dialects
  await db.schema
    .createTable('incidents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('commander_id', 'text')
    .addColumn('responder_ids', 'text', (c) => c.notNull())
    .addColumn('alert_ids', 'text', (c) => c.notNull())
    .addColumn('seeds', 'text', (c) => c.notNull())
    .addColumn('discovered_at', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    .addColumn('playbook_id', 'text', (c) => c.notNull())
    .addColumn('playbook_version', 'integer', (c) => c.notNull())
    .addColumn('checklist', 'text', (c) => c.notNull())
    .addColumn('notes_sealed', 'text')
    .addCheckConstraint('incidents_status', sql.raw("status IN ('triage', 'contained', 'eradicated', 'recovered', 'closed')"))
    .addCheckConstraint('incidents_severity', sql.raw("severity IN ('low', 'medium', 'high', 'critical')"))
    .execute();
  await db.schema.createIndex('incidents_org_opened').on('incidents').columns(['org_id', 'opened_at']).execute();
  await db.schema
    .createTable('incident_settings')
    .addColumn('org_id', 'text', (c) => c.primaryKey())
    .addColumn('body', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('incident_playbooks')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_playbooks_pk', ['org_id', 'id', 'version'])
    .execute();
  await db.schema
    .createTable('incident_source_blocks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('cidr', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incident_source_blocks_expiry').on('incident_source_blocks').column('expires_at').execute();
  await db.schema
    .createTable('incident_actions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('targets', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('approved_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .addColumn('results', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incident_actions_incident').on('incident_actions').columns(['org_id', 'incident_id', 'created_at']).execute();
  await db.schema
    .createTable('incident_contacts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .execute();
  await db.schema.createIndex('incident_contacts_org').on('incident_contacts').column('org_id').execute();
  await db.schema
    .createTable('incident_obligations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('obligation_id', 'text', (c) => c.notNull())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('reminders_sent', 'text', (c) => c.notNull())
    .addColumn('overdue_alerted_at', 'text')
    .execute();
  await db.schema.createIndex('incident_obligations_incident').on('incident_obligations').columns(['org_id', 'incident_id']).execute();
  await db.schema.createIndex('incident_obligations_pending').on('incident_obligations').columns(['status', 'due_at']).execute();
  await db.schema
    .createTable('incident_notices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('obligation_id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incident_notices_incident').on('incident_notices').columns(['org_id', 'incident_id']).execute();
  await db.schema
    .createTable('incident_assessments')
    .addColumn('incident_id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('conclusion', 'text', (c) => c.notNull())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_events_org_actor_time').on('audit_events').columns(['org_id', 'actor_id', 'time']).execute();
  await db.schema.createIndex('audit_events_org_target_time').on('audit_events').columns(['org_id', 'target_id', 'time']).execute();
  await db.schema.createIndex('audit_events_org_source_time').on('audit_events').columns(['org_id', 'source', 'time']).execute();
}
