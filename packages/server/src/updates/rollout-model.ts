/**
 * Staged rollouts: the pure rules (waves, health gates, state changes, approval). No I/O.
 *
 * MUST: a campaign starts only when a second person approves it: requester and approver differ,
 *       and a person (user principal) must have completed MFA on the session that acts.
 * MUST: waves are cumulative shares of the target set (default 1, 10, 50, 100 %); a wave opens
 *       only after the previous one soaked and passed every gate; a failed gate halts the campaign.
 * MUST: a device fails when its install fails past its retries, or when it has not come back with
 *       a verified report within the offline timeout; a new security alert on an updated device
 *       fails the gate too.
 * MUST: a device held for its maintenance window is neither a failure nor a device the wave waits
 *       for; the campaign completes only when no device is held any more.
 */
import { createHash } from 'node:crypto';
import { AppError, type Principal } from '../kernel/index.js';

export type CampaignStatus = 'pending-approval' | 'running' | 'paused' | 'halted' | 'aborted' | 'completed' | 'rolled-back';
/** `held`: bound to a patient outside the maintenance window; told to download, install not yet sent. */
export type CampaignDeviceStatus = 'waiting' | 'held' | 'sent' | 'installed' | 'failed';

export interface Gates {
  /** Halt when failed / (installed + failed) in the opened waves exceeds this share. */
  readonly maxFailureRate: number;
  /** A device that got the update and gave no outcome within this time counts as failed. */
  readonly offlineTimeoutSeconds: number;
  /** Halt on a new security alert about an updated device. */
  readonly haltOnSecurityAlert: boolean;
  /**
   * Halt when an updated device bound to a patient has sent no reading for this long (a clinical
   * telemetry gap; 0: off). Campaigns stored before this gate have none (off).
   */
  readonly clinicalGapSeconds?: number;
}

export interface Campaign {
  readonly id: string;
  readonly orgId: string;
  readonly model: string;
  readonly targetVersion: string;
  readonly targetPath: string;
  readonly fromMin: string | null;
  readonly fromMax: string | null;
  readonly groups: readonly string[];
  /** Only devices at this site (the registry's site code); absent or null: any site. */
  readonly site?: string | null;
  readonly waves: readonly number[];
  readonly soakSeconds: number;
  readonly gates: Gates;
  readonly maxRetries: number;
  readonly priority: number;
  /** Hours (UTC) in which devices bound to a patient may install, e.g. [1, 5]; null: any time. */
  readonly maintenanceWindow: readonly [number, number] | null;
  /** An explicit override: devices bound to a patient install at once too (absent in older campaigns). */
  readonly windowOverride?: boolean;
  /** Scheduled start (ISO): approved before it, the campaign sends nothing until then; absent or null: at approval. */
  readonly startAt?: string | null;
  readonly status: CampaignStatus;
  readonly currentWave: number;
  readonly waveStartedAt: string | null;
  readonly requestedBy: string;
  readonly approvedBy: string | null;
  readonly haltReason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface CampaignDevice {
  readonly campaignId: string;
  readonly deviceId: string;
  readonly wave: number;
  readonly status: CampaignDeviceStatus;
  readonly attempts: number;
  readonly sentAt: string | null;
  readonly updatedAt: string;
}

export const DEFAULT_WAVES: readonly number[] = [1, 10, 50, 100];
export const DEFAULT_GATES: Gates = { maxFailureRate: 0.05, offlineTimeoutSeconds: 3600, haltOnSecurityAlert: true, clinicalGapSeconds: 900 };
export const ACTIVE_STATUSES: readonly CampaignStatus[] = ['pending-approval', 'running', 'paused'];

export function checkWaves(waves: readonly number[]): void {
  if (waves.length === 0 || waves.length > 10 || waves.at(-1) !== 100 || waves.some((w, i) => !Number.isInteger(w) || w < 1 || w > 100 || (i > 0 && w <= (waves[i - 1] ?? 0)))) {
    throw new AppError('UPDATES_ROLLOUT_INVALID', { publicMessage: 'Waves are increasing whole percentages ending at 100.' });
  }
}

/** The wave (0-based) of each device: a stable shuffle by campaign, then cumulative shares. */
export function assignWaves(campaignId: string, deviceIds: readonly string[], waves: readonly number[]): Map<string, number> {
  const order = [...deviceIds].sort((a, b) => rank(campaignId, a).localeCompare(rank(campaignId, b)));
  const out = new Map<string, number>();
  order.forEach((id, i) => {
    const wave = waves.findIndex((share) => i < Math.ceil((share / 100) * order.length));
    out.set(id, wave === -1 ? waves.length - 1 : wave);
  });
  return out;
}

function rank(campaignId: string, deviceId: string): string {
  return createHash('sha256').update(`${campaignId}\u0000${deviceId}`).digest('hex');
}

export type GateVerdict = { readonly kind: 'wait' } | { readonly kind: 'advance' } | { readonly kind: 'halt'; readonly reason: string };

/**
 * The gate of the current wave. `devices` are those of the opened waves (0..current);
 * `alertedDevices` the updated devices with a security alert since the campaign started;
 * `gapDevices` the updated devices bound to a patient with a clinical telemetry gap now.
 */
export function evaluateGate(campaign: Campaign, all: readonly CampaignDevice[], alertedDevices: ReadonlySet<string>, now: number, gapDevices: ReadonlySet<string> = new Set()): GateVerdict {
  // Held devices (maintenance window) are installed later: not evidence for or against this wave.
  const devices = all.filter((d) => d.status !== 'held');
  const failed = devices.filter((d) => d.status === 'failed').length;
  const overdue = devices.filter((d) => d.status === 'sent' && d.sentAt !== null && now - Date.parse(d.sentAt) > campaign.gates.offlineTimeoutSeconds * 1000).length;
  const installed = devices.filter((d) => d.status === 'installed').length;
  const decided = failed + overdue + installed;
  if (decided > 0 && (failed + overdue) / Math.max(devices.length, 1) > campaign.gates.maxFailureRate) {
    return { kind: 'halt', reason: `failure rate ${(((failed + overdue) / devices.length) * 100).toFixed(1)}% (${failed} failed, ${overdue} not back online) above ${(campaign.gates.maxFailureRate * 100).toFixed(1)}%` };
  }
  if (campaign.gates.haltOnSecurityAlert) {
    const hit = devices.filter((d) => d.status === 'installed' && alertedDevices.has(d.deviceId)).length;
    if (hit > 0) return { kind: 'halt', reason: `${hit} updated device(s) raised security alerts` };
  }
  const gap = campaign.gates.clinicalGapSeconds ?? 0;
  if (gap > 0) {
    const silent = devices.filter((d) => d.status === 'installed' && gapDevices.has(d.deviceId)).length;
    if (silent > 0) return { kind: 'halt', reason: `${silent} updated device(s) bound to a patient sent no readings for over ${gap} s (clinical telemetry gap)` };
  }
  const waiting = devices.some((d) => d.status === 'waiting' || (d.status === 'sent' && !(d.sentAt !== null && now - Date.parse(d.sentAt) > campaign.gates.offlineTimeoutSeconds * 1000)));
  if (waiting) return { kind: 'wait' };
  // The last wave completes the campaign: not while a device still waits for its window.
  if (campaign.currentWave >= campaign.waves.length - 1 && all.some((d) => d.status === 'held')) return { kind: 'wait' };
  const soakedSince = campaign.waveStartedAt === null ? now : Date.parse(campaign.waveStartedAt);
  return now - soakedSince >= campaign.soakSeconds * 1000 ? { kind: 'advance' } : { kind: 'wait' };
}

/** A site code, as the device registry checks it (devices/model.ts SITE_RE; updates/ may not import devices/). */
export const ROLLOUT_SITE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The campaign's site: a site code, normalized to null when not given. */
export function checkSite(site: string | null | undefined): string | null {
  if (site === undefined || site === null) return null;
  if (!ROLLOUT_SITE_RE.test(site)) throw new AppError('UPDATES_ROLLOUT_INVALID', { publicMessage: "The site is a code of up to 64 letters, digits, '.', '_' and '-', starting with a letter or digit." });
  return site;
}

/** The longest a campaign may be scheduled ahead. */
export const MAX_SCHEDULE_DAYS = 90;

/** A scheduled start: an ISO date-time in the future (at most MAX_SCHEDULE_DAYS ahead), normalized; undefined: none. */
export function checkStartAt(text: string | undefined, now: Date): string | null {
  if (text === undefined) return null;
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(text.trim()) ? Date.parse(text.trim()) : Number.NaN;
  if (Number.isNaN(at)) throw new AppError('UPDATES_ROLLOUT_INVALID', { publicMessage: 'startAt is an ISO 8601 date and time with its offset, e.g. 2026-12-12T22:00:00Z.' });
  if (at <= now.getTime() || at > now.getTime() + MAX_SCHEDULE_DAYS * 86_400_000) throw new AppError('UPDATES_ROLLOUT_INVALID', { publicMessage: `startAt must be in the future and at most ${MAX_SCHEDULE_DAYS} days ahead.` });
  return new Date(at).toISOString();
}

/** Second-person approval (FDA premarket guidance App. 1 B; HIPAA §164.308(a)(4) access control). */
export function checkApproval(campaign: Campaign, approver: Principal): void {
  if (campaign.status !== 'pending-approval') throw new AppError('UPDATES_ROLLOUT_STATE', { publicMessage: 'The campaign is not waiting for approval.' });
  const id = actorOf(approver);
  if (id === campaign.requestedBy) throw new AppError('UPDATES_ROLLOUT_APPROVAL_REFUSED', { publicMessage: 'The requester cannot approve their own campaign.' });
  requireMfa(approver);
}

export function requireMfa(principal: Principal): void {
  if (principal.kind === 'user' && !principal.mfa) {
    throw new AppError('UPDATES_ROLLOUT_APPROVAL_REFUSED', { publicMessage: 'Requesting and approving a rollout need a session with a second factor (MFA).' });
  }
  if (principal.kind !== 'user' && principal.kind !== 'cli') throw new AppError('UPDATES_ROLLOUT_APPROVAL_REFUSED', { publicMessage: 'Only a person may request or approve a rollout.' });
}

export function actorOf(principal: Principal): string {
  return `${principal.kind}:${principal.id}`;
}

const TRANSITIONS: Readonly<Record<string, readonly CampaignStatus[]>> = {
  pause: ['running'],
  resume: ['paused', 'halted'],
  abort: ['pending-approval', 'running', 'paused', 'halted'],
  rollback: ['running', 'paused', 'halted', 'completed'],
};

export function checkTransition(action: keyof typeof TRANSITIONS, status: CampaignStatus): void {
  if (!(TRANSITIONS[action] ?? []).includes(status)) throw new AppError('UPDATES_ROLLOUT_STATE', { publicMessage: `A ${status} campaign cannot ${action}.` });
}

/** Whether `hourUtc` is inside the window [start, end) (wrapping past midnight). */
export function inWindow(window: readonly [number, number] | null, hourUtc: number): boolean {
  if (window === null) return true;
  const [start, end] = window;
  return start <= end ? hourUtc >= start && hourUtc < end : hourUtc >= start || hourUtc < end;
}
