/**
 * audit: the append-only, hash-chained, signed log of every state change and PHI read.
 *
 * MUST: an audit write shares the transaction of the change it records; if it fails, the
 *       change fails (AUDIT_WRITE_FAILED) and nothing is committed.
 * MUST: the log lives in its own tables behind its own port (AuditStore), append-only.
 * MUST: verification needs no secret and names the first bad sequence number.
 */
export { AuditLog, type AuditLogOptions, type AuditWriter } from './log.js';
export { hashRecord, validateEvent, type AuditEventInput, type ChainHead, type StoredAuditRecord } from './model.js';
export type { AuditStore, AuditReader } from './store.js';
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
} from './verifier.js';
export { exportJsonl, readAllEvents, readAllStoredEvents, parseJsonlExport } from './export.js';
export { auditKeysFromList, restrictToSupplied } from './trusted-keys.js';
