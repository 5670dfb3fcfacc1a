/**
 * Containment and eradication from an incident: each action runs through the module that owns
 * it (devices, identity, keys, updates), with the caller's RequestContext, so that module checks
 * its own permission and writes its own audit event; the incident records the action and links
 * back to it (incidents.action.* audit events name the incident and the action).
 *
 * MUST: an action on more than BULK_THRESHOLD devices, or on a whole device group, is stored as
 *       pending and runs only when a second, different user approves it (INCIDENT_APPROVAL_REQUIRED
 *       otherwise). A person who requests or approves such an action passes a step-up second
 *       factor on an MFA session (INCIDENT_STEP_UP_REQUIRED otherwise), as rollouts and change
 *       requests do; the host (CLI) may request, never approve.
 * MUST: the reason a person gives is sealed (keys/ Sealer, bound to the incident), never audited.
 * MUST: targets belong to the incident's organization: the owning module looks them up scoped by
 *       that organization (another tenant's device or user is "not found" there).
 * MUST: a one-time password from a forced reset goes back to the caller only: never stored in the
 *       action, never audited.
 * MUST: a source block expires (at most 30 days) and the edges see it within their reload period.
 */
import { AppError, isAppError, newId, type Clock, type RequestContext, type UnitOfWork } from '../kernel/index.js';
import { parseCidr, type SourceBlock, type SourceBlockList } from './block-list.js';
import { needsApproval, statusOf, type ActionResult, type ContainmentAction, type ContainmentKind } from './containment-model.js';
import type { Sealer } from '../keys/index.js';
import type { DeviceGroupPort, RemediationPort, RolloutPausePort } from './ports.js';
import { UNKNOWN_HASH_WHY } from './timeline.js';
import type { IncidentScope, IncidentService } from './service.js';
import type { IncidentStore } from './store.js';

/** What the owning modules do (wired in composition/incidents.ts). */
export interface ContainmentPorts {
  quarantineDevice(ctx: RequestContext, orgId: string, deviceId: string, reason: string): Promise<void>;
  revokeDevice(ctx: RequestContext, orgId: string, deviceId: string, reason: string): Promise<void>;
  /** Disables the account and ends every session of the user. */
  disableUser(ctx: RequestContext, orgId: string, userId: string): Promise<void>;
  resetPassword(ctx: RequestContext, orgId: string, userId: string): Promise<{ oneTimePassword: string }>;
  rotateKey(ctx: RequestContext, purpose: 'kek' | 'audit-signing'): Promise<{ keyId: string }>;
  readonly remediation: RemediationPort;
  readonly rollouts: RolloutPausePort;
  readonly groups: DeviceGroupPort;
}

export interface ContainInput {
  readonly kind: ContainmentKind;
  /** Device ids, user ids, key purposes, or one address/range for block-source. */
  readonly targets?: readonly string[];
  /** Use the incident's blast radius (devices or users) as the targets. */
  readonly blastRadius?: boolean;
  /** block-source: how long, in hours (default 24, at most 720). */
  readonly hours?: number;
  /** quarantine-devices / revoke-devices: every device of this group (always needs a second person). */
  readonly group?: string;
  /** Why (free text, sealed with the action). */
  readonly reason?: string;
  /** The requester's second-factor code, for an action that needs approval. */
  readonly stepUpCode?: string;
}

export interface ContainOutcome {
  readonly action: ContainmentAction;
  /** force-password-reset: the one-time passwords, for the caller to hand over out of band. */
  readonly oneTimePasswords?: Readonly<Record<string, string>>;
}

export interface ContainmentServiceDeps {
  readonly incidents: IncidentService;
  readonly uow: UnitOfWork<IncidentScope>;
  readonly read: IncidentStore;
  readonly ports: ContainmentPorts;
  readonly blocks: SourceBlockList;
  readonly clock: Clock;
  readonly sealer: Sealer;
  /** identity.verifyStepUp: throws unless the caller's second-factor code is right (single use). */
  readonly stepUp: (ctx: RequestContext, code: string) => Promise<void>;
}

const MAX_TARGETS = 1000;
const MAX_REASON = 1000;
const GROUP_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class ContainmentService {
  constructor(private readonly deps: ContainmentServiceDeps) {}

  /** Reloads the edges' block list from the store (at start, after a change, and periodically). */
  async reloadBlocks(): Promise<number> {
    const active = await this.deps.read.activeBlocks(this.deps.clock.now().toISOString());
    this.deps.blocks.load(active);
    return active.length;
  }

  async contain(ctx: RequestContext, incidentId: string, input: ContainInput): Promise<ContainOutcome> {
    const incident = await this.deps.incidents.requireManage(ctx, incidentId);
    if (incident.status === 'closed') throw new AppError('INCIDENT_STATE', { publicMessage: 'The incident is closed.' });
    const reason = input.reason?.trim() ?? '';
    if (reason.length > MAX_REASON) throw new AppError('INCIDENT_INVALID', { publicMessage: `A reason is at most ${MAX_REASON} characters.` });
    if (input.group !== undefined && (!GROUP_RE.test(input.group) || (input.kind !== 'quarantine-devices' && input.kind !== 'revoke-devices'))) {
      throw new AppError('INCIDENT_INVALID', { publicMessage: 'A group (letters, digits, ".", "_", "-") names the devices of a quarantine or revocation.' });
    }
    let targets = [...new Set(input.targets ?? [])];
    if (input.group !== undefined) targets = [...new Set([...targets, ...(await this.deps.ports.groups.devicesInGroup(ctx, incident.orgId, input.group))])];
    if (input.blastRadius === true) {
      const { blastRadius } = await this.deps.incidents.timeline(ctx, incidentId);
      const from =
        input.kind === 'disable-users' || input.kind === 'force-password-reset'
          ? blastRadius.users
          : input.kind === 'remediation-update'
            ? blastRadius.devices.filter((d) => d.why.includes(UNKNOWN_HASH_WHY))
            : blastRadius.devices;
      targets = [...new Set([...targets, ...from.map((i) => i.id)])];
    }
    if (targets.length === 0 && input.kind !== 'pause-rollouts') throw new AppError('INCIDENT_INVALID', { publicMessage: 'The action has no targets.' });
    if (targets.length > MAX_TARGETS) throw new AppError('INCIDENT_INVALID', { publicMessage: `At most ${MAX_TARGETS} targets per action.` });
    const action: ContainmentAction = {
      id: newId(),
      orgId: incident.orgId,
      incidentId,
      kind: input.kind,
      targets,
      status: 'pending-approval',
      requestedBy: actorOf(ctx),
      approvedBy: null,
      createdAt: this.deps.clock.now().toISOString(),
      completedAt: null,
      results: [],
      reasonSealed: reason === '' ? null : this.deps.sealer.seal(new TextEncoder().encode(reason), reasonContext(incident.orgId, incidentId)),
      options: { ...(input.hours !== undefined ? { hours: input.hours } : {}), ...(input.group !== undefined ? { group: input.group } : {}) },
    };
    if (needsApproval(input.kind, targets, input.group)) {
      if (ctx.principal.kind !== 'cli') await this.#stepUp(ctx, input.stepUpCode);
      await this.deps.uow.run(async (s) => {
        await s.incidents.insertAction(action);
        await s.audit.record(ctx, actionEvent(action, 'incidents.action.request', { targets: targets.length, group: input.group ?? '' }));
      });
      return { action };
    }
    await this.deps.uow.run((s) => s.incidents.insertAction(action));
    return this.#run(ctx, action);
  }

  /** A second person (a user on an MFA session, with a fresh step-up code) approves a pending bulk action; it runs at once. */
  async approve(ctx: RequestContext, incidentId: string, actionId: string, stepUpCode?: string): Promise<ContainOutcome> {
    const incident = await this.deps.incidents.requireManage(ctx, incidentId);
    const action = await this.deps.read.action(incident.orgId, actionId);
    if (!action || action.incidentId !== incidentId) throw new AppError('INCIDENT_NOT_FOUND');
    if (action.status !== 'pending-approval' || action.approvedBy !== null) throw new AppError('INCIDENT_STATE', { publicMessage: 'The action is not waiting for approval.' });
    if (ctx.principal.kind !== 'user' || ctx.principal.id === action.requestedBy) {
      await this.deps.uow.run((s) => s.audit.record(ctx, { ...actionEvent(action, 'incidents.action.approve', {}), outcome: 'failure', reason: 'same-person' }));
      throw new AppError('INCIDENT_APPROVAL_REQUIRED');
    }
    await this.#stepUp(ctx, stepUpCode);
    // Two approvers at the same moment: exactly one claims the action and runs it.
    const approver = ctx.principal.id;
    const claimed = await this.deps.uow.run((s) => s.incidents.claimApproval(incident.orgId, actionId, approver));
    if (!claimed) throw new AppError('INCIDENT_STATE', { publicMessage: 'Another person has already approved this action.' });
    return this.#run(ctx, { ...action, approvedBy: approver });
  }

  async #stepUp(ctx: RequestContext, code: string | undefined): Promise<void> {
    if (ctx.principal.kind !== 'user' || !ctx.principal.mfa || code === undefined || code === '') {
      throw new AppError('INCIDENT_STEP_UP_REQUIRED', { publicMessage: 'An action on more than 10 devices or a whole group needs a person signed in with a second factor, and a fresh code (stepUpCode).' });
    }
    await this.deps.stepUp(ctx, code);
  }

  async list(ctx: RequestContext, incidentId: string): Promise<ContainmentAction[]> {
    const incident = await this.deps.incidents.get(ctx, incidentId);
    return this.deps.read.actions(incident.orgId, incidentId);
  }

  async #run(ctx: RequestContext, action: ContainmentAction): Promise<ContainOutcome> {
    const hours = action.options.hours;
    const { ports } = this.deps;
    const org = action.orgId;
    const reason = `incident-${action.incidentId.slice(0, 8)}`;
    const results: ActionResult[] = [];
    const passwords: Record<string, string> = {};
    const each = async (fn: (target: string) => Promise<void>) => {
      for (const target of action.targets) {
        try {
          await fn(target);
          results.push({ target, outcome: 'ok', code: null });
        } catch (error) {
          results.push({ target, outcome: 'failed', code: isAppError(error) ? error.code : 'INTERNAL' });
        }
      }
    };
    // A port that acts on many things at once answers per thing; when it fails as a whole, one failed result.
    const whole = async (target: string, fn: () => Promise<ActionResult[]>) => {
      try {
        results.push(...(await fn()));
      } catch (error) {
        results.push({ target, outcome: 'failed', code: isAppError(error) ? error.code : 'INTERNAL' });
      }
    };
    switch (action.kind) {
      case 'quarantine-devices':
        await each((id) => ports.quarantineDevice(ctx, org, id, reason));
        break;
      case 'revoke-devices':
        await each((id) => ports.revokeDevice(ctx, org, id, reason));
        break;
      case 'disable-users':
        await each((id) => ports.disableUser(ctx, org, id));
        break;
      case 'force-password-reset':
        await each(async (id) => {
          passwords[id] = (await ports.resetPassword(ctx, org, id)).oneTimePassword;
        });
        break;
      case 'rotate-keys':
        await each(async (purpose) => {
          if (purpose !== 'kek' && purpose !== 'audit-signing') throw new AppError('INCIDENT_INVALID');
          await ports.rotateKey(ctx, purpose);
        });
        break;
      case 'block-source':
        await each((cidr) => this.#block(ctx, action, cidr, hours ?? 24));
        break;
      case 'pause-rollouts':
        await whole(org, () => ports.rollouts.pauseRollouts(ctx, org, action.incidentId));
        break;
      case 'remediation-update':
        await whole(org, () => ports.remediation.startRemediation(ctx, org, action.targets, action.incidentId));
        break;
    }
    const done: ContainmentAction = { ...action, status: statusOf(results), results, completedAt: this.deps.clock.now().toISOString() };
    await this.deps.uow.run(async (s) => {
      await s.incidents.updateAction(done);
      await s.audit.record(ctx, actionEvent(done, 'incidents.action.run', { ok: results.filter((r) => r.outcome === 'ok').length, failed: results.filter((r) => r.outcome === 'failed').length, approvedBy: done.approvedBy ?? '' }));
    });
    if (action.kind === 'block-source') await this.reloadBlocks();
    return { action: done, ...(Object.keys(passwords).length > 0 ? { oneTimePasswords: passwords } : {}) };
  }

  async #block(ctx: RequestContext, action: ContainmentAction, cidr: string, hours: number): Promise<void> {
    parseCidr(cidr);
    if (!(hours > 0 && hours <= 720)) throw new AppError('INCIDENT_INVALID', { publicMessage: 'A block lasts between 1 hour and 30 days.' });
    const now = this.deps.clock.now();
    const block: SourceBlock = { id: newId(), orgId: action.orgId, incidentId: action.incidentId, cidr, createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + hours * 3_600_000).toISOString(), createdBy: actorOf(ctx) };
    await this.deps.uow.run(async (s) => {
      await s.incidents.insertBlock(block);
      await s.audit.record(ctx, { action: 'incidents.source.block', target: { type: 'ip', id: cidr }, outcome: 'success', orgId: action.orgId, details: { incident: action.incidentId, expiresAt: block.expiresAt } });
    });
  }
}

function reasonContext(orgId: string, incidentId: string): string {
  return `incident-action:${orgId}:${incidentId}`;
}

function actorOf(ctx: RequestContext): string {
  return ctx.principal.kind === 'user' ? ctx.principal.id : ctx.principal.kind;
}

function actionEvent(action: ContainmentAction, name: string, details: Record<string, string | number>) {
  return { action: name, target: { type: 'incident', id: action.incidentId }, outcome: 'success' as const, orgId: action.orgId, details: { action: action.id, kind: action.kind, status: action.status, ...details } };
}
