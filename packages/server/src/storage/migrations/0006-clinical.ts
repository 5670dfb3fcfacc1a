/**
 * 0006: the tables of clinical data: device-to-patient bindings, clinical alert rules and
 * clinical alerts. Every table carries org_id; indexes lead with the key a query filters by.
 *
 * A device has at most one binding at any instant: the service checks overlaps inside the
 * transaction that inserts, and one open binding (end_at NULL) per device is also a partial unique
 * index, which both SQLite and PostgreSQL support.
 */
import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const real = dialect === 'postgres' ? 'double precision' : 'real';
  await db.schema
    .createTable('patient_bindings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('patient_id', 'text', (c) => c.notNull())
    .addColumn('start_at', 'text', (c) => c.notNull())
    .addColumn('end_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('ended_by', 'text')
    .execute();
  await db.schema.createIndex('patient_bindings_device').on('patient_bindings').columns(['device_id', 'start_at']).execute();
  await db.schema.createIndex('patient_bindings_patient').on('patient_bindings').columns(['org_id', 'patient_id', 'start_at']).execute();
  await db.schema.createIndex('patient_bindings_open').on('patient_bindings').column('device_id').unique().where(sql.ref('end_at'), 'is', null).execute();

  await db.schema
    .createTable('clinical_alert_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('patient_id', 'text')
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('comparison', 'text', (c) => c.notNull())
    .addColumn('value', sql.raw(real), (c) => c.notNull())
    .addColumn('duration_seconds', 'integer', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('clinical_alert_rules_comparison', sql`comparison in ('lt', 'le', 'gt', 'ge')`)
    .addCheckConstraint('clinical_alert_rules_severity', sql`severity in ('low', 'medium', 'high')`)
    .execute();
  await db.schema.createIndex('clinical_alert_rules_org').on('clinical_alert_rules').columns(['org_id', 'patient_id']).execute();

  await db.schema
    .createTable('clinical_alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('patient_id', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('comparison', 'text', (c) => c.notNull())
    .addColumn('threshold', sql.raw(real), (c) => c.notNull())
    .addColumn('value', sql.raw(real), (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('acknowledged_at', 'text')
    .addColumn('acknowledged_by', 'text')
    .addColumn('resolved_at', 'text')
    .addColumn('resolved_by', 'text')
    .addCheckConstraint('clinical_alerts_status', sql`status in ('open', 'acknowledged', 'resolved')`)
    .execute();
  await db.schema.createIndex('clinical_alerts_org_status').on('clinical_alerts').columns(['org_id', 'status', 'opened_at']).execute();
  await db.schema.createIndex('clinical_alerts_patient').on('clinical_alerts').columns(['org_id', 'patient_id', 'opened_at']).execute();
  // No duplicate while one is not resolved, for the same rule and patient: enforced by the database too.
  await db.schema
    .createIndex('clinical_alerts_one_active')
    .on('clinical_alerts')
    .columns(['rule_id', 'patient_id'])
    .unique()
    .where(sql.ref('status'), '<>', 'resolved')
    .execute();
}
