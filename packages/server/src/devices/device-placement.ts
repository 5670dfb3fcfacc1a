/**
 * Where a device belongs: its groups (e.g. wards) and its site (a short code). Rollouts narrow a
 * campaign by either (updates/rollout-service.ts); the device list filters by site.
 *
 * MUST: both are validated before anything is read or written (GROUP_RE / SITE_RE), authorized
 *       with devices:manage on the device's organization (another organization's device is 404),
 *       and audited in the same transaction as the write.
 */
import { AppError, type RequestContext, type UnitOfWork } from '../kernel/index.js';
import { authorizeDevice, deviceOrg } from './device-access.js';
import { GROUP_RE, MAX_GROUPS, SITE_RE, toDeviceView, type DeviceView } from './model.js';
import type { DeviceScope, DeviceTarget } from './service.js';

/** Replaces a device's groups (sorted, without duplicates). */
export async function setDeviceGroups(uow: UnitOfWork<DeviceScope>, ctx: RequestContext, target: DeviceTarget, groups: readonly string[]): Promise<DeviceView> {
  const unique = [...new Set(groups)].sort();
  if (unique.length > MAX_GROUPS || !unique.every((g) => GROUP_RE.test(g))) {
    throw new AppError('VALIDATION_FAILED', { publicMessage: `Groups are up to ${MAX_GROUPS} names of letters, digits, '.', '_' and '-'.` });
  }
  const orgId = deviceOrg(ctx, target.orgId);
  authorizeDevice(ctx, 'devices:manage', orgId);
  return uow.run(async (s) => {
    const device = await s.devices.find(orgId, target.deviceId);
    if (device === undefined || !(await s.devices.setGroups(orgId, device.id, unique))) throw new AppError('DEVICE_NOT_FOUND');
    await s.audit.record(ctx, {
      action: 'devices.device.set_groups',
      target: { type: 'device', id: device.id },
      outcome: 'success',
      orgId,
      details: { groups: unique.join(',').slice(0, 256), count: unique.length },
    });
    return toDeviceView({ ...device, groups: unique });
  });
}

/** Sets the device's site (a short code), or with null clears it. */
export async function setDeviceSite(uow: UnitOfWork<DeviceScope>, ctx: RequestContext, target: DeviceTarget, site: string | null): Promise<DeviceView> {
  if (site !== null && !SITE_RE.test(site)) {
    throw new AppError('VALIDATION_FAILED', { publicMessage: "A site is a code of up to 64 letters, digits, '.', '_' and '-', starting with a letter or digit." });
  }
  const orgId = deviceOrg(ctx, target.orgId);
  authorizeDevice(ctx, 'devices:manage', orgId);
  return uow.run(async (s) => {
    const device = await s.devices.find(orgId, target.deviceId);
    if (device === undefined || !(await s.devices.setSite(orgId, device.id, site))) throw new AppError('DEVICE_NOT_FOUND');
    await s.audit.record(ctx, {
      action: 'devices.device.set_site',
      target: { type: 'device', id: device.id },
      outcome: 'success',
      orgId,
      details: { site: site ?? 'none', previous: device.site ?? 'none' },
    });
    return toDeviceView({ ...device, site });
  });
}
