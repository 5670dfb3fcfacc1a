/**
 * An organization's maintenance window for firmware installs (migration 0030): read, set and
 * cleared by people with rollouts:read / rollouts:approve, and read by the rollout engine each
 * tick. Every campaign of the organization without a window of its own holds devices bound to a
 * patient outside it.
 *
 * MUST: setting or clearing is audited in the same transaction ('updates.maintenance_window.set').
 */
import type { Clock, RequestContext, UnitOfWork } from '../kernel/index.js';
import { checkOrgWindow, describeOrgWindow, type OrgMaintenanceWindowSetting } from './maintenance-window.js';
import type { OrgWindowNow } from './rollout-delivery.js';
import { actorOf } from './rollout-model.js';
import type { RolloutPorts, RolloutScope } from './rollout-ports.js';
import { authorizeRollout, rolloutOrg } from './rollout-access.js';

export interface OrgWindowInput {
  readonly days: readonly string[];
  readonly startHour: number;
  readonly endHour: number;
}

export interface OrgWindowView {
  readonly window: OrgMaintenanceWindowSetting | null;
  readonly timeZone: string;
}

export class OrgMaintenanceWindows {
  constructor(
    private readonly uow: UnitOfWork<RolloutScope>,
    private readonly ports: RolloutPorts,
    private readonly clock: Clock,
  ) {}

  /** The organization's window (null: none set) and the time zone it is read in. */
  async get(ctx: RequestContext, orgId?: string): Promise<OrgWindowView> {
    const org = rolloutOrg(ctx, orgId);
    authorizeRollout(ctx, 'rollouts:read', org);
    const window = (await this.uow.run((s) => s.rollouts.orgWindow(org))) ?? null;
    return { window, timeZone: await this.#timeZone(org) };
  }

  /** Sets (or with null clears) the window, from the next engine tick on (running campaigns included). */
  async set(ctx: RequestContext, input: OrgWindowInput | null, orgId?: string): Promise<OrgWindowView> {
    const org = rolloutOrg(ctx, orgId);
    authorizeRollout(ctx, 'rollouts:approve', org);
    const checked = input === null ? null : checkOrgWindow(input);
    const setting: OrgMaintenanceWindowSetting | null = checked === null ? null : { ...checked, orgId: org, updatedAt: this.clock.now().toISOString(), updatedBy: actorOf(ctx.principal) };
    const timeZone = await this.#timeZone(org);
    await this.uow.run(async (s) => {
      await s.rollouts.putOrgWindow(org, setting);
      await s.audit.record(ctx, { action: 'updates.maintenance_window.set', target: { type: 'organization', id: org }, outcome: 'success', orgId: org, details: { window: setting === null ? 'none' : describeOrgWindow(setting, timeZone) } });
    });
    return { window: setting, timeZone };
  }

  /** The engine's read: the window and its time zone, or null when none is set. */
  async now(orgId: string): Promise<OrgWindowNow | null> {
    const window = await this.uow.run((s) => s.rollouts.orgWindow(orgId));
    return window === undefined ? null : { window, timeZone: await this.#timeZone(orgId) };
  }

  async #timeZone(orgId: string): Promise<string> {
    return (await this.ports.timeZone?.(orgId)) ?? 'UTC';
  }
}
