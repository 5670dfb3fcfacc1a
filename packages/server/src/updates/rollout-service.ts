/**
 * RolloutService: firmware campaigns in staged waves with health gates (see rollout-model.ts),
 * two-person approval, pause/resume/abort/rollback, and delivery through the device command path
 * (telemetry/commands.ts: MQTT, nonce, expiry; an offline device gets it when it connects).
 *
 * MUST: every change is authorized on the campaign's organization (rollouts:request / approve /
 *       read) and audited in the same transaction; a campaign of another organization is 404.
 * MUST: nothing is sent before approval; a halted, paused or aborted campaign sends nothing.
 * MUST: a halt raises exactly one alert per halt; devices of an active campaign are not targeted
 *       by another campaign unless it has a higher priority.
 */
import { compareVersions } from '@vigil/protocol';
import { AppError, newId, type Clock, type RequestContext, type UnitOfWork } from '../kernel/index.js';
import { OrgMaintenanceWindows, type OrgWindowInput, type OrgWindowView } from './org-maintenance-windows.js';
import { authorizeRollout, invalidRollout, rolloutOrg } from './rollout-access.js';
import { selectTargets, type TargetFilter } from './rollout-targets.js';
import { campaignWindowState, COMMAND_TTL_SECONDS, deliverOpenWaves, ROLLBACK_COMMAND, UPDATE_COMMAND } from './rollout-delivery.js';
import type { CreateRolloutInput, RolloutChangeControl, RolloutCommands, RolloutPorts, RolloutScope, RolloutStatus, RolloutDevice, StepUp } from './rollout-ports.js';
import {
  ACTIVE_STATUSES,
  actorOf,
  assignWaves,
  checkApproval,
  checkSite,
  checkStartAt,
  checkTransition,
  checkWaves,
  DEFAULT_GATES,
  DEFAULT_WAVES,
  evaluateGate,
  requireMfa,
  type Campaign,
  type CampaignDevice,
  type CampaignStatus,
  type Gates,
} from './rollout-model.js';

export class RolloutService {
  #commands: RolloutCommands | undefined;
  #changes: RolloutChangeControl | undefined;
  readonly #windows: OrgMaintenanceWindows;

  constructor(
    private readonly uow: UnitOfWork<RolloutScope>,
    private readonly ports: RolloutPorts,
    private readonly clock: Clock,
    /** When set, a person (user principal) approves only with a fresh second-factor code (step-up). */
    private readonly stepUp?: StepUp,
  ) {
    this.#windows = new OrgMaintenanceWindows(uow, ports, clock);
  }

  /** The command path is built with the server (after the platform): main.ts connects it. */
  attachCommands(commands: RolloutCommands): void {
    this.#commands = commands;
  }

  /** Change control is wired with compliance (composition/updates.ts); without it a campaign starts on approval. */
  attachChangeControl(changes: RolloutChangeControl): void {
    this.#changes = changes;
  }

  async create(ctx: RequestContext, input: CreateRolloutInput): Promise<Campaign> {
    const orgId = rolloutOrg(ctx, input.orgId);
    authorizeRollout(ctx, 'rollouts:request', orgId);
    requireMfa(ctx.principal);
    const waves = input.waves ?? DEFAULT_WAVES;
    checkWaves(waves);
    const gates: Gates = { ...DEFAULT_GATES, ...input.gates };
    if (!(gates.maxFailureRate >= 0 && gates.maxFailureRate <= 1) || !(gates.offlineTimeoutSeconds >= 1)) throw invalidRollout('Gates: maxFailureRate 0..1, offlineTimeoutSeconds >= 1.');
    const gap = gates.clinicalGapSeconds ?? 0;
    if (!Number.isInteger(gap) || (gap !== 0 && (gap < 60 || gap > 7 * 86400))) throw invalidRollout('Gates: clinicalGapSeconds is 0 (off) or 60..604800.');
    const soakSeconds = input.soakSeconds ?? 3600;
    const maxRetries = input.maxRetries ?? 2;
    const priority = input.priority ?? 0;
    if (!Number.isInteger(soakSeconds) || soakSeconds < 0 || !Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 10 || !Number.isInteger(priority)) throw invalidRollout('soakSeconds, maxRetries (0..10) and priority are whole numbers.');
    const startAt = checkStartAt(input.startAt, this.clock.now());
    const site = checkSite(input.site);
    const window = input.maintenanceWindow ?? null;
    if (window !== null && !window.every((h) => Number.isInteger(h) && h >= 0 && h <= 23)) throw invalidRollout('The maintenance window is two UTC hours 0..23.');
    const targets = await this.#targets(orgId, input.model, { ...input, site });
    const created = await this.uow.run(async (s) => {
      const release = await s.firmware.findRelease(input.model, input.version);
      if (release === undefined) throw new AppError('UPDATES_RELEASE_NOT_FOUND');
      const now = this.clock.now().toISOString();
      const id = newId();
      const mine = new Set(targets.map((d) => d.id));
      for (const other of await s.rollouts.list(orgId, ACTIVE_STATUSES)) {
        if (other.priority >= priority && (await s.rollouts.devices(other.id)).some((d) => mine.has(d.deviceId) && d.status !== 'installed')) {
          throw new AppError('UPDATES_ROLLOUT_OVERLAP', { publicMessage: `Campaign ${other.id} already targets some of these devices; give this one a higher priority.` });
        }
      }
      const campaign: Campaign = {
        id,
        orgId,
        model: input.model,
        targetVersion: input.version,
        targetPath: release.targetPath,
        fromMin: input.fromMin ?? null,
        fromMax: input.fromMax ?? null,
        groups: [...(input.groups ?? [])],
        site,
        waves: [...waves],
        soakSeconds,
        gates,
        maxRetries,
        priority,
        maintenanceWindow: window === null ? null : [window[0], window[1]],
        windowOverride: input.overrideMaintenanceWindow === true,
        startAt,
        status: 'pending-approval',
        currentWave: 0,
        waveStartedAt: null,
        requestedBy: actorOf(ctx.principal),
        approvedBy: null,
        haltReason: null,
        createdAt: now,
        updatedAt: now,
      };
      await s.rollouts.insert(campaign);
      const assigned = assignWaves(id, [...mine], waves);
      await s.rollouts.insertDevices([...assigned].map(([deviceId, wave]): CampaignDevice => ({ campaignId: id, deviceId, wave, status: 'waiting', attempts: 0, sentAt: null, updatedAt: now })));
      await s.audit.record(ctx, {
        action: 'updates.rollout.create',
        target: { type: 'rollout', id },
        outcome: 'success',
        orgId,
        details: { model: input.model, version: input.version, devices: mine.size, site: site ?? 'any', waves: waves.join(','), priority, maintenanceWindow: window === null ? 'none' : window.join('-'), windowOverride: input.overrideMaintenanceWindow === true, startAt: startAt ?? 'at approval' },
      });
      return campaign;
    });
    await this.#changes?.opened(ctx, created);
    return created;
  }

  async approve(ctx: RequestContext, id: string, orgId?: string, stepUpCode?: string): Promise<Campaign> {
    const org = rolloutOrg(ctx, orgId);
    authorizeRollout(ctx, 'rollouts:approve', org);
    const refused = async (error: unknown): Promise<never> => {
      await this.uow.run((s) => s.audit.record(ctx, { action: 'updates.rollout.approve', target: { type: 'rollout', id }, outcome: 'failure', orgId: org, reason: 'approval-refused' }));
      throw error;
    };
    const campaign = await this.uow.run((s) => this.#find(s, org, id));
    try {
      checkApproval(campaign, ctx.principal);
      // After the cheap checks (the requester is refused without spending a code), and outside the
      // campaign's transaction: the step-up records its own outcome.
      if (this.stepUp !== undefined && ctx.principal.kind === 'user') {
        if (stepUpCode === undefined || stepUpCode === '') throw new AppError('UPDATES_ROLLOUT_APPROVAL_REFUSED', { publicMessage: 'Confirm the approval with a code from your authenticator app.' });
        // A wrong code is this approval's refusal (403), not the end of the session (identity's 401).
        await this.stepUp(ctx, stepUpCode).catch((error: unknown) => {
          if (!(error instanceof AppError) || !error.code.startsWith('IDENTITY_MFA')) throw error;
          throw new AppError('UPDATES_ROLLOUT_APPROVAL_REFUSED', { publicMessage: error.code === 'IDENTITY_MFA_NOT_ENROLLED' ? 'Enrol an authenticator app to approve rollouts.' : 'The authenticator code is not correct.' });
        });
      }
    } catch (error) {
      return refused(error);
    }
    // With change control, the approval is the linked change request's: its applier starts the
    // campaign (start() below, gated on that change); without it, the campaign starts here.
    if (this.#changes !== undefined) {
      await this.#changes.approve(ctx, campaign);
      return this.uow.run((s) => this.#find(s, org, id));
    }
    return this.#start(ctx, org, id, null);
  }

  /**
   * Starts an approved campaign: the firmware-rollout change applier's call, under the approved
   * change's request id (anything else is COMPLIANCE_CHANGE_REQUIRED). The approver is still a
   * second person with MFA (checkApproval).
   */
  async start(ctx: RequestContext, id: string, orgId: string): Promise<Campaign> {
    authorizeRollout(ctx, 'rollouts:approve', orgId);
    const campaign = await this.uow.run((s) => this.#find(s, orgId, id));
    if (this.#changes === undefined) throw new AppError('COMPLIANCE_CHANGE_REQUIRED', { detail: 'updates: no change control wired' });
    const changeId = await this.#changes.requireApproved(ctx, campaign);
    return this.#start(ctx, orgId, id, changeId);
  }

  async #start(ctx: RequestContext, org: string, id: string, changeId: string | null): Promise<Campaign> {
    return this.uow.run(async (s) => {
      const fresh = await this.#find(s, org, id);
      checkApproval(fresh, ctx.principal);
      const now = this.clock.now().toISOString();
      // A scheduled campaign's first wave opens (and soaks) from its start.
      const start = fresh.startAt ?? null;
      const opens = start !== null && start > now ? start : now;
      const next: Campaign = { ...fresh, status: 'running', approvedBy: actorOf(ctx.principal), currentWave: 0, waveStartedAt: opens, updatedAt: now };
      await s.rollouts.update(next);
      await s.audit.record(ctx, { action: 'updates.rollout.approve', target: { type: 'rollout', id }, outcome: 'success', orgId: org, details: { requestedBy: fresh.requestedBy, stepUp: this.stepUp !== undefined && ctx.principal.kind === 'user', ...(changeId !== null ? { changeId } : {}) } });
      return next;
    });
  }

  pause(ctx: RequestContext, id: string, orgId?: string): Promise<Campaign> {
    return this.#change(ctx, id, orgId, 'pause', 'paused');
  }

  resume(ctx: RequestContext, id: string, orgId?: string): Promise<Campaign> {
    return this.#change(ctx, id, orgId, 'resume', 'running');
  }

  async abort(ctx: RequestContext, id: string, orgId?: string): Promise<Campaign> {
    const aborted = await this.#change(ctx, id, orgId, 'abort', 'aborted');
    // A campaign aborted before its approval closes its pending change request (no-op otherwise).
    await this.#changes?.withdrawn(ctx, aborted);
    return aborted;
  }

  /** Stops the campaign and tells the devices that installed it to return to their previous image (A/B slot). */
  async rollback(ctx: RequestContext, id: string, orgId?: string): Promise<Campaign> {
    const campaign = await this.#change(ctx, id, orgId, 'rollback', 'rolled-back');
    const installed = (await this.uow.run((s) => s.rollouts.devices(id))).filter((d) => d.status === 'installed');
    for (const d of installed) await this.#commands?.send(campaign.orgId, d.deviceId, ROLLBACK_COMMAND, { campaignId: id }, COMMAND_TTL_SECONDS);
    return campaign;
  }

  /** The organization's maintenance window (null: none set) and the time zone it is read in (org-maintenance-windows.ts). */
  maintenanceWindow(ctx: RequestContext, orgId?: string): Promise<OrgWindowView> {
    return this.#windows.get(ctx, orgId);
  }

  /** Sets (or with null clears) the organization's maintenance window (org-maintenance-windows.ts). */
  setMaintenanceWindow(ctx: RequestContext, input: OrgWindowInput | null, orgId?: string): Promise<OrgWindowView> {
    return this.#windows.set(ctx, input, orgId);
  }

  async status(ctx: RequestContext, id: string, orgId?: string): Promise<RolloutStatus> {
    const org = rolloutOrg(ctx, orgId);
    authorizeRollout(ctx, 'rollouts:read', org);
    const { campaign, waves } = await this.uow.run(async (s) => {
      const campaign = await this.#find(s, org, id);
      const devices = await s.rollouts.devices(id);
      const waves = campaign.waves.map((share, wave) => {
        const of = devices.filter((d) => d.wave === wave);
        const count = (st: string) => of.filter((d) => d.status === st).length;
        return { share, devices: of.length, waiting: count('waiting'), held: count('held'), sent: count('sent'), installed: count('installed'), failed: count('failed') };
      });
      return { campaign, waves };
    });
    const orgWindow = campaign.maintenanceWindow === null && campaign.windowOverride !== true ? await this.#windows.now(campaign.orgId) : null;
    return { campaign, waves, window: campaignWindowState(campaign, this.clock.now(), orgWindow) };
  }

  async list(ctx: RequestContext, orgId?: string): Promise<Campaign[]> {
    const org = rolloutOrg(ctx, orgId);
    authorizeRollout(ctx, 'rollouts:read', org);
    return this.uow.run((s) => s.rollouts.list(org));
  }

  /**
   * An install outcome of a device: its verified attestation of the target, or a failed install
   * (its ack of the `firmware.update` command). A failure sends the update again on the next tick
   * while the device has retries left (`maxRetries`), then the device counts as failed.
   */
  async recordOutcome(orgId: string, deviceId: string, outcome: { installedVersion: string } | { failed: string }, campaignId?: string): Promise<void> {
    await this.uow.run(async (s) => {
      for (const campaign of await s.rollouts.list(orgId, ['running', 'paused', 'halted'])) {
        if (campaignId !== undefined && campaign.id !== campaignId) continue;
        const device = (await s.rollouts.devices(campaign.id)).find((d) => d.deviceId === deviceId);
        if (device === undefined || device.status === 'installed' || device.status === 'failed') continue;
        const now = this.clock.now().toISOString();
        if ('installedVersion' in outcome) {
          if (compareVersions(outcome.installedVersion, campaign.targetVersion) !== 0) continue;
          await s.rollouts.updateDevice({ ...device, status: 'installed', updatedAt: now });
        } else {
          // Only an answer to an update that was sent counts (not a late ack of a superseded one).
          if (device.status !== 'sent') continue;
          const retry = device.attempts <= campaign.maxRetries;
          await s.rollouts.updateDevice({ ...device, status: retry ? 'waiting' : 'failed', updatedAt: now });
          if (!retry) {
            const system = { principal: { kind: 'system' as const, id: 'system' as const }, requestId: `rollout-${campaign.id}`, source: 'local' };
            await s.audit.record(system, {
              action: 'updates.rollout.device_failed',
              target: { type: 'device', id: deviceId },
              outcome: 'failure',
              orgId,
              reason: outcome.failed.slice(0, 100),
              details: { campaignId: campaign.id, attempts: device.attempts },
            });
          }
        }
      }
    });
  }

  /**
   * A device's ack of a command (telemetry's CommandService.onAck). A `firmware.update` answered
   * `failed` or `rejected` is a failed install of that campaign; `done` is not yet an install (the
   * device counts as installed with its verified attestation); `deferred` (the device's consent
   * callback declined for now) and an expired command are no outcome: the offline timeout decides.
   */
  async recordAck(ack: { readonly orgId: string; readonly deviceId: string; readonly name: string; readonly args: Readonly<Record<string, unknown>>; readonly status: string; readonly reason: string | null }): Promise<void> {
    if (ack.name !== UPDATE_COMMAND || typeof ack.args['campaignId'] !== 'string') return;
    if ((ack.status !== 'failed' && ack.status !== 'rejected') || ack.reason === 'deferred') return;
    await this.recordOutcome(ack.orgId, ack.deviceId, { failed: ack.reason ?? ack.status }, ack.args['campaignId']);
  }

  /** The engine (a job): sends what opened waves need, checks gates, advances, halts. */
  async tick(): Promise<void> {
    const running = await this.uow.run((s) => s.rollouts.list(null, ['running']));
    for (const campaign of running) await this.#tickOne(campaign);
  }

  async #tickOne(campaign: Campaign): Promise<void> {
    const now = this.clock.now();
    // Approved but scheduled later: nothing is sent (nor joined) before its start.
    const start = campaign.startAt ?? null;
    if (start !== null && now.toISOString() < start) return;
    // Devices enrolled (or moved into the target) after the start join the current wave.
    const targets = await this.#targets(campaign.orgId, campaign.model, campaign);
    let devices = await this.uow.run((s) => s.rollouts.devices(campaign.id));
    const known = new Set(devices.map((d) => d.deviceId));
    const joined = targets.filter((d) => !known.has(d.id)).map((d): CampaignDevice => ({ campaignId: campaign.id, deviceId: d.id, wave: campaign.currentWave, status: 'waiting', attempts: 0, sentAt: null, updatedAt: now.toISOString() }));
    if (joined.length > 0) {
      await this.uow.run((s) => s.rollouts.insertDevices(joined));
      devices = [...devices, ...joined];
    }
    const opened = devices.filter((d) => d.wave <= campaign.currentWave);
    if (this.#commands !== undefined) {
      const commands = this.#commands;
      await deliverOpenWaves(campaign, opened, {
        send: (orgId, deviceId, name, args, ttl) => commands.send(orgId, deviceId, name, args, ttl),
        ...(this.ports.boundToPatient !== undefined ? { boundToPatient: this.ports.boundToPatient } : {}),
        update: (next) => this.uow.run((s) => s.rollouts.updateDevice(next)),
        clock: this.clock,
        orgWindow: campaign.maintenanceWindow === null && campaign.windowOverride !== true ? await this.#windows.now(campaign.orgId) : null,
      });
    }
    const fresh = (await this.uow.run((s) => s.rollouts.devices(campaign.id))).filter((d) => d.wave <= campaign.currentWave);
    const alerted = campaign.gates.haltOnSecurityAlert ? await this.ports.alertedDevices(campaign.orgId, campaign.waveStartedAt ?? campaign.createdAt) : new Set<string>();
    const gapSeconds = campaign.gates.clinicalGapSeconds ?? 0;
    const installed = fresh.filter((d) => d.status === 'installed').map((d) => ({ deviceId: d.deviceId, installedAt: d.updatedAt }));
    const gaps = gapSeconds > 0 && installed.length > 0 && this.ports.clinicalGaps !== undefined ? await this.ports.clinicalGaps(campaign.orgId, installed, gapSeconds) : new Set<string>();
    const verdict = evaluateGate(campaign, fresh, alerted, now.getTime(), gaps);
    if (verdict.kind === 'wait') return;
    const system = { principal: { kind: 'system' as const, id: 'system' as const }, requestId: `rollout-${campaign.id}`, source: 'local' };
    if (verdict.kind === 'halt') {
      const halted: Campaign = { ...campaign, status: 'halted', haltReason: verdict.reason, updatedAt: now.toISOString() };
      await this.uow.run(async (s) => {
        await s.rollouts.update(halted);
        await s.audit.record(system, { action: 'updates.rollout.halt', target: { type: 'rollout', id: campaign.id }, outcome: 'success', orgId: campaign.orgId, reason: 'health-gate', details: { wave: campaign.currentWave, reason: verdict.reason } });
      });
      this.ports.halted(halted, verdict.reason);
      return;
    }
    const last = campaign.currentWave >= campaign.waves.length - 1;
    const next: Campaign = last
      ? { ...campaign, status: 'completed', updatedAt: now.toISOString() }
      : { ...campaign, currentWave: campaign.currentWave + 1, waveStartedAt: now.toISOString(), updatedAt: now.toISOString() };
    await this.uow.run(async (s) => {
      await s.rollouts.update(next);
      await s.audit.record(system, { action: last ? 'updates.rollout.complete' : 'updates.rollout.advance', target: { type: 'rollout', id: campaign.id }, outcome: 'success', orgId: campaign.orgId, details: { wave: next.currentWave } });
    });
  }

  /** The campaign's target set now (rollout-targets.ts); the registry narrows by model and site. */
  async #targets(orgId: string, model: string, filter: TargetFilter): Promise<RolloutDevice[]> {
    const site = filter.site ?? null;
    return selectTargets(site === null ? await this.ports.devices(orgId, model) : await this.ports.devices(orgId, model, site), model, filter);
  }

  async #change(ctx: RequestContext, id: string, orgId: string | undefined, action: 'pause' | 'resume' | 'abort' | 'rollback', status: CampaignStatus): Promise<Campaign> {
    const org = rolloutOrg(ctx, orgId);
    // Pausing is a safety stop (an incident responder's containment); resuming and rolling back need an approver.
    authorizeRollout(ctx, action === 'pause' ? 'rollouts:pause' : action === 'abort' ? 'rollouts:request' : 'rollouts:approve', org);
    return this.uow.run(async (s) => {
      const campaign = await this.#find(s, org, id);
      checkTransition(action, campaign.status);
      const now = this.clock.now().toISOString();
      const next: Campaign = { ...campaign, status, ...(action === 'resume' ? { haltReason: null, waveStartedAt: now } : {}), updatedAt: now };
      await s.rollouts.update(next);
      await s.audit.record(ctx, { action: `updates.rollout.${action}`, target: { type: 'rollout', id }, outcome: 'success', orgId: org });
      return next;
    });
  }

  async #find(s: RolloutScope, orgId: string, id: string): Promise<Campaign> {
    const campaign = await s.rollouts.find(orgId, id);
    if (campaign === undefined) throw new AppError('UPDATES_ROLLOUT_NOT_FOUND');
    return campaign;
  }
}

export { DOWNLOAD_COMMAND, ROLLBACK_COMMAND, UPDATE_COMMAND } from './rollout-delivery.js';

export type { CreateRolloutInput, RolloutChangeControl, RolloutCommands, RolloutDevice, RolloutPorts, RolloutScope, RolloutStatus, StepUp } from './rollout-ports.js';
