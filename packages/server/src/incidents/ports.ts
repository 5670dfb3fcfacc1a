/**
 * Ports for what other modules will provide when they land (issue 15 runs in parallel with the
 * updates, compliance and backup issues). Each has a "not available" implementation that
 * refuses with INCIDENT_ACTION_UNAVAILABLE; main.ts wires the real ones at merge.
 *
 * MUST: an action through a port runs with the caller's RequestContext, so the owning module
 *       authorizes and audits it itself.
 */
import { AppError, type RequestContext } from '../kernel/index.js';

/** updates/: a remediation update to the last known-good image for devices with an unknown hash. */
export interface RemediationPort {
  startRemediation(ctx: RequestContext, orgId: string, deviceIds: readonly string[], incidentId: string): Promise<{ campaignId: string }>;
}

/** updates/: pause the organization's firmware rollouts (all, or of some device models). */
export interface RolloutPausePort {
  pauseRollouts(ctx: RequestContext, orgId: string, incidentId: string): Promise<{ paused: number }>;
}

/** compliance/: change requests, merged into the incident timeline. */
export interface ChangeRequestSource {
  changeRequests(orgId: string, from: string, to: string): Promise<Array<{ id: string; time: string; title: string; actorId: string }>>;
}

const unavailable = (what: string) => new AppError('INCIDENT_ACTION_UNAVAILABLE', { publicMessage: `${what} is not available in this installation yet.` });

export const NO_REMEDIATION: RemediationPort = { startRemediation: () => Promise.reject(unavailable('A remediation update')) };
export const NO_ROLLOUT_PAUSE: RolloutPausePort = { pauseRollouts: () => Promise.reject(unavailable('Pausing firmware rollouts')) };
export const NO_CHANGE_REQUESTS: ChangeRequestSource = { changeRequests: () => Promise.resolve([]) };
