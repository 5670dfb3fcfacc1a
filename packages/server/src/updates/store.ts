/** The updates module's storage port; storage/stores/firmware-store.ts implements it on both dialects. */
import type { FirmwareImage, FirmwareRelease, ModelPolicy } from './model.js';

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
