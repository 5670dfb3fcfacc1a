/**
 * Bulk quarantine and release from the devices list: one status change per device, each through
 * DeviceService (its own authorization, transaction, audit event and connection cut), with one
 * outcome per device, so that a device already in the target state or of another organization
 * does not undo the others.
 *
 * MUST: more than `maxWithoutApproval` devices in one request is refused whole
 *       (DEVICE_BULK_APPROVAL_REQUIRED) before anything changes: a change that large follows the
 *       two-person rule of incident containment (incidents/containment-model.ts BULK_THRESHOLD),
 *       where a second user approves it. Release is held to the same rule, because releasing a
 *       fleet undoes a containment.
 * MUST: the reason is a coded reason (model.ts REASON_RE), checked by the service per device.
 */
import { AppError, isAppError, type RequestContext } from '../kernel/index.js';
import type { DeviceView } from './model.js';
import type { DeviceService } from './service.js';

export const BULK_DEVICE_ACTIONS = ['quarantine', 'release'] as const;
export type BulkDeviceAction = (typeof BULK_DEVICE_ACTIONS)[number];

export interface BulkDeviceOutcome {
  readonly deviceId: string;
  readonly outcome: 'ok' | 'not-found' | 'conflict';
  readonly device: DeviceView | null;
}

export async function bulkChangeStatus(
  service: Pick<DeviceService, 'quarantine' | 'release'>,
  ctx: RequestContext,
  input: { readonly action: BulkDeviceAction; readonly deviceIds: readonly string[]; readonly reason: string },
  maxWithoutApproval: number,
): Promise<BulkDeviceOutcome[]> {
  const ids = [...new Set(input.deviceIds)];
  if (ids.length > maxWithoutApproval) {
    throw new AppError('DEVICE_BULK_APPROVAL_REQUIRED', { detail: `bulk ${input.action} of ${ids.length} devices (more than ${maxWithoutApproval})` });
  }
  const out: BulkDeviceOutcome[] = [];
  for (const deviceId of ids) {
    try {
      const device = input.action === 'quarantine' ? await service.quarantine(ctx, { deviceId }, input.reason) : await service.release(ctx, { deviceId }, input.reason);
      out.push({ deviceId, outcome: 'ok', device });
    } catch (error) {
      if (!isAppError(error) || (error.code !== 'DEVICE_NOT_FOUND' && error.code !== 'DEVICE_STATUS_CONFLICT')) throw error;
      out.push({ deviceId, outcome: error.code === 'DEVICE_NOT_FOUND' ? 'not-found' : 'conflict', device: null });
    }
  }
  return out;
}
