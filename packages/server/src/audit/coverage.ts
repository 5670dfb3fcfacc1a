/**
 * Checkpoint coverage: the rules that make deleting checkpoints evident (issue 11, item 1).
 * A chain re-hashed after an edit verifies link by link; only the signed checkpoints catch it. So
 * the verifier must not accept a chain that stands without them.
 *
 * MUST: no more than `checkpointEvery` consecutive events stand without a signed checkpoint: the
 *       writer signs exactly at that count (AuditLog.append), so a longer stretch means checkpoints
 *       were removed. The first bad position is the seq where the missing checkpoint was due.
 * MUST: the events one checkpoint covers span no more than `unsignedSecondsLimit` (the scheduler
 *       signs at least every `checkpointIntervalSeconds` while events arrive).
 * MUST: the unsigned tail after the newest checkpoint obeys both limits too; it is then reported
 *       (normal while the server runs, or left by a crash), never silently passed.
 * MUST: the checkpoint the recorded head names (audit_head.checkpoint_seq) exists and verified.
 * MUST: checkpoints are continuous: seqs strictly increase, their times never go back, and none is
 *       older than the event it signs.
 */
import type { AuditCheckpoint } from '@vigil/protocol';
import type { ChainHead } from './model.js';
import type { VerifyFailure } from './verifier.js';

export interface CoveragePolicy {
  /** The writer's `audit.checkpointEvery`. */
  readonly checkpointEvery: number;
  /** The writer's `audit.checkpointIntervalSeconds`. */
  readonly checkpointIntervalSeconds: number;
}

/**
 * How long events may stand unsigned: the scheduler checks every interval/2 and signs once the
 * interval has passed, so a stretch spans at most 1.5 intervals; twice the interval plus 10 s leaves
 * room for a busy event loop without letting a deleted checkpoint pass.
 */
export function unsignedSecondsLimit(policy: CoveragePolicy): number {
  return 2 * policy.checkpointIntervalSeconds + 10;
}

/** The newest events, not yet under a checkpoint. */
export interface UnsignedTail {
  readonly fromSeq: number;
  readonly toSeq: number;
}

export interface CoverageInput {
  /** Checkpoints whose signatures verified. */
  readonly checkpoints: readonly AuditCheckpoint[];
  /** Event times at seq 1 and around each checkpoint (c and c + 1), from the verified chain. */
  readonly times: ReadonlyMap<number, string>;
  /** The last event verified, and its time. */
  readonly lastSeq: number;
  readonly lastTime: string | undefined;
  /** True when the chain verified to its end (the tail rules then apply). */
  readonly complete: boolean;
  readonly head?: ChainHead | undefined;
  readonly policy: CoveragePolicy;
}

export interface CoverageResult {
  readonly failures: readonly VerifyFailure[];
  readonly tail?: UnsignedTail;
}

export function checkCoverage(input: CoverageInput): CoverageResult {
  const failures: VerifyFailure[] = [];
  const limitSeconds = unsignedSecondsLimit(input.policy);
  const every = input.policy.checkpointEvery;
  const checkpoints = [...input.checkpoints].sort((a, b) => a.seq - b.seq);
  const trustedSeqs = new Set(checkpoints.map((c) => c.seq));

  checkpoints.forEach((cp, i) => {
    const prev = checkpoints[i - 1];
    if (prev && prev.seq === cp.seq) {
      failures.push({ seq: cp.seq, problem: 'checkpoint-out-of-order', message: `two checkpoints sign seq ${cp.seq}` });
    } else if (prev && Date.parse(cp.time) < Date.parse(prev.time)) {
      failures.push({ seq: cp.seq, problem: 'checkpoint-out-of-order', message: `checkpoint at seq ${cp.seq} is dated ${cp.time}, before the checkpoint at seq ${prev.seq} (${prev.time})` });
    }
    const eventTime = input.times.get(cp.seq);
    if (eventTime !== undefined && Date.parse(eventTime) > Date.parse(cp.time)) {
      failures.push({ seq: cp.seq, problem: 'checkpoint-out-of-order', message: `checkpoint at seq ${cp.seq} is dated ${cp.time}, before its event (${eventTime})` });
    }
  });

  const stretch = (from: number, to: number, signed: boolean): void => {
    const count = to - from + 1;
    if (count <= 0) return;
    if (signed ? count > every : count >= every) {
      const due = from + every - 1;
      failures.push({
        seq: due,
        problem: 'checkpoint-missing',
        message: `no signed checkpoint at seq ${due}: events ${from}..${to} (${count}) stand under no checkpoint, one is written every ${every} events`,
      });
    }
    const first = input.times.get(from);
    const last = signed ? input.times.get(to) : input.lastTime;
    if (first !== undefined && last !== undefined) {
      const seconds = (Date.parse(last) - Date.parse(first)) / 1000;
      if (seconds > limitSeconds) {
        failures.push({
          seq: from,
          problem: 'checkpoint-missing',
          message: `events ${from}..${to} span ${Math.round(seconds)} s under no signed checkpoint (at most ${limitSeconds} s)`,
        });
      }
    }
  };

  let previous = 0;
  for (const cp of checkpoints) {
    if (cp.seq > input.lastSeq) break;
    if (cp.seq === previous) continue;
    stretch(previous + 1, cp.seq, true);
    previous = cp.seq;
  }
  let tail: UnsignedTail | undefined;
  if (input.complete && input.lastSeq > previous) {
    stretch(previous + 1, input.lastSeq, false);
    tail = { fromSeq: previous + 1, toSeq: input.lastSeq };
  }

  const head = input.head;
  if (head && head.checkpointSeq > 0 && !trustedSeqs.has(head.checkpointSeq)) {
    failures.push({ seq: head.checkpointSeq, problem: 'checkpoint-missing', message: `the log head records a signed checkpoint at seq ${head.checkpointSeq}, which is missing` });
  }
  if (head && head.checkpointSeq > head.seq) {
    failures.push({ seq: head.seq + 1, problem: 'truncated', message: `the log head records a checkpoint at seq ${head.checkpointSeq} beyond its own seq ${head.seq}` });
  }
  return { failures, ...(tail ? { tail } : {}) };
}

/** The event seqs whose times coverage needs: 1, and each checkpoint's seq and the next. */
export function watchedSeqs(checkpointSeqs: Iterable<number>): Set<number> {
  const out = new Set<number>([1]);
  for (const seq of checkpointSeqs) {
    out.add(seq);
    out.add(seq + 1);
  }
  return out;
}
