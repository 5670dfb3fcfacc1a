/**
 * Worker thread of a backup verification on SQLite: `PRAGMA integrity_check` and the facts of a
 * decrypted copy, on a read-only connection of its own. Both read the whole file (minutes on a
 * large database): off the server's event loop, at a low CPU priority, so a verification after a
 * scheduled backup, or a drill, does not stop ingest.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { lowerWorkerThreadPriority } from '../../host/index.js';
import { readSqliteFacts } from './snapshot-facts.js';

export interface InspectWorkerData {
  readonly file: string;
}

export type InspectWorkerMessage =
  | { readonly ok: true; readonly integrityProblems: string[]; readonly facts: ReturnType<typeof readSqliteFacts> }
  | { readonly ok: false; readonly message: string };

const data = workerData as InspectWorkerData;
lowerWorkerThreadPriority();
let message: InspectWorkerMessage;
try {
  const raw = new BetterSqlite3(data.file, { readonly: true, fileMustExist: true });
  try {
    const rows = raw.pragma('integrity_check') as Array<{ integrity_check: string }>;
    message = { ok: true, integrityProblems: rows.map((r) => r.integrity_check).filter((r) => r !== 'ok'), facts: readSqliteFacts(raw) };
  } finally {
    raw.close();
  }
} catch (error) {
  message = { ok: false, message: error instanceof Error ? error.message : String(error) };
}
parentPort?.postMessage(message);
