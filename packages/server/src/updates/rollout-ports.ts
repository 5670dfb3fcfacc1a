/**
 * The rollout service's ports and inputs (its storage scope, the device registry, the command
 * path, change control, the step-up check). Implemented in composition/updates.ts and
 * composition/rollout-changes.ts.
 */
import type { AuditWriter } from '../audit/index.js';
import type { RequestContext } from '../kernel/index.js';
import type { CampaignWindowState } from './rollout-delivery.js';
import type { Campaign, Gates } from './rollout-model.js';
import type { FirmwareStore, RolloutStore } from './store.js';

export interface RolloutScope {
  readonly rollouts: RolloutStore;
  readonly firmware: FirmwareStore;
  readonly audit: AuditWriter;
}

export interface RolloutDevice {
  readonly id: string;
  readonly model: string;
  readonly status: string;
  readonly groups: readonly string[];
  /** The device's site code; null or absent: none. */
  readonly site?: string | null;
  readonly firmwareVersion: string | null;
}

export interface RolloutPorts {
  /** The organization's devices of the model; with `site`, only those at that site (the store narrows the query). */
  devices(orgId: string, model: string, site?: string): Promise<readonly RolloutDevice[]>;
  /** Devices of the organization with a security alert raised since `since`. */
  alertedDevices(orgId: string, since: string): Promise<ReadonlySet<string>>;
  /** Of these devices, those bound to a patient now (held outside the maintenance window). */
  boundToPatient?(orgId: string, deviceIds: readonly string[]): Promise<ReadonlySet<string>>;
  /**
   * Of these installed devices, those bound to a patient now that sent no reading in the last
   * `gapSeconds` although installed at least that long ago (the clinical telemetry gap gate).
   */
  clinicalGaps?(orgId: string, installed: ReadonlyArray<{ readonly deviceId: string; readonly installedAt: string }>, gapSeconds: number): Promise<ReadonlySet<string>>;
  /** Raises the one alert of a halted campaign. */
  halted(campaign: Campaign, reason: string): void;
  /** The organization's IANA time zone (its incident settings'; default UTC), for its maintenance window. */
  timeZone?(orgId: string): Promise<string>;
}

/** identity.verifyStepUp: throws unless the person's second-factor code is right (single use). */
export type StepUp = (ctx: RequestContext, code: string) => Promise<void>;

/**
 * Change control (compliance's firmware-rollout change kind): a campaign's request opens a linked
 * change request and its approval approves that change, whose applier starts the campaign through
 * RolloutService.start, which passes only as that application (the gate).
 */
export interface RolloutChangeControl {
  /** Opens the campaign's pending change request (requested by the campaign's requester). */
  opened(ctx: RequestContext, campaign: Campaign): Promise<void>;
  /** Approves the campaign's change as ctx (already checked: second person, MFA, step-up); its applier starts it. */
  approve(ctx: RequestContext, campaign: Campaign): Promise<void>;
  /** Throws unless ctx is the application of an approved change for this campaign; the change id. */
  requireApproved(ctx: RequestContext, campaign: Campaign): Promise<string>;
  /** The campaign was aborted before approval: its pending change is closed. */
  withdrawn(ctx: RequestContext, campaign: Campaign): Promise<void>;
}

export interface RolloutCommands {
  send(orgId: string, deviceId: string, name: string, args: Record<string, string | number | boolean>, ttlSeconds: number): Promise<void>;
}

export interface CreateRolloutInput {
  readonly orgId?: string | undefined;
  readonly model: string;
  readonly version: string;
  readonly fromMin?: string | undefined;
  readonly fromMax?: string | undefined;
  readonly groups?: readonly string[] | undefined;
  /** Only devices at this site (a site code). */
  readonly site?: string | undefined;
  readonly waves?: readonly number[] | undefined;
  readonly soakSeconds?: number | undefined;
  readonly gates?: Partial<Gates> | undefined;
  /** Scheduled start (ISO 8601 with offset); without it the campaign starts at approval. */
  readonly startAt?: string | undefined;
  readonly maxRetries?: number | undefined;
  readonly priority?: number | undefined;
  readonly maintenanceWindow?: readonly [number, number] | undefined;
  /** Devices bound to a patient install at once too (an explicit, audited override). */
  readonly overrideMaintenanceWindow?: boolean | undefined;
}

export interface RolloutStatus {
  readonly campaign: Campaign;
  readonly waves: ReadonlyArray<{ readonly share: number; readonly devices: number; readonly waiting: number; readonly held: number; readonly sent: number; readonly installed: number; readonly failed: number }>;
  /** The maintenance window the campaign applies now (held devices wait for it to open). */
  readonly window: CampaignWindowState;
}
