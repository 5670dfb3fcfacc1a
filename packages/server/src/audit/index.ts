/**
 * audit: the append-only, hash-chained, signed log of every state change and PHI read.
 *
 * MUST: an audit write shares the transaction of the change it records; if it fails, the
 *       change fails (AUDIT_WRITE_FAILED) and nothing is committed.
 * MUST: the log lives in its own tables behind its own port (AuditStore), append-only.
 * MUST: verification needs no secret and names the first bad sequence number.
 * MUST: verification fails when checkpoints were removed (coverage.ts), and disagrees with a
 *       chain re-signed with a stolen key when given the witness (witness.ts).
 */
export { AuditLog, type AuditLogOptions, type AuditWriter } from './log.js';
export { hashRecord, validateEvent, type AuditEventInput, type ChainHead, type RedactedAuditRecord, type StoredAuditRecord } from './model.js';
export type { AuditStore, AuditReader, AuditQuery, AuditSearchStore } from './store.js';
export {
  verifyAuditLog,
  checkCheckpoints,
  SegmentVerifier,
  stitchSegments,
  type VerifyInput,
  type VerifyResult,
  type VerifyProblem,
  type VerifyFailure,
  type SegmentResult,
  type CheckpointCheck,
  chainCheckpoints,
} from './verifier.js';
export { checkCoverage, unsignedSecondsLimit, type CoveragePolicy, type UnsignedTail } from './coverage.js';
export { checkWitness, parseWitness, witnessLagSeconds, witnessLine, WITNESS_FILE_NAME, type ParsedWitness, type WitnessCheck } from './witness.js';
export { exportJsonl, readAllEvents, readAllStoredEvents, parseJsonlExport, snapshotBound } from './export.js';
export { auditKeysFromList, restrictToSupplied } from './trusted-keys.js';
