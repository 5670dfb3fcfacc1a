/**
 * Worker thread of a SQLite backup snapshot: `VACUUM INTO` on its own read-only connection, so
 * the server's event loop (and ingest) keeps running. VACUUM INTO reads inside one transaction,
 * so the copy is consistent (https://www.sqlite.org/lang_vacuum.html#vacuuminto); in WAL mode
 * it does not block writers. The facts are then read from the copy itself, after a 'copied'
 * message, so the parent can encrypt and upload the copy meanwhile (both only read it).
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { readSqliteFacts } from './snapshot-facts.js';

export interface SnapshotWorkerData {
  readonly source: string;
  readonly dest: string;
}

export type SnapshotWorkerMessage = { readonly type: 'copied' } | { readonly type: 'facts'; readonly facts: ReturnType<typeof readSqliteFacts> };

const data = workerData as SnapshotWorkerData;
const source = new BetterSqlite3(data.source, { readonly: true, fileMustExist: true });
try {
  source.pragma('busy_timeout = 30000');
  source.prepare('VACUUM INTO ?').run(data.dest);
} finally {
  source.close();
}
parentPort?.postMessage({ type: 'copied' } satisfies SnapshotWorkerMessage);
const copy = new BetterSqlite3(data.dest, { readonly: true, fileMustExist: true });
try {
  parentPort?.postMessage({ type: 'facts', facts: readSqliteFacts(copy) } satisfies SnapshotWorkerMessage);
} finally {
  copy.close();
}
