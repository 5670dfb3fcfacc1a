/**
 * 0004: the tables of devices: the device registry, enrolment tokens (hashed) and the device
 * certificates with their revocations. Every table carries org_id; indexes lead with it.
 * A unit (organization, model, serial) is enrolled at most once while it is live: a partial
 * unique index, which both SQLite and PostgreSQL support.
 */
import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  void dialect;
  await db.schema
    .createTable('devices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('serial', 'text', (c) => c.notNull())
    .addColumn('udi', 'text')
    .addColumn('firmware_version', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('status_changed_at', 'text', (c) => c.notNull())
    .addColumn('groups', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text')
    .addColumn('last_seen_address', 'text')
    .addColumn('cert_serial', 'text')
    .addColumn('cert_not_after', 'text')
    .addColumn('cert_fingerprint', 'text')
    .addCheckConstraint('devices_status', sql`status in ('pending', 'active', 'quarantined', 'revoked', 'decommissioned')`)
    .execute();
  await db.schema.createIndex('devices_org').on('devices').columns(['org_id', 'created_at']).execute();
  await db.schema.createIndex('devices_status_changed').on('devices').column('status_changed_at').execute();
  await db.schema
    .createIndex('devices_live_serial')
    .on('devices')
    .columns(['org_id', 'model', 'serial'])
    .unique()
    .where(sql.ref('status'), 'in', ['pending', 'active', 'quarantined'])
    .execute();

  await db.schema
    .createTable('device_enrollment_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('consumed_at', 'text')
    .addColumn('device_id', 'text')
    .execute();
  await db.schema.createIndex('device_enrollment_tokens_org').on('device_enrollment_tokens').columns(['org_id', 'created_at']).execute();

  await db.schema
    .createTable('device_certificates')
    .addColumn('serial', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('not_before', 'text', (c) => c.notNull())
    .addColumn('not_after', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('revocation_reason', 'text')
    .execute();
  await db.schema.createIndex('device_certificates_device').on('device_certificates').columns(['org_id', 'device_id']).execute();
  await db.schema.createIndex('device_certificates_revoked').on('device_certificates').columns(['revoked_at', 'not_after']).execute();
}
