/**
 * The audit-integrity evidence of the compliance checks (PLT-AUDIT-CHAIN): the whole chain is
 * verified against the trusted audit-signing keys, and the newest checkpoint and the oldest
 * unwitnessed event are read. Verifying a million events is seconds of CPU: above
 * OFF_THREAD_THRESHOLD events it runs in a worker thread (audit-integrity-worker.ts) on its own
 * read-only connection, so the server's event loop goes on taking ingest and requests while an
 * audit runs.
 *
 * MUST: the verdict is the same as in process (the same verifyAuditLog over the same events);
 *       a worker that cannot start or fails falls back to verifying in process, never to "ok".
 * MUST: no key material crosses to the worker: it reads only the public key list.
 */
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { auditKeysFromList, readAllStoredEvents, verifyAuditLog } from '../audit/index.js';
import type { AuditIntegrityFacts } from '../compliance/index.js';
import type { Config } from '../config/index.js';
import { ed25519Verifier, keyStorePaths } from '../keys/index.js';
import { auditStore, type SqlDatabase } from '../storage/index.js';

export interface AuditIntegrityInput {
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly policy: Config['audit'];
}

/** Called between pages of events: a paced caller (the audit worker under load) waits there. */
export type Pace = () => Promise<void>;

/** Events per pace() call. */
const PACE_EVERY = 10_000;

async function* paced<T>(events: AsyncIterable<T>, pace: Pace): AsyncGenerator<T> {
  let n = 0;
  for await (const event of events) {
    yield event;
    if (++n % PACE_EVERY === 0) await pace();
  }
}

/** Verifies the chain over `database` (in whichever thread calls it), waiting at `pace` between pages if given. */
export async function verifyAuditIntegrity(database: SqlDatabase, input: AuditIntegrityInput, pace?: Pace): Promise<AuditIntegrityFacts> {
  const reader = auditStore(database.db, database.dialect, database.sqliteHandle);
  const checkpoints = await reader.checkpoints();
  const head = await reader.head();
  const publicKeys = auditKeysFromList(await readFile(keyStorePaths(input.dataDir).publicKeysFile, 'utf8'));
  const result = await verifyAuditLog({ events: pace ? paced(readAllStoredEvents(reader, PACE_EVERY), pace) : readAllStoredEvents(reader, PACE_EVERY), checkpoints, head, publicKeys, verifier: ed25519Verifier, policy: input.policy });
  const newest = checkpoints[checkpoints.length - 1];
  const [firstUnwitnessed] = await reader.readStoredAfter(newest?.seq ?? 0, 1);
  return {
    ok: result.ok,
    message: result.message,
    headSeq: head?.seq ?? 0,
    newestCheckpointAt: newest?.time ?? null,
    newestCheckpointSeq: newest?.seq ?? 0,
    oldestUnwitnessedAt: firstUnwitnessed?.time ?? null,
  };
}

/** Below this many events verifying in process takes milliseconds, less than starting a worker. */
export const OFF_THREAD_THRESHOLD = 50_000;

/** In a worker thread for a large log; in process for a small one, or when the worker cannot run. */
export async function auditIntegrityOffThread(database: SqlDatabase, input: AuditIntegrityInput, threshold = OFF_THREAD_THRESHOLD): Promise<AuditIntegrityFacts> {
  const head = await auditStore(database.db, database.dialect, database.sqliteHandle).head();
  if ((head?.seq ?? 0) < threshold) return verifyAuditIntegrity(database, input);
  try {
    return await verifyInWorker(input);
  } catch {
    return verifyAuditIntegrity(database, input);
  }
}

/** The verification in a worker thread on its own read-only connection (rejects if the worker fails). */
export function verifyInWorker(input: AuditIntegrityInput): Promise<AuditIntegrityFacts> {
  return new Promise<AuditIntegrityFacts>((resolve, reject) => {
    const worker = new Worker(new URL('./audit-integrity-worker.js', import.meta.url), { workerData: input });
    worker.once('message', (message: { facts?: AuditIntegrityFacts; error?: string }) => (message.facts ? resolve(message.facts) : reject(new Error(message.error ?? 'audit integrity worker failed'))));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`audit integrity worker exited with code ${code}`));
    });
  });
}
