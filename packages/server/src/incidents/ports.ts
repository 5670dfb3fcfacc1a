/**
 * Ports for what other modules provide to incident response: the updates module (pause rollouts,
 * a remediation update), the compliance module (change requests in the timeline) and the devices
 * module (the devices of a group, for revoking a whole group). composition/incidents.ts adapts
 * those modules' use cases to these ports; the "not available" implementations below serve an
 * installation (or a test) that runs without them.
 *
 * MUST: an action through a port runs with the caller's RequestContext, so the owning module
 *       authorizes and audits it itself.
 * MUST: a port answers only for the organization it is given (another tenant's rollout, change
 *       request or device never appears).
 */
import { AppError, type RequestContext } from '../kernel/index.js';
import type { ActionResult } from './containment-model.js';

/** updates/: a remediation update to the newest published image for devices with an unknown hash. */
export interface RemediationPort {
  /** One result per device (ok: it is in a remediation campaign) plus one `rollout:<id>` result per campaign started. */
  startRemediation(ctx: RequestContext, orgId: string, deviceIds: readonly string[], incidentId: string): Promise<ActionResult[]>;
}

/** updates/: pause the organization's running firmware rollouts. */
export interface RolloutPausePort {
  /** One result per running campaign: `rollout:<id>`, ok when paused. */
  pauseRollouts(ctx: RequestContext, orgId: string, incidentId: string): Promise<ActionResult[]>;
}

/** One moment in a change request's life (requested, approved, rejected, applied, reviewed). */
export interface ChangeRequestEvent {
  readonly id: string;
  readonly time: string;
  /** `change.requested`, `change.approved`, `change.rejected`, `change.applied`, `change.failed`, `change.reviewed`. */
  readonly kind: string;
  /** The change's kind (role-grant, key-rotation, ...) and target, e.g. `role-grant user-1`. */
  readonly summary: string;
  /** The person who acted (a user id), or null for the host. */
  readonly userId: string | null;
}

/** compliance/: change requests, merged into the incident timeline. */
export interface ChangeRequestSource {
  changeRequests(ctx: RequestContext, orgId: string, from: string, to: string): Promise<ChangeRequestEvent[]>;
}

/** devices/: the ids of an organization's devices in a group (revoking a whole group). */
export interface DeviceGroupPort {
  devicesInGroup(ctx: RequestContext, orgId: string, group: string): Promise<string[]>;
}

const unavailable = (what: string) => new AppError('INCIDENT_ACTION_UNAVAILABLE', { publicMessage: `${what} is not available in this installation.` });

export const NO_REMEDIATION: RemediationPort = { startRemediation: () => Promise.reject(unavailable('A remediation update')) };
export const NO_ROLLOUT_PAUSE: RolloutPausePort = { pauseRollouts: () => Promise.reject(unavailable('Pausing firmware rollouts')) };
export const NO_CHANGE_REQUESTS: ChangeRequestSource = { changeRequests: () => Promise.resolve([]) };
export const NO_DEVICE_GROUPS: DeviceGroupPort = { devicesInGroup: () => Promise.reject(unavailable('Device groups')) };
