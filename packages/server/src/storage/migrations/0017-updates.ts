/**
 * 0017: firmware updates: uploaded images (content-addressed; the bytes live in the data
 * directory), releases with their SBOM, per-model policy, and the TUF repository's signed
 * metadata (one row per role version; consistent snapshots keep every version servable).
 */
import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('firmware_images')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('sha512', 'text', (c) => c.notNull())
    .addColumn('length', sql.raw(bigint), (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('uploaded_at', 'text', (c) => c.notNull())
    .addColumn('uploaded_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('firmware_releases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('min_version', 'text', (c) => c.notNull())
    .addColumn('hardware_revisions', 'text', (c) => c.notNull())
    .addColumn('notes', 'text', (c) => c.notNull())
    .addColumn('target_path', 'text', (c) => c.notNull().unique())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('sha512', 'text', (c) => c.notNull())
    .addColumn('length', sql.raw(bigint), (c) => c.notNull())
    .addColumn('support_ends_at', 'text', (c) => c.notNull())
    .addColumn('end_of_life_at', 'text', (c) => c.notNull())
    .addColumn('sbom_summary', 'text', (c) => c.notNull())
    .addColumn('sbom', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addUniqueConstraint('firmware_releases_model_version', ['model', 'version'])
    .execute();
  await db.schema.createIndex('firmware_releases_sha256').on('firmware_releases').columns(['sha256']).execute();

  await db.schema
    .createTable('firmware_model_policies')
    .addColumn('model', 'text', (c) => c.primaryKey())
    .addColumn('max_image_bytes', sql.raw(bigint), (c) => c.notNull())
    .addColumn('require_attestation', 'integer', (c) => c.notNull())
    .addColumn('quarantine_on_unknown_hash', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('tuf_metadata')
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('expires', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('tuf_metadata_pk', ['role', 'version'])
    .execute();

  await db.schema
    .createTable('device_attestations')
    .addColumn('device_id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('firmware_version', 'text', (c) => c.notNull())
    .addColumn('image_sha256', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('measured_at', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('quarantined_by_policy', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('device_attestations_org').on('device_attestations').columns(['org_id', 'state']).execute();

  await db.schema
    .createTable('rollouts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('rollouts_org_status').on('rollouts').columns(['org_id', 'status']).execute();
  await db.schema
    .createTable('rollout_devices')
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('wave', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('rollout_devices_pk', ['campaign_id', 'device_id'])
    .execute();
}
