/**
 * The audit event model: what a module records, and how a record is hashed into the chain.
 *
 * MUST: events use the fixed coded schema (actor, action, target, outcome, reason, request id,
 *       source, time). `details` holds only small primitive values; sensitive values are
 *       fingerprinted (HMAC) by the caller, never copied.
 * MUST: hash = SHA-256(canonicalAuditRecord(record)), which includes the previous hash.
 */
import { hash as digest } from 'node:crypto';
import {
  canonicalAuditRecord,
  canonicalDetails,
  isAuditAction,
  type AuditDetailValue,
  type AuditOutcome,
  type AuditRecord,
} from '@vigil/protocol';
import { AppError } from '../kernel/index.js';

export interface AuditEventInput {
  readonly action: string;
  readonly target: { readonly type: string; readonly id: string };
  readonly outcome: AuditOutcome;
  readonly reason?: string;
  readonly orgId?: string;
  readonly details?: Readonly<Record<string, AuditDetailValue>>;
}

export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
  readonly checkpointSeq: number;
  readonly checkpointTime: string | null;
}

const CODE_RE = /^[a-z][a-z0-9_.:-]{0,63}$/;
const MAX_DETAIL_KEYS = 32;
const MAX_DETAIL_STRING = 256;

/** Throws AUDIT_EVENT_INVALID when an event strays from the coded schema. */
export function validateEvent(event: AuditEventInput): void {
  const bad = (why: string): never => {
    throw new AppError('AUDIT_EVENT_INVALID', { detail: `audit: ${why}` });
  };
  if (!isAuditAction(event.action)) bad(`action ${JSON.stringify(event.action)} is not a coded action`);
  if (!CODE_RE.test(event.target.type)) bad(`target type ${JSON.stringify(event.target.type)} is not coded`);
  if (event.target.id.length === 0 || event.target.id.length > 128) bad('target id must be 1..128 characters');
  if (event.reason !== undefined && !CODE_RE.test(event.reason)) bad(`reason ${JSON.stringify(event.reason)} is not coded`);
  const details = event.details ?? {};
  const keys = Object.keys(details);
  if (keys.length > MAX_DETAIL_KEYS) bad('too many detail keys');
  for (const key of keys) {
    if (!/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/.test(key)) bad(`detail key ${JSON.stringify(key)} is not allowed`);
    const value = details[key];
    if (typeof value === 'string' && value.length > MAX_DETAIL_STRING) bad(`detail ${key} is too long`);
    if (typeof value === 'number' && !Number.isFinite(value)) bad(`detail ${key} is not finite`);
  }
}

/**
 * A record as stored: `details` is the canonical JSON text that was hashed. Verification hashes
 * this text as it is (no parse and re-encode), which keeps verifying a million events fast.
 */
export type StoredAuditRecord = Omit<AuditRecord, 'details'> & { readonly details: string };

/** The record's chain hash; `details` may be the object or its canonical JSON text. */
export function hashRecord(record: Omit<AuditRecord, 'hash' | 'details'> & { readonly details: AuditRecord['details'] | string }): string {
  // A stored record already carries its canonical details text: hash it without copying the record.
  const canonical =
    typeof record.details === 'string'
      ? canonicalAuditRecord(record as Omit<AuditRecord, 'hash' | 'details'> & { readonly details: string })
      : canonicalAuditRecord({ ...record, details: canonicalDetails(record.details) });
  return digest('sha256', canonical, 'hex');
}

/**
 * An event of another organization in an organization's export: its place in the chain without
 * its content. Verification links it (seq, prevHash) and checks checkpoints against its hash, but
 * cannot recompute that hash.
 */
export interface RedactedAuditRecord {
  readonly redacted: true;
  readonly seq: number;
  readonly time: string;
  readonly prevHash: string;
  readonly hash: string;
}
