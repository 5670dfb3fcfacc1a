/**
 * Worker thread of a SQLite backup snapshot: the SQLite online backup API (a page copy,
 * https://www.sqlite.org/backup.html) on its own read-only connection, so the server's event loop
 * (and ingest) keeps running. The copy runs inside one read transaction opened first, so every
 * step reads the same snapshot of the database and the copy is consistent even while the server
 * writes (in WAL mode a reader does not block writers, and the backup never restarts). A page
 * copy costs far less CPU than `VACUUM INTO`, which rebuilds every table and index.
 *
 * The thread runs at a low CPU priority (nice 10, host/thread-priority.ts): on a busy machine the
 * server's main thread goes first. The facts are then read from the copy itself, after a 'copied'
 * message, so the parent can encrypt and upload the copy meanwhile (both only read it).
 */
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { lowerWorkerThreadPriority } from '../../host/index.js';
import { readSqliteFacts } from './snapshot-facts.js';

export interface SnapshotWorkerData {
  readonly source: string;
  readonly dest: string;
  /** Pages copied per step of the backup API (default 1024: 4 MiB at the default page size). */
  readonly pagesPerStep?: number;
  /** Lower this thread's CPU priority (default true). */
  readonly lowPriority?: boolean;
}

export type SnapshotWorkerMessage =
  | { readonly type: 'copied'; readonly pages: number; readonly lowPriority: boolean }
  | { readonly type: 'facts'; readonly facts: ReturnType<typeof readSqliteFacts> };

const data = workerData as SnapshotWorkerData;
const lowPriority = data.lowPriority !== false && lowerWorkerThreadPriority();
const pagesPerStep = data.pagesPerStep ?? 1024;

async function copy(): Promise<number> {
  const source = new BetterSqlite3(data.source, { readonly: true, fileMustExist: true });
  try {
    source.pragma('busy_timeout = 30000');
    // One read transaction for the whole copy: each step of the backup reads this snapshot.
    source.exec('BEGIN');
    source.prepare('select count(*) from sqlite_master').get();
    const result = await source.backup(data.dest, { progress: () => pagesPerStep });
    source.exec('COMMIT');
    return result.totalPages;
  } finally {
    source.close();
  }
}

const pages = await copy();
// The copy is written in the source's journal mode (WAL); a backup file is a plain rollback-journal database.
const dest = new BetterSqlite3(data.dest, { fileMustExist: true });
try {
  dest.pragma('journal_mode = DELETE');
} finally {
  dest.close();
}
parentPort?.postMessage({ type: 'copied', pages, lowPriority } satisfies SnapshotWorkerMessage);
const copyDb = new BetterSqlite3(data.dest, { readonly: true, fileMustExist: true });
try {
  parentPort?.postMessage({ type: 'facts', facts: readSqliteFacts(copyDb) } satisfies SnapshotWorkerMessage);
} finally {
  copyDb.close();
}
