/**
 * 0029: indexes for the paged lists (kernel/list-page.ts) and a device's command history:
 * - devices_org_serial (org_id, serial): the devices list's default order, and serial lookups;
 * - device_commands_org_device_issued (org_id, device_id, issued_at): GET /devices/{id}/commands,
 *   newest first;
 * - clinical_alerts_org_opened (org_id, opened_at): the alerts inbox across statuses.
 * The other lists' default orders use 0003/0006/0007's indexes. Indexes only, the same on both
 * dialects.
 */
import type { Kysely } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export async function up(db: Kysely<unknown>, _dialect: SqlDialect): Promise<void> {
  await db.schema.createIndex('devices_org_serial').on('devices').columns(['org_id', 'serial']).execute();
  await db.schema.createIndex('device_commands_org_device_issued').on('device_commands').columns(['org_id', 'device_id', 'issued_at']).execute();
  await db.schema.createIndex('clinical_alerts_org_opened').on('clinical_alerts').columns(['org_id', 'opened_at']).execute();
}
