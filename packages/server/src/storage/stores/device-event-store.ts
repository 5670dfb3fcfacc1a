/** The device events store over kysely (both dialects); every read filters by org_id. */
import type { DeviceEventKind, DeviceEventSeverity } from '@vigil/protocol';
import type { DeviceEventStore, StoredDeviceEvent } from '../../devices/index.js';
import type { Executor } from '../sql-database.js';

export function deviceEventStore(db: Executor): DeviceEventStore {
  return {
    async insert(e) {
      const result = await db
        .insertInto('device_events')
        .values({ org_id: e.orgId, device_id: e.deviceId, event_id: e.id, occurred_at: e.ts, received_at: e.receivedAt, kind: e.kind, code: e.code, severity: e.severity })
        .onConflict((oc) => oc.columns(['device_id', 'event_id']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
    async list(orgId, deviceId, options) {
      let q = db.selectFrom('device_events').selectAll().where('org_id', '=', orgId).where('device_id', '=', deviceId);
      const before = options.before;
      if (before !== undefined) {
        q = q.where((eb) => eb.or([eb('received_at', '<', before.receivedAt), eb.and([eb('received_at', '=', before.receivedAt), eb('event_id', '<', before.id)])]));
      }
      const rows = await q.orderBy('received_at', 'desc').orderBy('event_id', 'desc').limit(options.limit).execute();
      return rows.map(
        (r): StoredDeviceEvent => ({
          v: 1,
          id: r.event_id,
          ts: r.occurred_at,
          kind: r.kind as DeviceEventKind,
          code: r.code,
          severity: r.severity as DeviceEventSeverity,
          orgId: r.org_id,
          deviceId: r.device_id,
          receivedAt: r.received_at,
        }),
      );
    },
    async deleteReceivedBefore(receivedBefore) {
      const result = await db.deleteFrom('device_events').where('received_at', '<', receivedBefore).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async deviceExists(orgId, deviceId) {
      return (await db.selectFrom('devices').select('id').where('org_id', '=', orgId).where('id', '=', deviceId).executeTakeFirst()) !== undefined;
    },
  };
}
