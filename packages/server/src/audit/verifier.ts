/**
 * Offline verification of the audit log: the hash chain, then every signed checkpoint.
 * Needs no secret: only the events, the checkpoints and the trusted public keys.
 *
 * Detects (and names the first bad sequence number for):
 *  - an edited field (the record's hash no longer matches its content);
 *  - a deleted, inserted or reordered row (a gap in seq, or a prevHash that is not the
 *    previous record's hash);
 *  - a tail cut off after a checkpoint (a checkpoint, or the recorded head, beyond the last event);
 *  - a chain rewritten from some point on (a signed checkpoint's hash no longer matches);
 *  - a forged checkpoint (its Ed25519 signature fails, or names an untrusted key).
 * Events after the newest checkpoint are protected by the chain only: see docs/audit-format.md.
 */
import { AUDIT_GENESIS_HASH, checkpointSigningPayload, type AuditCheckpoint, type AuditRecord } from '@vigil/protocol';
import type { Verifier } from '../keys/index.js';
import { hashRecord, type ChainHead, type StoredAuditRecord } from './model.js';

export interface VerifyInput {
  /** Events in ascending seq order (details as an object, or as the stored canonical text). */
  readonly events: AsyncIterable<AuditRecord | StoredAuditRecord>;
  readonly checkpoints: readonly AuditCheckpoint[];
  /** The stored head, when available: catches a truncated tail newer than the last checkpoint. */
  readonly head?: ChainHead | undefined;
  /** Trusted audit-signing public keys, by key id (SPKI PEM). */
  readonly publicKeys: ReadonlyMap<string, string>;
  readonly verifier: Verifier;
}

export type VerifyProblem =
  | 'hash-mismatch'
  | 'prev-hash-mismatch'
  | 'sequence-gap'
  | 'checkpoint-signature-invalid'
  | 'checkpoint-key-unknown'
  | 'checkpoint-hash-mismatch'
  | 'truncated'
  | 'no-checkpoint';

export interface VerifyResult {
  readonly ok: boolean;
  readonly eventsVerified: number;
  readonly checkpointsVerified: number;
  readonly lastSeq: number;
  readonly firstBadSeq?: number;
  readonly problem?: VerifyProblem;
  readonly message: string;
}

export async function verifyAuditLog(input: VerifyInput): Promise<VerifyResult> {
  const failures: Array<{ seq: number; problem: VerifyProblem; message: string }> = [];
  const bySeq = new Map<number, AuditCheckpoint>();
  for (const cp of input.checkpoints) {
    const pem = input.publicKeys.get(cp.keyId);
    if (pem === undefined) {
      failures.push({ seq: cp.seq, problem: 'checkpoint-key-unknown', message: `checkpoint at seq ${cp.seq} is signed by unknown key ${cp.keyId}` });
      continue;
    }
    const payload = Buffer.from(checkpointSigningPayload(cp), 'utf8');
    const signature = Buffer.from(cp.signature, 'base64');
    if (!input.verifier.verify(pem, payload, signature)) {
      failures.push({ seq: cp.seq, problem: 'checkpoint-signature-invalid', message: `checkpoint at seq ${cp.seq} has an invalid signature` });
      continue;
    }
    bySeq.set(cp.seq, cp);
  }

  let expected = 1;
  let prevHash = AUDIT_GENESIS_HASH;
  let verified = 0;
  let checkpointsVerified = 0;
  let chainFailure: { seq: number; problem: VerifyProblem; message: string } | undefined;
  for await (const record of input.events) {
    if (record.seq !== expected) {
      chainFailure = { seq: expected, problem: 'sequence-gap', message: `expected event ${expected}, found ${record.seq}` };
      break;
    }
    if (record.prevHash !== prevHash) {
      chainFailure = { seq: record.seq, problem: 'prev-hash-mismatch', message: `event ${record.seq} does not follow event ${record.seq - 1}` };
      break;
    }
    const { hash, ...unhashed } = record;
    if (hashRecord(unhashed) !== hash) {
      chainFailure = { seq: record.seq, problem: 'hash-mismatch', message: `event ${record.seq} was altered` };
      break;
    }
    const cp = bySeq.get(record.seq);
    if (cp !== undefined) {
      if (cp.hash !== hash) {
        chainFailure = { seq: record.seq, problem: 'checkpoint-hash-mismatch', message: `event ${record.seq} does not match its signed checkpoint` };
        break;
      }
      checkpointsVerified += 1;
    }
    prevHash = hash;
    expected += 1;
    verified += 1;
  }
  const lastSeq = expected - 1;
  if (chainFailure) failures.push(chainFailure);
  else {
    for (const cp of bySeq.values()) {
      if (cp.seq > lastSeq) {
        failures.push({ seq: lastSeq + 1, problem: 'truncated', message: `checkpoint at seq ${cp.seq} covers events missing after seq ${lastSeq}` });
        break;
      }
    }
    if (input.head && input.head.seq > lastSeq) {
      failures.push({ seq: lastSeq + 1, problem: 'truncated', message: `the log head records seq ${input.head.seq} but events end at ${lastSeq}` });
    }
  }
  failures.sort((a, b) => a.seq - b.seq);
  const first = failures[0];
  if (first) {
    return {
      ok: false,
      eventsVerified: verified,
      checkpointsVerified,
      lastSeq,
      firstBadSeq: first.seq,
      problem: first.problem,
      message: `audit chain broken at seq ${first.seq}: ${first.message}`,
    };
  }
  return {
    ok: true,
    eventsVerified: verified,
    checkpointsVerified,
    lastSeq,
    message: `audit chain ok: ${verified} events, ${checkpointsVerified} signed checkpoints verified`,
  };
}
