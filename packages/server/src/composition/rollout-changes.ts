/**
 * Firmware rollouts under change control (issue 14 item 5, FIRMWARE_ROLLOUT_HOOK): a campaign's
 * request opens a linked `firmware-rollout` change request (target: the campaign id), its approval
 * (on the rollout page, or on the changes page) approves that change, and the change's applier
 * starts the campaign through RolloutService.start, which passes only as that application.
 *
 * MUST: a campaign starts only as the application of an approved firmware-rollout change for it.
 * MUST: the rollout approval's step-up code is spent once (the updates service checks it; the
 *       change is then approved without a second code, still refused to the requester).
 */
import type { ChangeApplierRegistry, ChangeService } from '../compliance/index.js';
import { AppError, type RequestContext } from '../kernel/index.js';
import type { Campaign, RolloutChangeControl, RolloutService } from '../updates/index.js';

const KIND = 'firmware-rollout' as const;
const CAMPAIGN_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface RolloutChangeDeps {
  readonly changes: ChangeService;
  readonly appliers: ChangeApplierRegistry;
}

function summaryOf(c: Campaign): string {
  const window = c.maintenanceWindow === null ? '' : `, window ${c.maintenanceWindow.join('-')} h`;
  return `Firmware rollout of ${c.model} ${c.targetVersion} in waves ${c.waves.join('/')} %${window} (campaign ${c.id})`;
}

/** Registers the firmware-rollout applier and connects the rollout service to change control. */
export function wireRolloutChanges(rollouts: RolloutService, deps: RolloutChangeDeps): void {
  const { changes } = deps;
  deps.appliers.register(KIND, {
    validate: (c) => {
      if (!CAMPAIGN_ID.test(c.target)) throw new AppError('COMPLIANCE_CHANGE_INVALID', { detail: 'compliance: a firmware-rollout change targets a rollout campaign id (vigil rollout create, or the console, opens it)' });
    },
    apply: async (ctx, change) => {
      if (change.orgId === null) throw new AppError('COMPLIANCE_CHANGE_INVALID', { detail: 'compliance: a firmware-rollout change belongs to an organization' });
      const started = await rollouts.start(ctx, change.target, change.orgId);
      // Another change still pending for the same campaign (its own, when a person requested one on
      // the changes page) has nothing left to approve.
      for (let other = await changes.pendingFor(KIND, started.id, started.orgId); other !== undefined; other = await changes.pendingFor(KIND, started.id, started.orgId)) {
        await changes.linkedWithdraw(ctx, other.id, `the campaign was started by change ${change.id}`);
      }
    },
  });
  const control: RolloutChangeControl = {
    opened: async (ctx, campaign) =>
      void (await changes.openLinked(ctx, { kind: KIND, orgId: campaign.orgId, target: campaign.id, summary: summaryOf(campaign), payload: payloadOf(campaign) })),
    approve: async (ctx, campaign) => {
      // A campaign requested before change control was wired gets its change now, in its requester's name.
      const pending = (await changes.pendingFor(KIND, campaign.id, campaign.orgId)) ?? (await changes.openLinked(ctx, { kind: KIND, orgId: campaign.orgId, target: campaign.id, summary: summaryOf(campaign), payload: payloadOf(campaign), requestedBy: campaign.requestedBy }));
      await changes.linkedApprove(ctx, pending.id);
    },
    requireApproved: async (ctx: RequestContext, campaign) => (await changes.requireApproved(ctx, KIND, campaign.id, { orgId: campaign.orgId })).id,
    withdrawn: async (ctx, campaign) => {
      const pending = await changes.pendingFor(KIND, campaign.id, campaign.orgId);
      if (pending !== undefined) await changes.linkedWithdraw(ctx, pending.id, 'the campaign was aborted before its approval');
    },
  };
  rollouts.attachChangeControl(control);
}

function payloadOf(c: Campaign): Record<string, string | number | boolean | null> {
  return {
    model: c.model,
    version: c.targetVersion,
    waves: c.waves.join(','),
    soakSeconds: c.soakSeconds,
    maxFailureRate: c.gates.maxFailureRate,
    maintenanceWindow: c.maintenanceWindow === null ? null : c.maintenanceWindow.join('-'),
    overrideMaintenanceWindow: c.windowOverride === true,
    priority: c.priority,
  };
}
