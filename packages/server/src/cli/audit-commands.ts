/**
 * `vigil audit verify|export|checkpoint`.
 *
 * MUST: verify needs no master key and opens SQLite read-only: it proves integrity offline.
 * MUST: verify holds the log to the configured checkpoint cadence (audit.checkpointEvery and
 *       checkpointIntervalSeconds), for the database and an export alike, and with `--witness`
 *       checks it against the checkpoints witnessed outside the database.
 * MUST: the head, then the checkpoints, then the events are read, the events bounded by the first
 *       two (snapshotBound): a server writing meanwhile cannot make a sound log look broken.
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { AuditCheckpoint } from '@vigil/protocol';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  auditKeysFromList,
  chainCheckpoints,
  checkCheckpoints,
  checkWitness,
  parseWitness,
  snapshotBound,
  witnessLagSeconds,
  type CoveragePolicy,
  type WitnessCheck,
  exportJsonl,
  parseJsonlExport,
  readAllStoredEvents,
  restrictToSupplied,
  stitchSegments,
  verifyAuditLog,
  type SegmentResult,
  type VerifyResult,
} from '../audit/index.js';
import type { VerifyWorkerData } from './audit-verify-worker.js';
import { resolveDataDir, type Config } from '../config/index.js';
import { ed25519Verifier, keyStorePaths } from '../keys/index.js';
import { AppError } from '../kernel/index.js';
import { auditStore, openDatabase } from '../storage/index.js';

export interface AuditVerifyOptions {
  readonly config: Config;
  /** Verify an exported JSONL file instead of the live store. */
  readonly file?: string | undefined;
  /** PEM files of trusted audit-signing public keys (default: the data directory's list). */
  readonly publicKeyFiles?: readonly string[];
  /** Worker threads for a large log (default: one per core above 200,000 events). */
  readonly workers?: number;
  /** A checkpoint witness file (audit-witness.jsonl) to check the log against. */
  readonly witnessFile?: string | undefined;
  /** When verification runs (tests): a checkpoint younger than the witness lag may be unwitnessed. */
  readonly now?: Date;
}


export async function runAuditVerify(options: AuditVerifyOptions): Promise<VerifyResult> {
  const supplied = await Promise.all((options.publicKeyFiles ?? []).map((f) => readText(f, 'public key')));
  // A supplied file is either a PEM or a public key list (public-keys.json).
  const lists = supplied.filter((text) => text.trimStart().startsWith('{')).map(auditKeysFromList);
  const pems = supplied.filter((text) => !text.trimStart().startsWith('{'));
  const suppliedList = lists.length > 0 ? new Map(lists.flatMap((m) => [...m])) : undefined;
  const policy: CoveragePolicy = options.config.audit;
  const witnessText = options.witnessFile !== undefined ? await readText(options.witnessFile, 'witness') : undefined;
  const witnessOf = (checkpoints: readonly AuditCheckpoint[], publicKeys: ReadonlyMap<string, string>): WitnessCheck | undefined =>
    witnessText === undefined
      ? undefined
      : checkWitness({ witness: parseWitness(witnessText), checkpoints, publicKeys, verifier: ed25519Verifier, now: options.now ?? new Date(), lagSeconds: witnessLagSeconds(policy) });
  if (options.file !== undefined) {
    if (supplied.length === 0) throw new AppError('VALIDATION_FAILED', { detail: 'audit verify --file needs --public-key (a PEM, or public-keys.json)' });
    if (!suppliedList && pems.length > 1) {
      throw new AppError('VALIDATION_FAILED', { detail: 'audit verify --file: several PEMs cannot be matched to key ids; pass public-keys.json' });
    }
    const { events, checkpoints, head } = parseJsonlExport(await readText(options.file, 'export'));
    const publicKeys = suppliedList
      ? pems.length > 0 ? restrictToSupplied(suppliedList, pems, []) : suppliedList
      : restrictToSupplied(undefined, pems, checkpoints.map((c) => c.keyId));
    const witness = witnessOf(checkpoints, publicKeys);
    return noted(await verifyAuditLog({ events: iterate(events), checkpoints, head, publicKeys, verifier: ed25519Verifier, policy, witness }), witness);
  }
  const dataDir = resolveDataDir(options.config.dataDir);
  const listed = suppliedList ?? auditKeysFromList(await readText(keyStorePaths(dataDir).publicKeysFile, 'public key list'));
  const publicKeys = pems.length > 0 ? restrictToSupplied(listed, pems, []) : listed;
  const database = await openDatabase({ dataDir, databaseUrl: options.config.databaseUrl, readonly: true });
  try {
    const reader = auditStore(database.db, database.dialect, database.sqliteHandle);
    const head = await reader.head();
    const checkpoints = await reader.checkpoints();
    const upTo = Math.min(await reader.maxSeq(), snapshotBound(head, checkpoints));
    const witness = witnessOf(checkpoints, publicKeys);
    const workers = options.workers ?? defaultWorkers(upTo);
    if (workers <= 1) {
      return noted(await verifyAuditLog({ events: readAllStoredEvents(reader, VERIFY_BATCH, upTo), checkpoints, head, publicKeys, verifier: ed25519Verifier, policy, witness }), witness);
    }
    const checkpointCheck = checkCheckpoints(checkpoints, publicKeys, ed25519Verifier);
    const ranges = splitRange(upTo, workers);
    const chain = [...chainCheckpoints(checkpointCheck, witness)];
    const segments = await Promise.all(
      ranges.map(([from, to]) => runWorker({ dataDir, databaseUrl: options.config.databaseUrl, from, to, checkpoints: chain, batchSize: VERIFY_BATCH })),
    );
    return noted(stitchSegments({ segments, segmentEnds: ranges.map(([, to]) => to), checkpointCheck, head, policy, extraFailures: witness?.failures }), witness);
  } finally {
    await database.close();
  }
}

/** Adds what the witness showed to a sound verdict. */
function noted(result: VerifyResult, witness: WitnessCheck | undefined): VerifyResult {
  if (!witness || !result.ok) return result;
  const torn = witness.tornLines > 0 ? ` (${witness.tornLines} line(s) cut short by a crash, skipped)` : '';
  return { ...result, message: `${result.message}; the witness agrees: ${witness.witnessed.size} witnessed checkpoints${torn}` };
}

const VERIFY_BATCH = 10_000;
/** Below this many events one pass is quicker than starting workers. */
const PARALLEL_THRESHOLD = 200_000;

function defaultWorkers(events: number): number {
  if (events < PARALLEL_THRESHOLD) return 1;
  return Math.max(1, Math.min(availableParallelism(), 8));
}

/** Splits 1..max into `parts` contiguous inclusive ranges. */
export function splitRange(max: number, parts: number): Array<[number, number]> {
  const size = Math.ceil(max / parts);
  const out: Array<[number, number]> = [];
  for (let from = 1; from <= max; from += size) out.push([from, Math.min(max, from + size - 1)]);
  return out;
}

function runWorker(data: VerifyWorkerData): Promise<SegmentResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./audit-verify-worker.js', import.meta.url), { workerData: data });
    worker.once('message', (result: SegmentResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`audit verify worker exited with code ${code}`));
    });
  });
}

export async function runAuditExport(config: Config, output: string | undefined): Promise<number> {
  const dataDir = resolveDataDir(config.dataDir);
  const database = await openDatabase({ dataDir, databaseUrl: config.databaseUrl, readonly: true });
  const sink: Writable = output === undefined ? process.stdout : createWriteStream(output, { mode: 0o600 });
  let lines = 0;
  try {
    for await (const line of exportJsonl(auditStore(database.db, database.dialect))) {
      lines += 1;
      if (!sink.write(line)) await once(sink, 'drain');
    }
  } finally {
    await database.close();
    if (sink !== process.stdout) {
      sink.end();
      await once(sink, 'finish');
    }
  }
  return lines;
}

async function* iterate<T>(events: readonly T[]): AsyncGenerator<T> {
  for (const e of events) yield e;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new AppError('VALIDATION_FAILED', { detail: `cannot read ${what} ${path}`, cause });
  }
}
