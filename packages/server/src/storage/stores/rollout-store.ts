/** RolloutStore over kysely (both dialects). Campaign queries filter by org_id, except the engine's list(null). */
import type { Campaign, CampaignDevice, RolloutStore, Weekday } from '../../updates/index.js';
import type { Executor } from '../sql-database.js';
import type { UpdatesTables } from '../tables.js';

export function rolloutStore(db: Executor): RolloutStore {
  return {
    async insert(c) {
      await db.insertInto('rollouts').values({ id: c.id, org_id: c.orgId, model: c.model, status: c.status, priority: c.priority, body: JSON.stringify(c), created_at: c.createdAt }).execute();
    },
    async update(c) {
      await db.updateTable('rollouts').set({ status: c.status, priority: c.priority, body: JSON.stringify(c) }).where('org_id', '=', c.orgId).where('id', '=', c.id).execute();
    },
    async find(orgId, id) {
      const row = await db.selectFrom('rollouts').select('body').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return row && (JSON.parse(row.body) as Campaign);
    },
    async list(orgId, statuses) {
      let q = db.selectFrom('rollouts').select('body');
      if (orgId !== null) q = q.where('org_id', '=', orgId);
      if (statuses !== undefined && statuses.length > 0) q = q.where('status', 'in', [...statuses]);
      const rows = await q.orderBy('created_at').orderBy('id').execute();
      return rows.map((r) => JSON.parse(r.body) as Campaign);
    },
    async insertDevices(devices) {
      for (let i = 0; i < devices.length; i += 200) {
        const chunk = devices.slice(i, i + 200);
        if (chunk.length > 0) await db.insertInto('rollout_devices').values(chunk.map(toRow)).execute();
      }
    },
    async devices(campaignId) {
      const rows = await db.selectFrom('rollout_devices').selectAll().where('campaign_id', '=', campaignId).orderBy('wave').orderBy('device_id').execute();
      return rows.map(fromRow);
    },
    async updateDevice(d) {
      await db
        .updateTable('rollout_devices')
        .set({ wave: d.wave, status: d.status, attempts: d.attempts, sent_at: d.sentAt, updated_at: d.updatedAt })
        .where('campaign_id', '=', d.campaignId)
        .where('device_id', '=', d.deviceId)
        .execute();
    },
    async orgWindow(orgId) {
      const r = await db.selectFrom('org_maintenance_windows').selectAll().where('org_id', '=', orgId).executeTakeFirst();
      return r && { orgId: r.org_id, days: r.days.split(',') as Weekday[], startHour: Number(r.start_hour), endHour: Number(r.end_hour), updatedAt: r.updated_at, updatedBy: r.updated_by };
    },
    async putOrgWindow(orgId, w) {
      await db.deleteFrom('org_maintenance_windows').where('org_id', '=', orgId).execute();
      if (w !== null) await db.insertInto('org_maintenance_windows').values({ org_id: orgId, days: w.days.join(','), start_hour: w.startHour, end_hour: w.endHour, updated_at: w.updatedAt, updated_by: w.updatedBy }).execute();
    },
  };
}

function toRow(d: CampaignDevice): UpdatesTables['rollout_devices'] {
  return { campaign_id: d.campaignId, device_id: d.deviceId, wave: d.wave, status: d.status, attempts: d.attempts, sent_at: d.sentAt, updated_at: d.updatedAt };
}

function fromRow(r: UpdatesTables['rollout_devices']): CampaignDevice {
  return { campaignId: r.campaign_id, deviceId: r.device_id, wave: Number(r.wave), status: r.status as CampaignDevice['status'], attempts: Number(r.attempts), sentAt: r.sent_at, updatedAt: r.updated_at };
}
