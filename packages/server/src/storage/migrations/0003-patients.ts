/**
 * 0003: the tables of patients (PHI records, training attestations, care teams, break-glass
 * grants) and the security-event stream.
 *
 * PHI columns hold only Sealer strings (envelope AES-256-GCM bound to field, org and row); the
 * MRN is also kept as a keyed blind index, unique per organization. Every table of tenant data
 * carries org_id and is indexed by it first.
 */
import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  void dialect; // text ids and ISO-8601 text times: the same DDL on both dialects
  await db.schema
    .createTable('patients')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('mrn_index', 'text', (c) => c.notNull())
    .addColumn('mrn_sealed', 'text', (c) => c.notNull())
    .addColumn('given_name_sealed', 'text', (c) => c.notNull())
    .addColumn('family_name_sealed', 'text', (c) => c.notNull())
    .addColumn('birth_date_sealed', 'text', (c) => c.notNull())
    .addColumn('sex_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('patients_org_mrn_index', ['org_id', 'mrn_index'])
    .execute();
  await db.schema.createIndex('patients_org_created').on('patients').columns(['org_id', 'created_at']).execute();

  await db.schema
    .createTable('care_team_members')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addColumn('added_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('care_team_members_pk', ['patient_id', 'user_id'])
    .addCheckConstraint('care_team_members_role', sql.raw("role IN ('primary', 'member')"))
    .execute();
  await db.schema.createIndex('care_team_members_user').on('care_team_members').columns(['org_id', 'user_id']).execute();

  await db.schema
    .createTable('training_records')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('course', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('training_records_user').on('training_records').columns(['org_id', 'user_id']).execute();

  await db.schema
    .createTable('break_glass_grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('reason_sealed', 'text', (c) => c.notNull())
    .addColumn('reason_hash', 'text', (c) => c.notNull())
    .addColumn('granted_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('review_outcome', 'text')
    .addColumn('review_note_sealed', 'text')
    .addColumn('reviewed_by', 'text')
    .addColumn('reviewed_at', 'text')
    .addCheckConstraint('break_glass_grants_outcome', sql.raw("review_outcome IS NULL OR review_outcome IN ('justified', 'unjustified')"))
    .execute();
  await db.schema.createIndex('break_glass_grants_user').on('break_glass_grants').columns(['org_id', 'user_id', 'patient_id', 'expires_at']).execute();
  await db.schema.createIndex('break_glass_grants_queue').on('break_glass_grants').columns(['org_id', 'reviewed_at', 'granted_at']).execute();

  await db.schema
    .createTable('security_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('org_id', 'text')
    .addColumn('user_id', 'text')
    .addColumn('device_id', 'text')
    .addColumn('patient_id', 'text')
    .addColumn('source', 'text')
    .addColumn('request_id', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .addCheckConstraint('security_events_severity', sql.raw("severity IN ('info', 'low', 'medium', 'high', 'critical')"))
    .execute();
  await db.schema.createIndex('security_events_org_time').on('security_events').columns(['org_id', 'time']).execute();
  await db.schema.createIndex('security_events_type_time').on('security_events').columns(['type', 'time']).execute();
}
