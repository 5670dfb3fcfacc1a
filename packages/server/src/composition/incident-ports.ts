/**
 * Adapters from the incidents module's ports (incidents/ports.ts) to the modules that own the
 * actions: updates (pause rollouts, a remediation campaign), compliance (change requests in the
 * timeline) and devices (the devices of a group). Each runs the owning module's public use case
 * with the caller's RequestContext, so that module authorizes and audits it; nothing here writes
 * to another module's tables.
 *
 * MUST: only the incident's organization is touched: every use case is called with `orgId`, and
 *       what comes back is filtered to it again (a host principal sees every organization).
 * MUST: a remediation is a rollout campaign like any other: it waits for the updates module's own
 *       two-person approval (requester and approver differ, both with MFA) before anything is sent.
 */
import type { ChangeRequest, ChangeService } from '../compliance/index.js';
import type { DeviceService, DeviceView } from '../devices/index.js';
import type { ActionResult, ChangeRequestEvent, ChangeRequestSource, DeviceGroupPort, RemediationPort, RolloutPausePort } from '../incidents/index.js';
import { AppError, isAppError, newId, type RequestContext } from '../kernel/index.js';
import { compareVersions, type ReleaseService, type RolloutService } from '../updates/index.js';

/**
 * The tag one remediation puts on its devices: its campaigns target this group only. One group per
 * remediation, so a later remediation of the same incident never widens an earlier campaign (a
 * device named again while its campaign is active is refused with UPDATES_ROLLOUT_OVERLAP).
 */
export function remediationGroup(incidentId: string): string {
  return `incident-${incidentId.slice(0, 8)}-${newId().slice(0, 8)}`;
}

/** A remediation campaign outranks ordinary rollouts of the same devices. */
export const REMEDIATION_PRIORITY = 1000;

const ok = (target: string): ActionResult => ({ target, outcome: 'ok', code: null });
const failed = (target: string, error: unknown): ActionResult => ({ target, outcome: 'failed', code: isAppError(error) ? error.code : 'INTERNAL' });

/** Pauses every running campaign of the organization through RolloutService.pause (audited there as updates.rollout.pause). */
export function rolloutPauseAdapter(rollouts: () => RolloutService | undefined): RolloutPausePort {
  return {
    pauseRollouts: async (ctx, orgId) => {
      const service = rollouts();
      if (service === undefined) return [];
      const running = (await service.list(ctx, orgId)).filter((c) => c.orgId === orgId && c.status === 'running');
      const results: ActionResult[] = [];
      for (const campaign of running) {
        try {
          await service.pause(ctx, campaign.id, orgId);
          results.push(ok(`rollout:${campaign.id}`));
        } catch (error) {
          results.push(failed(`rollout:${campaign.id}`, error));
        }
      }
      return results;
    },
  };
}

/**
 * A remediation update: per device model, a campaign of the newest published release to the
 * devices named (tagged with the incident's remediation group through DeviceService.setGroups),
 * one wave, no soak, a high priority. The updates module targets active devices only: a
 * quarantined or revoked device is reported DEVICE_STATUS_CONFLICT (a quarantined device recovers
 * by installing the known-good release through its TUF client; a verified report releases it).
 */
export function remediationAdapter(deps: { devices: DeviceService; releases: () => ReleaseService | undefined; rollouts: () => RolloutService | undefined }): RemediationPort {
  return {
    startRemediation: async (ctx, orgId, deviceIds, incidentId) => {
      const releases = deps.releases();
      const rollouts = deps.rollouts();
      if (releases === undefined || rollouts === undefined) return deviceIds.map((id) => ({ target: id, outcome: 'failed' as const, code: 'INCIDENT_ACTION_UNAVAILABLE' }));
      const results: ActionResult[] = [];
      const byModel = new Map<string, DeviceView[]>();
      for (const deviceId of deviceIds) {
        try {
          const device = await deps.devices.get(ctx, { orgId, deviceId });
          if (device.orgId !== orgId) throw new AppError('DEVICE_NOT_FOUND');
          if (device.status !== 'active') {
            results.push({ target: deviceId, outcome: 'failed', code: 'DEVICE_STATUS_CONFLICT' });
            continue;
          }
          byModel.set(device.model, [...(byModel.get(device.model) ?? []), device]);
        } catch (error) {
          results.push(failed(deviceId, error));
        }
      }
      const group = remediationGroup(incidentId);
      for (const [model, devices] of byModel) {
        try {
          const newest = newestRelease(await releases.list(ctx, model));
          if (newest === undefined) {
            results.push(...devices.map((d) => ({ target: d.id, outcome: 'failed' as const, code: 'UPDATES_RELEASE_NOT_FOUND' })));
            continue;
          }
          const tagged: DeviceView[] = [];
          for (const d of devices) {
            try {
              if (!d.groups.includes(group)) await deps.devices.setGroups(ctx, { orgId, deviceId: d.id }, [...d.groups, group]);
              tagged.push(d);
            } catch (error) {
              results.push(failed(d.id, error));
            }
          }
          if (tagged.length === 0) continue;
          const campaign = await rollouts.create(ctx, { orgId, model, version: newest, groups: [group], waves: [100], soakSeconds: 0, priority: REMEDIATION_PRIORITY });
          results.push(...tagged.map((d) => ok(d.id)), ok(`rollout:${campaign.id}`));
        } catch (error) {
          results.push(...devices.filter((d) => !results.some((r) => r.target === d.id)).map((d) => failed(d.id, error)));
        }
      }
      return results;
    },
  };
}

function newestRelease(releases: ReadonlyArray<{ readonly version: string }>): string | undefined {
  let best: string | undefined;
  for (const r of releases) {
    try {
      if (best === undefined || compareVersions(r.version, best) > 0) best = r.version;
    } catch {
      // a version that does not parse is never "newest"
    }
  }
  return best;
}

/** Change requests of the organization (and platform-wide ones), as timeline events, through ChangeService.list. */
export function changeRequestAdapter(changes: () => ChangeService | undefined): ChangeRequestSource {
  return {
    changeRequests: async (ctx, orgId, from, to) => {
      const service = changes();
      if (service === undefined) return [];
      const list = await service.list(ctx, { limit: 1000 });
      const events: ChangeRequestEvent[] = [];
      for (const c of list) {
        if (c.orgId !== null && c.orgId !== orgId) continue;
        for (const e of changeEvents(c)) if (e.time >= from && e.time <= to) events.push(e);
      }
      return events;
    },
  };
}

/** The moments of a change request's life, each with the person who acted. */
export function changeEvents(c: ChangeRequest): ChangeRequestEvent[] {
  const summary = `${c.kind} ${c.target}`.slice(0, 200);
  const person = (who: string | null) => (who !== null && who.startsWith('user:') ? who.slice(5) : null);
  const out: ChangeRequestEvent[] = [{ id: c.id, time: c.requestedAt, kind: c.emergency ? 'change.requested.emergency' : 'change.requested', summary, userId: person(c.requestedBy) }];
  if (c.decidedAt !== null) out.push({ id: c.id, time: c.decidedAt, kind: c.status === 'rejected' ? 'change.rejected' : 'change.approved', summary, userId: person(c.decidedBy) });
  if (c.appliedAt !== null) out.push({ id: c.id, time: c.appliedAt, kind: c.status === 'failed' ? 'change.failed' : 'change.applied', summary, userId: null });
  if (c.reviewedAt !== null) out.push({ id: c.id, time: c.reviewedAt, kind: 'change.reviewed', summary, userId: person(c.reviewedBy) });
  return out;
}

/** The ids of the organization's devices in a group, through DeviceService.list. */
export function deviceGroupAdapter(devices: DeviceService): DeviceGroupPort {
  return {
    devicesInGroup: async (ctx: RequestContext, orgId: string, group: string) => (await devices.list(ctx, { orgId })).filter((d) => d.orgId === orgId && d.groups.includes(group)).map((d) => d.id),
  };
}
