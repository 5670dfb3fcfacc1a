/**
 * telemetry: the ingest pipeline (parse -> device match -> signature -> time window -> replay and
 * dedupe -> group commit -> acknowledgement), telemetry retention, and commands to devices.
 *
 * MUST: a message is acknowledged (PUBACK, HTTP 202) only after the transaction that stores it
 *       commits; a redelivered message is stored once.
 * MUST: every refusal is counted and emitted as a SecurityEvent with a coded reason.
 * MUST: transports hand in the device identity they authenticated; messages never choose it.
 */
export { IngestPipeline, type IngestPipelineOptions } from './ingest-pipeline.js';
export { GroupCommitter, messageDigest, type PatientAttribution, type GroupCommitOptions, type IngestScope, type CommitResult, type AuditBatchWriter } from './group-commit.js';
export { CommandService, COMMAND_NAME_RE, MAX_COMMAND_TTL_SECONDS, MAX_COMMANDS_LISTED, type AckListener, type AcknowledgedCommand, type CommandScope, type CommandDelivery, type DeviceDirectory, type SendCommandInput, type SentCommand } from './commands.js';
export { readingContext, rollupContext, encodeValues, decodeValues, type VitalsSealing, type ReadingIdentity } from './value-sealing.js';
export { sealValueBatches, openBatchValues, isBatchRef, type ValueBatch, type ValueBatchLoader, type SealedValues } from './value-batches.js';
export { applyTelemetryRetention, type RetentionScope } from './retention.js';
export { ReasonCounters, noDeviceActivity, type DeviceActivity, type IngestDevice, type IngestChannel, type IngestOutcome, type IngestRejection } from './model.js';
export type { TelemetryStore, TelemetryRetentionStore, DeviceCommandStore, DeviceCommandRow, CommandStatus, ReadingRow, DeviceSeqAdvance, VitalPoint, VitalBucket, VitalsStore, BoardSeries } from './store.js';
export {
  VitalsService,
  MAX_POINTS,
  MAX_METRICS_PER_QUERY,
  MAX_RANGE_SECONDS,
  ALL_METRICS,
  type VitalsRangeQuery,
  type VitalSeries,
  type VitalsRange,
  type VitalsServiceDeps,
  type BoardVitals,
  BOARD_MINUTES,
} from './vitals-service.js';
