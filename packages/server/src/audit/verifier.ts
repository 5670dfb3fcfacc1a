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
 *  - a forged checkpoint (its Ed25519 signature fails, or names an untrusted key);
 *  - deleted checkpoints (coverage.ts: too many events, or too long, under no checkpoint; the
 *    head's checkpoint missing; checkpoints out of order);
 *  - a chain re-signed with a stolen key, against the checkpoints witnessed outside the database
 *    (witness.ts).
 * Events after the newest checkpoint are protected by the chain only, within the coverage limits,
 * and are reported as an unsigned tail: see docs/audit-format.md.
 *
 * The chain can be checked in segments (e.g. one per CPU core) with `SegmentVerifier`, and the
 * segments stitched with `stitchSegments`: the result is the same as one pass.
 */
import { AUDIT_GENESIS_HASH, checkpointSigningPayload, type AuditCheckpoint, type AuditRecord } from '@vigil/protocol';
import type { Verifier } from '../keys/index.js';
import type { WitnessCheck } from './witness.js';
import { checkCoverage, watchedSeqs, type CoveragePolicy, type UnsignedTail } from './coverage.js';
import { hashRecord, type ChainHead, type RedactedAuditRecord, type StoredAuditRecord } from './model.js';

export type VerifyProblem =
  | 'hash-mismatch'
  | 'prev-hash-mismatch'
  | 'sequence-gap'
  | 'checkpoint-signature-invalid'
  | 'checkpoint-key-unknown'
  | 'checkpoint-hash-mismatch'
  | 'truncated'
  | 'checkpoint-missing'
  | 'checkpoint-out-of-order'
  | 'witness-mismatch'
  | 'witness-checkpoint-missing'
  | 'witness-signature-invalid'
  | 'checkpoint-unwitnessed';

export interface VerifyFailure {
  readonly seq: number;
  readonly problem: VerifyProblem;
  readonly message: string;
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly eventsVerified: number;
  readonly checkpointsVerified: number;
  readonly lastSeq: number;
  readonly firstBadSeq?: number;
  readonly problem?: VerifyProblem;
  readonly message: string;
  /** The newest events under no checkpoint yet (within the coverage limits). */
  readonly unsignedTail?: UnsignedTail;
}

export interface CheckpointCheck {
  /** Checkpoints whose signature verified, by seq -> signed hash. */
  readonly trusted: ReadonlyMap<number, string>;
  /** The same checkpoints, whole, in seq order. */
  readonly trustedCheckpoints: readonly AuditCheckpoint[];
  readonly failures: readonly VerifyFailure[];
}

/** Checks every checkpoint signature against the trusted keys. */
export function checkCheckpoints(checkpoints: readonly AuditCheckpoint[], publicKeys: ReadonlyMap<string, string>, verifier: Verifier): CheckpointCheck {
  const trusted = new Map<number, string>();
  const trustedCheckpoints: AuditCheckpoint[] = [];
  const failures: VerifyFailure[] = [];
  for (const cp of checkpoints) {
    const pem = publicKeys.get(cp.keyId);
    if (pem === undefined) {
      failures.push({ seq: cp.seq, problem: 'checkpoint-key-unknown', message: `checkpoint at seq ${cp.seq} is signed by unknown key ${cp.keyId}` });
      continue;
    }
    const payload = Buffer.from(checkpointSigningPayload(cp), 'utf8');
    if (!verifier.verify(pem, payload, Buffer.from(cp.signature, 'base64'))) {
      failures.push({ seq: cp.seq, problem: 'checkpoint-signature-invalid', message: `checkpoint at seq ${cp.seq} has an invalid signature` });
      continue;
    }
    trusted.set(cp.seq, cp.hash);
    trustedCheckpoints.push(cp);
  }
  trustedCheckpoints.sort((a, b) => a.seq - b.seq);
  return { trusted, trustedCheckpoints, failures };
}

export interface SegmentResult {
  readonly startSeq: number;
  /** The prevHash of the segment's first event (undefined if the segment is empty). */
  readonly firstPrevHash: string | undefined;
  /** The hash of the last event verified (undefined if none). */
  readonly lastHash: string | undefined;
  readonly lastSeq: number;
  readonly eventsVerified: number;
  readonly checkpointsVerified: number;
  readonly failure?: VerifyFailure;
  /** Event times at the seqs coverage needs (see coverage.ts watchedSeqs). */
  readonly times: ReadonlyMap<number, string>;
  /** The time of the last event verified. */
  readonly lastTime?: string;
}

/**
 * Verifies consecutive events from `startSeq` on. With `expectedPrevHash`, the first event must
 * follow it; without, the first event's prevHash is reported for stitching.
 */
export class SegmentVerifier {
  #expected: number;
  #prevHash: string | undefined;
  #firstPrevHash: string | undefined;
  #verified = 0;
  #checkpoints = 0;
  #failure: VerifyFailure | undefined;
  readonly #watched: ReadonlySet<number>;
  readonly #times = new Map<number, string>();
  #lastTime: string | undefined;

  constructor(
    private readonly startSeq: number,
    private readonly checkpoints: ReadonlyMap<number, string>,
    expectedPrevHash?: string,
  ) {
    this.#expected = startSeq;
    this.#prevHash = expectedPrevHash;
    this.#watched = watchedSeqs(checkpoints.keys());
  }

  /** Returns false once a failure is found (stop feeding). */
  push(record: AuditRecord | StoredAuditRecord | RedactedAuditRecord): boolean {
    if (this.#failure) return false;
    if (record.seq !== this.#expected) {
      return this.#fail(this.#expected, 'sequence-gap', `expected event ${this.#expected}, found ${record.seq}`);
    }
    if (this.#verified === 0) this.#firstPrevHash = record.prevHash;
    if (this.#prevHash !== undefined && record.prevHash !== this.#prevHash) {
      return this.#fail(record.seq, 'prev-hash-mismatch', `event ${record.seq} does not follow event ${record.seq - 1}`);
    }
    const hash = record.hash;
    if (!('redacted' in record) && hashRecord(record) !== hash) return this.#fail(record.seq, 'hash-mismatch', `event ${record.seq} was altered`);
    const signed = this.checkpoints.get(record.seq);
    if (signed !== undefined) {
      if (signed !== hash) return this.#fail(record.seq, 'checkpoint-hash-mismatch', `event ${record.seq} does not match its signed checkpoint`);
      this.#checkpoints += 1;
    }
    if (this.#watched.has(record.seq)) this.#times.set(record.seq, record.time);
    this.#lastTime = record.time;
    this.#prevHash = hash;
    this.#expected += 1;
    this.#verified += 1;
    return true;
  }

  result(): SegmentResult {
    return {
      startSeq: this.startSeq,
      firstPrevHash: this.#firstPrevHash,
      lastHash: this.#verified > 0 ? this.#prevHash : undefined,
      lastSeq: this.#expected - 1,
      eventsVerified: this.#verified,
      checkpointsVerified: this.#checkpoints,
      ...(this.#failure ? { failure: this.#failure } : {}),
      times: this.#times,
      ...(this.#lastTime !== undefined ? { lastTime: this.#lastTime } : {}),
    };
  }

  #fail(seq: number, problem: VerifyProblem, message: string): false {
    this.#failure = { seq, problem, message };
    return false;
  }
}

export interface StitchInput {
  /** Segments in ascending order, covering seq 1..N contiguously by their `startSeq`. */
  readonly segments: readonly SegmentResult[];
  /** Where each segment was meant to end (inclusive); the last may be open (Infinity). */
  readonly segmentEnds: readonly number[];
  readonly checkpointCheck: CheckpointCheck;
  readonly head?: ChainHead | undefined;
  /** The writer's checkpoint cadence, which coverage holds the log to. */
  readonly policy: CoveragePolicy;
  /** Failures found elsewhere (the witness check), merged by seq. */
  readonly extraFailures?: readonly VerifyFailure[] | undefined;
}

/** Joins segment results into one verdict, reporting the smallest bad seq. */
export function stitchSegments(input: StitchInput): VerifyResult {
  const failures: VerifyFailure[] = [...(input.extraFailures ?? []), ...input.checkpointCheck.failures];
  const times = new Map<number, string>();
  let lastTime: string | undefined;
  let verified = 0;
  let checkpointsVerified = 0;
  let lastSeq = 0;
  let prevHash = AUDIT_GENESIS_HASH;
  let chainBroken = false;
  input.segments.forEach((segment, i) => {
    if (chainBroken) return;
    verified += segment.eventsVerified;
    checkpointsVerified += segment.checkpointsVerified;
    for (const [seq, time] of segment.times) times.set(seq, time);
    if (segment.lastTime !== undefined) lastTime = segment.lastTime;
    if (segment.eventsVerified > 0 && segment.firstPrevHash !== prevHash) {
      failures.push({ seq: segment.startSeq, problem: 'prev-hash-mismatch', message: `event ${segment.startSeq} does not follow event ${segment.startSeq - 1}` });
      chainBroken = true;
      return;
    }
    if (segment.failure) {
      failures.push(segment.failure);
      chainBroken = true;
      return;
    }
    const end = input.segmentEnds[i] ?? Number.POSITIVE_INFINITY;
    lastSeq = segment.lastSeq;
    if (segment.lastHash !== undefined) prevHash = segment.lastHash;
    if (Number.isFinite(end) && segment.lastSeq < end) {
      failures.push({ seq: segment.lastSeq + 1, problem: 'sequence-gap', message: `event ${segment.lastSeq + 1} is missing` });
      chainBroken = true;
    }
  });
  if (!chainBroken) {
    const beyond = [...input.checkpointCheck.trusted.keys()].filter((seq) => seq > lastSeq).sort((a, b) => a - b)[0];
    if (beyond !== undefined) {
      failures.push({ seq: lastSeq + 1, problem: 'truncated', message: `checkpoint at seq ${beyond} covers events missing after seq ${lastSeq}` });
    } else if (input.head && input.head.seq > lastSeq) {
      failures.push({ seq: lastSeq + 1, problem: 'truncated', message: `the log head records seq ${input.head.seq} but events end at ${lastSeq}` });
    }
  }
  const coverage = checkCoverage({
    checkpoints: input.checkpointCheck.trustedCheckpoints,
    times,
    lastSeq,
    lastTime,
    complete: !chainBroken,
    head: input.head,
    policy: input.policy,
  });
  failures.push(...coverage.failures);
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
  const tail = coverage.tail;
  return {
    ok: true,
    eventsVerified: verified,
    checkpointsVerified,
    lastSeq,
    ...(tail ? { unsignedTail: tail } : {}),
    message:
      `audit chain ok: ${verified} events, ${checkpointsVerified} signed checkpoints verified` +
      (tail
        ? `; unsigned tail: events ${tail.fromSeq}..${tail.toSeq} (${tail.toSeq - tail.fromSeq + 1}) are covered by the chain only, not yet by a checkpoint (normal while the server runs, or left by a crash)`
        : ''),
  };
}

export interface VerifyInput {
  /** Events in ascending seq order (details as an object, or as the stored canonical text). */
  readonly events: AsyncIterable<AuditRecord | StoredAuditRecord | RedactedAuditRecord>;
  readonly checkpoints: readonly AuditCheckpoint[];
  /** The stored head, when available: catches a truncated tail newer than the last checkpoint. */
  readonly head?: ChainHead | undefined;
  /** Trusted audit-signing public keys, by key id (SPKI PEM). */
  readonly publicKeys: ReadonlyMap<string, string>;
  readonly verifier: Verifier;
  /** The writer's checkpoint cadence (audit.checkpointEvery, audit.checkpointIntervalSeconds). */
  readonly policy: CoveragePolicy;
  /** Checkpoints witnessed outside the database, already checked (witness.ts checkWitness). */
  readonly witness?: WitnessCheck | undefined;
}

/** Verifies the whole log in one pass. */
export async function verifyAuditLog(input: VerifyInput): Promise<VerifyResult> {
  const checkpointCheck = checkCheckpoints(input.checkpoints, input.publicKeys, input.verifier);
  const segment = new SegmentVerifier(1, chainCheckpoints(checkpointCheck, input.witness), AUDIT_GENESIS_HASH);
  for await (const record of input.events) if (!segment.push(record)) break;
  return stitchSegments({
    segments: [segment.result()],
    segmentEnds: [Number.POSITIVE_INFINITY],
    checkpointCheck,
    head: input.head,
    policy: input.policy,
    extraFailures: input.witness?.failures,
  });
}

/** What the chain pass checks hashes against: the database's verified checkpoints, and the witnessed ones (the witness wins). */
export function chainCheckpoints(check: CheckpointCheck, witness: WitnessCheck | undefined): ReadonlyMap<number, string> {
  if (!witness) return check.trusted;
  const merged = new Map(check.trusted);
  for (const [seq, hash] of witness.witnessed) merged.set(seq, hash);
  return merged;
}
