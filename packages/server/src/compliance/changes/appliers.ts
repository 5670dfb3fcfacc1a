/**
 * The change applier registry: for each change kind, who may request and approve it, what the
 * owning module checks when it is requested, and the applier port that carries it out once a
 * second person approved it. The composition root (composition/change-appliers.ts) registers the
 * appliers of the modules that own the settings; compliance never changes them itself.
 *
 *   role-grant         identity.setRoles                     (users:manage, organization)
 *   detector-settings  config managed settings + detection engine reconfigured live (settings:manage)
 *   password-settings  config managed settings + identity.setPasswordPreset live   (settings:manage)
 *   key-rotation       the keys module's rotation use cases (KEK re-wrap, signing keys) (keys:rotate)
 *   insecure-flag      config managed settings, effective at the next start       (settings:manage)
 *   firmware-rollout   no applier here: composition/rollout-changes.ts registers it (FIRMWARE_ROLLOUT_HOOK)
 *
 * MUST: an applier runs only from ChangeService.#apply, under the request id `change-<id>`; the
 *       owning module's gate (ChangeService.requireApproved) lets exactly that call through.
 * MUST: one applier per kind: registering a second is a wiring error (thrown at start).
 * MUST: a kind without an applier stays `approved` (a record another module consumes through the
 *       gate), it is never reported as applied.
 */
import type { Permission } from '../../access/index.js';
import type { RequestContext } from '../../kernel/index.js';
import { CHANGE_KINDS, type ChangeKind, type ChangeRequest, type PayloadValue } from './model.js';

/** Carries out an approved change through the module that owns it (identity, keys, config, …). */
export type ChangeApplier = (ctx: RequestContext, change: ChangeRequest) => Promise<void>;

/** Checks a request when it is made; throws COMPLIANCE_CHANGE_INVALID (or the module's own code). */
export type ChangeValidator = (change: { readonly target: string; readonly payload: Readonly<Record<string, PayloadValue>> }) => void;

export interface ChangeKindPolicy {
  /** organization: the change belongs to the requester's organization; platform: platform-wide (orgId null). */
  readonly scope: 'organization' | 'platform';
  /** The owning module's permission that the requester, and the approver, must also hold. */
  readonly request: Permission;
  readonly approve: Permission;
}

export const CHANGE_KIND_POLICIES: Readonly<Record<ChangeKind, ChangeKindPolicy>> = {
  'role-grant': { scope: 'organization', request: 'users:manage', approve: 'users:manage' },
  'detector-settings': { scope: 'platform', request: 'settings:manage', approve: 'settings:manage' },
  'password-settings': { scope: 'platform', request: 'settings:manage', approve: 'settings:manage' },
  'key-rotation': { scope: 'platform', request: 'keys:rotate', approve: 'keys:rotate' },
  'insecure-flag': { scope: 'platform', request: 'settings:manage', approve: 'settings:manage' },
  'firmware-rollout': { scope: 'organization', request: 'rollouts:request', approve: 'rollouts:approve' },
};

/**
 * The updates wiring's hook: composition/rollout-changes.ts registers the firmware-rollout applier
 * (target: a rollout campaign id; a campaign's request opens the change, its approval applies it)
 * and the updates service asks `requireApproved(ctx, 'firmware-rollout', campaignId)` before a
 * campaign starts. A registry without it (tests) keeps such a change `approved`.
 */
export const FIRMWARE_ROLLOUT_HOOK = "composition/rollout-changes.ts: appliers.register('firmware-rollout', …) and RolloutService.start asks changes.requireApproved(ctx, 'firmware-rollout', campaignId)";

export interface ChangeKindHandler {
  readonly validate?: ChangeValidator;
  readonly apply: ChangeApplier;
}

export class ChangeApplierRegistry {
  readonly #handlers = new Map<ChangeKind, ChangeKindHandler>();

  constructor(initial: Partial<Record<ChangeKind, ChangeKindHandler>> = {}) {
    for (const [kind, handler] of Object.entries(initial) as Array<[ChangeKind, ChangeKindHandler]>) this.register(kind, handler);
  }

  register(kind: ChangeKind, handler: ChangeKindHandler): this {
    if (!CHANGE_KINDS.includes(kind)) throw new Error(`compliance: unknown change kind ${String(kind)}`);
    if (this.#handlers.has(kind)) throw new Error(`compliance: an applier for ${kind} is already registered`);
    this.#handlers.set(kind, handler);
    return this;
  }

  applier(kind: ChangeKind): ChangeApplier | undefined {
    return this.#handlers.get(kind)?.apply;
  }

  validate(kind: ChangeKind, change: Parameters<ChangeValidator>[0]): void {
    this.#handlers.get(kind)?.validate?.(change);
  }

  policy(kind: ChangeKind): ChangeKindPolicy {
    return CHANGE_KIND_POLICIES[kind];
  }

  /** Kinds that take effect on approval (the others are approved records). */
  registered(): ChangeKind[] {
    return CHANGE_KINDS.filter((k) => this.#handlers.has(k));
  }
}
