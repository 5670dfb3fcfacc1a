/**
 * 0021: the accounting of disclosures (HIPAA §164.528): disclosures of PHI to outside parties,
 * content sealed (recipient, address, description, purpose statement), and the suspensions an
 * agency may ask for (§164.528(a)(2)). Same shape on SQLite and PostgreSQL (ISO-8601 text times).
 */
import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, _dialect: SqlDialect): Promise<void> {
  await db.schema
    .createTable('disclosures')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
    .addColumn('disclosed_at', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('content_sealed', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('disclosures_patient_time').on('disclosures').columns(['org_id', 'patient_id', 'disclosed_at']).execute();
  await db.schema.createIndex('disclosures_time').on('disclosures').column('disclosed_at').execute();
  await db.schema
    .createTable('disclosure_suspensions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
    .addColumn('agency', 'text', (c) => c.notNull())
    .addColumn('official', 'text')
    .addColumn('statement_kind', 'text', (c) => c.notNull())
    .addColumn('statement', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('ends_at', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('disclosure_suspensions_patient').on('disclosure_suspensions').columns(['org_id', 'patient_id']).execute();
}
