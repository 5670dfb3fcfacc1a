/**
 * The checkpoint witness: every signed checkpoint is also written outside the database (a JSON-lines
 * file, `<data-dir>/audit-witness.jsonl` or a path on other storage, and the operator's syslog/SIEM),
 * and `vigil audit verify --witness FILE` checks the database against it.
 *
 * Why: an attacker who can write the database and holds the audit-signing key (stolen) can rewrite
 * the chain and re-sign checkpoints that verify. The witnessed hashes were sent away before that:
 * the rewritten chain disagrees with them.
 *
 * MUST: a witness line is written only for a committed checkpoint (the witness job reads them from
 *       the database after the commit), in seq order, appended and synced; never rewritten.
 * MUST: each witnessed checkpoint is in the database with the same hash, and the chain's event at
 *       its seq has that hash (the witnessed hashes join the chain pass: verifier.ts chainCheckpoints).
 * MUST: a database checkpoint not in the witness fails verification, unless it lies beyond the
 *       witness's last line and is younger than the witness lag (not yet witnessed): so a witness
 *       truncated, or a checkpoint inserted, is caught and named.
 * MUST: a witness line's signature verifies against the trusted keys, like a database checkpoint.
 */
import { checkpointSigningPayload, type AuditCheckpoint } from '@vigil/protocol';
import { AppError } from '../kernel/index.js';
import type { Verifier } from '../keys/index.js';
import { unsignedSecondsLimit, type CoveragePolicy } from './coverage.js';
import type { VerifyFailure } from './verifier.js';

export const WITNESS_FILE_NAME = 'audit-witness.jsonl';

/** How long a new checkpoint may wait for its witness line (the witness job runs every few seconds). */
export function witnessLagSeconds(policy: CoveragePolicy): number {
  return unsignedSecondsLimit(policy) + 60;
}

/** One witness line: the checkpoint as exported (`{"kind":"checkpoint",...}`), newline-terminated. */
export function witnessLine(cp: AuditCheckpoint): string {
  return `${JSON.stringify({ kind: 'checkpoint', seq: cp.seq, hash: cp.hash, time: cp.time, keyId: cp.keyId, signature: cp.signature })}\n`;
}

export interface ParsedWitness {
  readonly entries: readonly AuditCheckpoint[];
  /**
   * Lines cut short (not JSON): a write interrupted by a crash, or the file truncated mid-line.
   * They are skipped: a checkpoint they held is then unwitnessed, which the check reports.
   */
  readonly tornLines: number;
}

const HEX64 = /^[0-9a-f]{64}$/;

function asCheckpoint(value: unknown): AuditCheckpoint | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v['kind'] !== 'checkpoint') return undefined;
  const { seq, hash, time, keyId, signature } = v;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  if (typeof hash !== 'string' || !HEX64.test(hash)) return undefined;
  if (typeof time !== 'string' || Number.isNaN(Date.parse(time))) return undefined;
  if (typeof keyId !== 'string' || typeof signature !== 'string') return undefined;
  return { seq, hash, time, keyId, signature };
}

/** Parses a witness file. A JSON line that is not a checkpoint is refused (VALIDATION_FAILED). */
export function parseWitness(text: string): ParsedWitness {
  const entries: AuditCheckpoint[] = [];
  let tornLines = 0;
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      tornLines += 1;
      return;
    }
    const cp = asCheckpoint(parsed);
    if (!cp) throw new AppError('VALIDATION_FAILED', { detail: `audit witness: line ${i + 1} is not a witnessed checkpoint` });
    entries.push(cp);
  });
  return { entries, tornLines };
}

export interface WitnessCheckInput {
  readonly witness: ParsedWitness;
  /** Every checkpoint in the database (or the export). */
  readonly checkpoints: readonly AuditCheckpoint[];
  readonly publicKeys: ReadonlyMap<string, string>;
  readonly verifier: Verifier;
  /** When verification runs, and how long a new checkpoint may wait for its witness line. */
  readonly now: Date;
  readonly lagSeconds: number;
}

export interface WitnessCheck {
  /** Witnessed checkpoints whose signature verified, by seq -> hash. */
  readonly witnessed: ReadonlyMap<number, string>;
  readonly failures: readonly VerifyFailure[];
  readonly entries: number;
  readonly tornLines: number;
}

export function checkWitness(input: WitnessCheckInput): WitnessCheck {
  const failures: VerifyFailure[] = [];
  const witnessed = new Map<number, string>();
  let lastWitnessedSeq = 0;
  for (const w of input.witness.entries) {
    const pem = input.publicKeys.get(w.keyId);
    const payload = Buffer.from(checkpointSigningPayload(w), 'utf8');
    if (pem === undefined || !input.verifier.verify(pem, payload, Buffer.from(w.signature, 'base64'))) {
      failures.push({ seq: w.seq, problem: 'witness-signature-invalid', message: `the witnessed checkpoint at seq ${w.seq} is not signed by a trusted key` });
      continue;
    }
    witnessed.set(w.seq, w.hash);
    lastWitnessedSeq = Math.max(lastWitnessedSeq, w.seq);
  }
  const inDatabase = new Map(input.checkpoints.map((c) => [c.seq, c]));
  for (const [seq, hash] of witnessed) {
    const db = inDatabase.get(seq);
    if (!db) failures.push({ seq, problem: 'witness-checkpoint-missing', message: `the checkpoint at seq ${seq} was witnessed but is missing from the log` });
    else if (db.hash !== hash) failures.push({ seq, problem: 'witness-mismatch', message: `the checkpoint at seq ${seq} signs another hash than the one witnessed: the chain was rewritten and re-signed` });
  }
  const now = input.now.getTime();
  for (const cp of input.checkpoints) {
    if (witnessed.has(cp.seq)) continue;
    const beyond = cp.seq > lastWitnessedSeq;
    const young = beyond && now - Date.parse(cp.time) <= input.lagSeconds * 1000;
    if (!young) {
      failures.push({
        seq: cp.seq,
        problem: 'checkpoint-unwitnessed',
        message: `the checkpoint at seq ${cp.seq} (${cp.time}) is not in the witness` + (beyond ? ', which ends before it (truncated?)' : ''),
      });
    }
  }
  return { witnessed, failures, entries: input.witness.entries.length, tornLines: input.witness.tornLines };
}
