/**
 * Audit log wire format, version 1: the canonical encoding that is hashed into the chain,
 * and the payload that a checkpoint signs. Specified in docs/audit-format.md; an offline
 * verifier needs only this file, SHA-256 and Ed25519.
 *
 * MUST: the encoding is deterministic: a JSON array of fields in a fixed order; `details`
 *       is an object of string/number/boolean values whose keys are sorted (code-point order).
 * MUST: every field that an auditor relies on is inside the hash, including `prevHash`.
 */
export const AUDIT_FORMAT_VERSION = 'vigil-audit/v1';
export const AUDIT_CHECKPOINT_VERSION = 'vigil-audit-checkpoint/v1';
/** The `prevHash` of the first event: 64 zeros. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

export type AuditOutcome = 'success' | 'failure' | 'denied';
export type AuditDetailValue = string | number | boolean | null;

export interface AuditRecord {
  readonly seq: number;
  readonly eventId: string;
  /** ISO-8601 UTC with milliseconds, e.g. 2026-11-28T16:00:00.000Z */
  readonly time: string;
  readonly actorKind: string;
  readonly actorId: string;
  readonly orgId: string | null;
  /** Coded action, e.g. "identity.setup_credential.issue". */
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string;
  readonly outcome: AuditOutcome;
  /** Coded reason, or null. */
  readonly reason: string | null;
  readonly requestId: string;
  readonly source: string;
  readonly details: Readonly<Record<string, AuditDetailValue>>;
  readonly prevHash: string;
  /** SHA-256 hex of `canonicalAuditRecord(record)`. */
  readonly hash: string;
}

export interface AuditCheckpoint {
  /** The sequence number of the last event the checkpoint covers. */
  readonly seq: number;
  /** The chain hash of that event. */
  readonly hash: string;
  readonly time: string;
  readonly keyId: string;
  /** Ed25519 signature over `checkpointSigningPayload`, base64. */
  readonly signature: string;
}

/** `details` as canonical JSON: keys sorted, values primitive. */
export function canonicalDetails(details: Readonly<Record<string, AuditDetailValue>>): string {
  const keys = Object.keys(details).sort();
  const parts = keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(details[k] ?? null)}`);
  return `{${parts.join(',')}}`;
}

/** The exact string whose SHA-256 (as UTF-8) is the record's hash. */
export function canonicalAuditRecord(record: Omit<AuditRecord, 'hash' | 'details'> & { readonly details: string }): string {
  return JSON.stringify([
    AUDIT_FORMAT_VERSION,
    record.seq,
    record.eventId,
    record.time,
    record.actorKind,
    record.actorId,
    record.orgId,
    record.action,
    record.targetType,
    record.targetId,
    record.outcome,
    record.reason,
    record.requestId,
    record.source,
    record.details,
    record.prevHash,
  ]);
}

/** The exact string a checkpoint signature covers (UTF-8). */
export function checkpointSigningPayload(cp: Omit<AuditCheckpoint, 'signature'>): string {
  return `${AUDIT_CHECKPOINT_VERSION}\n${cp.seq}\n${cp.hash}\n${cp.time}\n${cp.keyId}\n`;
}

const ACTION_RE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,4}$/;
/** Actions are coded: lowercase dotted words, e.g. "keys.kek.rotate". */
export function isAuditAction(value: string): boolean {
  return ACTION_RE.test(value);
}

export const HASH_HEX_RE = /^[0-9a-f]{64}$/;
