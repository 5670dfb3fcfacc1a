/**
 * @vigil/device-sdk: what a device maker embeds to talk to Vigil: key generation and enrolment,
 * the mutual-TLS MQTT connection with reconnect and back-off, the store-and-forward outbox,
 * telemetry signatures and the command handler; plus the vitals generator and fleet behind
 * the `vigil-sim` simulator.
 *
 * MUST: this package imports @vigil/protocol and its own dependencies only, never the server
 *       (a package boundary is a trust boundary; it ships to device makers).
 */
export const SDK_VERSION = '0.1.0';

export { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
export { type CommandArgs, CommandDispatcher, type CommandHandler, type CommandOutcome, DEFAULT_MAX_COMMAND_TTL_MS } from './command-handler.js';
export { createCsr, type DeviceKey, loadDeviceKey, loadOrCreateDeviceKey } from './device-key.js';
export { type DeviceIdentity, enroll, ENROLL_PATH, type EnrollOptions, loadIdentity } from './enroll.js';
export { deviceStateDir, type Fleet, type FleetEpisodeEvent, type FleetOptions, type FleetStats, mintEnrollmentToken, type MintTokenOptions, simulatedSerial, startFleet } from './fleet.js';
export { NonceCache } from './nonce-cache.js';
export { completeRenewal, renew, RENEW_PATH, type RenewOptions } from './renew.js';
export { Outbox, type OutboxEntry, type OutboxOptions } from './outbox.js';
export { DeviceSdkError, type DeviceSdkErrorCode } from './sdk-error.js';
export { type StatePaths, statePaths } from './state-dir.js';
export { signTelemetry, verifyTelemetrySignature } from './telemetry-signature.js';
export { type DeviceStatus, STALL_ATTEMPTS, TELEMETRY_PATH, VigilDevice, type VigilDeviceEvents, type VigilDeviceOptions } from './vigil-device.js';
export {
  EPISODE_KINDS,
  EPISODES,
  type Episode,
  type EpisodeKind,
  type EpisodeSpec,
  type GeneratedVitals,
  generateVitals,
  type GenerateVitalsOptions,
  MIN_QUIET_MS,
  NORMAL_RANGES,
  type Range,
  VITAL_METRICS,
  VITAL_SIGNS,
  type VitalSign,
  type Vitals,
  VitalsModel,
  type VitalsModelOptions,
  type VitalsSample,
  vitalsToReadings,
} from './vitals-generator.js';
// --- firmware updates (TUF through tuf-js, over mutual TLS) ---
export { type DownloadOutcome, type InstallRequest, UpdateClient, type UpdateClientOptions, type UpdateOffer, type UpdateOutcome } from './updates/update-client.js';
export { type FetcherTls, MtlsFetcher, type MtlsFetcherOptions } from './updates/mtls-fetcher.js';
export { ATTESTATION_PATH, type AttestationAnswer, measureImage, sendAttestation, signAttestation } from './updates/attestation.js';
export type { RunningFirmware } from './updates/connect-attestation.js';
export { type SimulatedBehaviour, type SimulatedDevice, simulatedBehaviour, simulatedFirmware, type SimulatedFirmwareOptions } from './updates/simulated-firmware.js';
