/**
 * Worker thread of a SQLite backup snapshot: `VACUUM INTO` on its own read-only connection, so
 * the server's event loop (and ingest) keeps running. VACUUM INTO reads inside one transaction,
 * so the copy is consistent (https://www.sqlite.org/lang_vacuum.html#vacuuminto); in WAL mode
 * it does not block writers. The facts are then read from the copy itself.
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { readSqliteFacts } from './snapshot-facts.js';

export interface SnapshotWorkerData {
  readonly source: string;
  readonly dest: string;
}

const data = workerData as SnapshotWorkerData;
const source = new BetterSqlite3(data.source, { readonly: true, fileMustExist: true });
try {
  source.pragma('busy_timeout = 30000');
  source.prepare('VACUUM INTO ?').run(data.dest);
} finally {
  source.close();
}
const copy = new BetterSqlite3(data.dest, { readonly: true, fileMustExist: true });
try {
  parentPort?.postMessage(readSqliteFacts(copy));
} finally {
  copy.close();
}
