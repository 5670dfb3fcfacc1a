/**
 * Delivery of a campaign's open waves (the rollout engine's send step), with the maintenance
 * window enforced by the server: a device bound to a patient is told to download the release at
 * once (`firmware.download`) but gets the install command (`firmware.update`) only inside the
 * campaign's window (UTC hours) or, where the campaign sets none, the organization's window (days
 * and local hours in its time zone, maintenance-window.ts), unless the campaign overrides windows.
 *
 * MUST: outside the window, no install command reaches a device bound to a patient (unless
 *       overridden); such a device is `held`, which is neither a failure nor a send attempt.
 * MUST: a device that is not bound to a patient is not held; an unknown binding state (the port
 *       is missing) holds nobody, and the window is still passed to the device in the command.
 */
import type { Clock } from '../kernel/index.js';
import { describeOrgWindow, inOrgWindow, type OrgMaintenanceWindow } from './maintenance-window.js';
import { inWindow, type Campaign, type CampaignDevice } from './rollout-model.js';

/** The organization's window and time zone, read at each tick (a change applies to running campaigns). */
export interface OrgWindowNow {
  readonly window: OrgMaintenanceWindow;
  readonly timeZone: string;
}

export const UPDATE_COMMAND = 'firmware.update';
export const DOWNLOAD_COMMAND = 'firmware.download';
export const ROLLBACK_COMMAND = 'firmware.rollback';
export const COMMAND_TTL_SECONDS = 7 * 24 * 3600;

export interface DeliveryDeps {
  send(orgId: string, deviceId: string, name: string, args: Record<string, string | number | boolean>, ttlSeconds: number): Promise<void>;
  /** Of these devices, those bound to a patient now. */
  boundToPatient?: (orgId: string, deviceIds: readonly string[]) => Promise<ReadonlySet<string>>;
  update(device: CampaignDevice): Promise<void>;
  readonly clock: Clock;
  /** The organization's maintenance window, applied when the campaign sets none. */
  readonly orgWindow?: OrgWindowNow | null;
}

/** Whether the campaign holds patient-bound devices right now (its own window first, else the organization's). */
export function holdingNow(campaign: Campaign, now: Date, org: OrgWindowNow | null = null): boolean {
  if (campaign.windowOverride === true) return false;
  if (campaign.maintenanceWindow !== null) return !inWindow(campaign.maintenanceWindow, now.getUTCHours());
  return org !== null && !inOrgWindow(org.window, org.timeZone, now);
}

/** Sends what the open waves need: installs, or downloads for held devices. Returns how many installs were sent. */
export async function deliverOpenWaves(campaign: Campaign, opened: readonly CampaignDevice[], deps: DeliveryDeps): Promise<number> {
  const now = deps.clock.now();
  const pending = opened.filter((d) => d.status === 'waiting' || d.status === 'held');
  if (pending.length === 0) return 0;
  const org = deps.orgWindow ?? null;
  const holding = holdingNow(campaign, now, org);
  const bound = holding && deps.boundToPatient !== undefined ? await deps.boundToPatient(campaign.orgId, pending.map((d) => d.deviceId)) : new Set<string>();
  const args: Record<string, string | number | boolean> = { campaignId: campaign.id, targetPath: campaign.targetPath, version: campaign.targetVersion };
  if (campaign.maintenanceWindow !== null && campaign.windowOverride !== true) args['installWindowUtc'] = `${campaign.maintenanceWindow[0]}-${campaign.maintenanceWindow[1]}`;
  else if (org !== null && campaign.windowOverride !== true) args['installWindow'] = describeOrgWindow(org.window, org.timeZone);
  let installs = 0;
  for (const d of pending) {
    const at = now.toISOString();
    if (holding && bound.has(d.deviceId)) {
      if (d.status === 'held') continue;
      // Download at once; the install waits for the window. A lost download is no failure: the
      // install command downloads what is missing.
      await deps.send(campaign.orgId, d.deviceId, DOWNLOAD_COMMAND, args, COMMAND_TTL_SECONDS).catch(() => undefined);
      await deps.update({ ...d, status: 'held', updatedAt: at });
      continue;
    }
    let sent = true;
    await deps.send(campaign.orgId, d.deviceId, UPDATE_COMMAND, args, COMMAND_TTL_SECONDS).catch(() => (sent = false));
    installs += sent ? 1 : 0;
    await deps.update(sent ? { ...d, status: 'sent', attempts: d.attempts + 1, sentAt: at, updatedAt: at } : { ...d, status: 'failed', attempts: d.attempts + 1, updatedAt: at });
  }
  return installs;
}

/** Which maintenance window a campaign applies now, whether it is open, and when it next opens. */
export interface CampaignWindowState {
  /** `campaign`: its own UTC hours; `organization`: the organization's; `override`: none (audited); `none`: nobody is held. */
  readonly source: 'campaign' | 'organization' | 'override' | 'none';
  /** "1-5 UTC" or "sat,sun 22-4 Europe/Berlin"; null for override and none. */
  readonly description: string | null;
  readonly openNow: boolean;
  /** When a closed window next opens (searched a week and a day ahead, in 15-minute steps); null when open. */
  readonly nextOpensAt: string | null;
}

const STEP_MS = 15 * 60_000;
const SEARCH_MS = 8 * 24 * 3600_000;

/** The window a campaign applies at `now` (its own, else the organization's, unless overridden). */
export function campaignWindowState(campaign: Campaign, now: Date, org: OrgWindowNow | null): CampaignWindowState {
  if (campaign.windowOverride === true) return { source: 'override', description: null, openNow: true, nextOpensAt: null };
  const own = campaign.maintenanceWindow;
  const isOpen = own !== null ? (at: Date) => inWindow(own, at.getUTCHours()) : org !== null ? (at: Date) => inOrgWindow(org.window, org.timeZone, at) : null;
  if (isOpen === null) return { source: 'none', description: null, openNow: true, nextOpensAt: null };
  const description = own !== null ? `${own[0]}-${own[1]} UTC` : org === null ? null : describeOrgWindow(org.window, org.timeZone);
  if (isOpen(now)) return { source: own !== null ? 'campaign' : 'organization', description, openNow: true, nextOpensAt: null };
  // Window edges are whole local hours: step from the next quarter hour (zones with :30 and :45 offsets included).
  let at = Math.ceil((now.getTime() + 1) / STEP_MS) * STEP_MS;
  for (const end = now.getTime() + SEARCH_MS; at <= end && !isOpen(new Date(at)); at += STEP_MS);
  return { source: own !== null ? 'campaign' : 'organization', description, openNow: false, nextOpensAt: at <= now.getTime() + SEARCH_MS ? new Date(at).toISOString() : null };
}
