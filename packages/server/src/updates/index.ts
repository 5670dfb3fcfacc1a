/**
 * updates: firmware releases (image + metadata + CycloneDX SBOM), the TUF repository that signs
 * them, and (later) rollouts and attestation. Other modules and transports import only this file.
 *
 * MUST: a release is stored only when its metadata, its SBOM and its image all pass their checks.
 * MUST: image digests are computed by Vigil from the uploaded bytes, never taken from a client.
 * MUST: private keys are used only through keys/ (signers); this module never sees key bytes.
 */
export { ArtifactStore, type StoredImage } from './artifact-store.js';
export { checkAgainstPublished, checkReleaseInput, defaultPolicy, DEFAULT_MAX_IMAGE_BYTES, MODEL_RE, type FirmwareImage, type FirmwareRelease, type ModelPolicy, type ReleaseInput } from './model.js';
export { ReleaseService, type ReleaseServiceOptions, type UpdatesScope } from './release-service.js';
export { checkSbom, SUPPORT_LEVELS, type SbomComponent, type SbomSummary, type SupportLevel } from './sbom.js';
export { compareVersions, isSemVer, parseSemVer, type SemVer } from '@vigil/protocol';
export type { AttestationRow, AttestationStore, FirmwareStore, RolloutStore, TufMetadataRow, TufMetadataStore } from './store.js';
export { DEFAULT_TUF_EXPIRIES, MODEL_ROLE_PREFIX, TufRepository, type PublishReport, type TufExpiries, type TufRepositoryOptions, type TufScope } from './tuf/repository.js';
export {
  buildRoot,
  DEFAULT_ROOT_EXPIRY_DAYS,
  DEFAULT_ROOT_KEYS,
  DEFAULT_ROOT_THRESHOLD,
  nextRoot,
  parseRoot,
  rootSignatureCount,
  signRoot,
  verifyRootUpdate,
  type OnlinePublicKeys,
  type RootSpec,
} from './tuf/root-ceremony.js';
export { keyIdOf, metadataText, signMetadata, tufKeyOf, TUF_SPEC_VERSION } from './tuf/tuf-keys.js';
export { AttestationService, POLICY_QUARANTINE_REASON, type AttestationResult, type AttestationScope, type AttestationServiceOptions, type AttestingDevice, type DeviceContainment, type ScanEntry } from './attestation-service.js';
export { classifyReport, INTEGRITY_FAILURES, integrityOf, type IntegrityState, type ReportState } from './integrity.js';
export {
  ACTIVE_STATUSES,
  assignWaves,
  DEFAULT_GATES,
  DEFAULT_WAVES,
  evaluateGate,
  inWindow,
  type Campaign,
  type CampaignDevice,
  type CampaignDeviceStatus,
  type CampaignStatus,
  type Gates,
  type GateVerdict,
} from './rollout-model.js';
export { DOWNLOAD_COMMAND, ROLLBACK_COMMAND, RolloutService, UPDATE_COMMAND, type CreateRolloutInput, type RolloutChangeControl, type RolloutCommands, type RolloutDevice, type RolloutPorts, type RolloutScope, type RolloutStatus, type StepUp } from './rollout-service.js';
export { campaignWindowState, type CampaignWindowState } from './rollout-delivery.js';
export { checkOrgWindow, describeOrgWindow, inOrgWindow, localDayHour, WEEKDAYS, type OrgMaintenanceWindow, type OrgMaintenanceWindowSetting, type Weekday } from './maintenance-window.js';
