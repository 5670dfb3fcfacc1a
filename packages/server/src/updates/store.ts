/** The updates module's storage ports; storage/stores/firmware-store.ts and rollout-store.ts implement them on both dialects. */
import type { OrgMaintenanceWindowSetting } from './maintenance-window.js';
import type { FirmwareImage, FirmwareRelease, ModelPolicy } from './model.js';
import type { Campaign, CampaignDevice } from './rollout-model.js';

export interface FirmwareStore {
  insertImage(image: FirmwareImage): Promise<void>;
  findImage(sha256: string): Promise<FirmwareImage | undefined>;
  insertRelease(release: FirmwareRelease, sbomText: string): Promise<void>;
  listReleases(model?: string): Promise<FirmwareRelease[]>;
  findRelease(model: string, version: string): Promise<FirmwareRelease | undefined>;
  sbomText(releaseId: string): Promise<string | undefined>;
  findPolicy(model: string): Promise<ModelPolicy | undefined>;
  upsertPolicy(policy: ModelPolicy): Promise<void>;
}

/** One signed TUF metadata document (a role at a version), as served. */
export interface TufMetadataRow {
  readonly role: string;
  readonly version: number;
  /** The canonical JSON text served to clients. */
  readonly body: string;
  readonly expires: string;
  readonly createdAt: string;
}

export interface TufMetadataStore {
  insert(row: TufMetadataRow): Promise<void>;
  latest(role: string): Promise<TufMetadataRow | undefined>;
  find(role: string, version: number): Promise<TufMetadataRow | undefined>;
}

/** A device's latest firmware attestation. */
export interface AttestationRow {
  readonly deviceId: string;
  readonly orgId: string;
  readonly model: string;
  readonly firmwareVersion: string;
  readonly imageSha256: string;
  readonly state: string;
  /** The device's measurement time (`at` of the signed report). */
  readonly measuredAt: string;
  readonly receivedAt: string;
  /** True while the device is quarantined because of this module's policy. */
  readonly quarantinedByPolicy: boolean;
}

export interface AttestationStore {
  find(orgId: string, deviceId: string): Promise<AttestationRow | undefined>;
  upsert(row: AttestationRow): Promise<void>;
  list(orgId: string): Promise<AttestationRow[]>;
}

export interface RolloutStore {
  insert(campaign: Campaign): Promise<void>;
  update(campaign: Campaign): Promise<void>;
  find(orgId: string, id: string): Promise<Campaign | undefined>;
  /** Campaigns of the organization (all organizations when orgId is null, for the engine). */
  list(orgId: string | null, statuses?: readonly string[]): Promise<Campaign[]>;
  insertDevices(devices: readonly CampaignDevice[]): Promise<void>;
  devices(campaignId: string): Promise<CampaignDevice[]>;
  updateDevice(device: CampaignDevice): Promise<void>;
  /** The organization's maintenance window, if it set one. */
  orgWindow(orgId: string): Promise<OrgMaintenanceWindowSetting | undefined>;
  /** Sets (or with null clears) the organization's maintenance window. */
  putOrgWindow(orgId: string, setting: OrgMaintenanceWindowSetting | null): Promise<void>;
}
