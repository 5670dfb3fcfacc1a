/**
 * SQLite side of backups: the online snapshot, the read-only inspection of a copy, and the
 * restore of a copy into a new data directory.
 *
 * MUST: neither the snapshot nor the inspection of a copy blocks the server's event loop (worker
 *       threads do the copy, the integrity check and the counts).
 * MUST: a copy under inspection is opened read-only; a restore migrates the copy it installed.
 */
import { chmod, copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DatabaseFacts, DatabaseSnapshot, SnapshotInspection, SnapshotSource } from '../../backup/index.js';
import { AppError } from '../../kernel/index.js';
import { openDatabase, SQLITE_FILE_NAME } from '../open.js';
import { auditStore } from '../stores/audit-store.js';
import type { InspectWorkerData, InspectWorkerMessage } from './inspect-worker.js';
import type { SnapshotWorkerData, SnapshotWorkerMessage } from './snapshot-worker.js';

export function sqliteSnapshotSource(dataDir: string): SnapshotSource {
  return {
    engine: 'sqlite',
    snapshot: async (stagingDir): Promise<DatabaseSnapshot> => {
      const dest = join(stagingDir, 'snapshot.sqlite');
      const worker = runWorker({ source: join(dataDir, SQLITE_FILE_NAME), dest });
      const remove = async () => {
        await worker.facts.catch(() => undefined);
        await rm(dest, { force: true });
      };
      try {
        await worker.copied;
        await chmod(dest, 0o600);
      } catch (cause) {
        await remove();
        throw new AppError('BACKUP_SNAPSHOT_FAILED', { detail: `SQLite snapshot failed: ${cause instanceof Error ? cause.message : String(cause)}`, cause });
      }
      const facts = worker.facts.catch((cause: unknown) => {
        throw new AppError('BACKUP_SNAPSHOT_FAILED', { detail: `reading the snapshot's facts failed: ${cause instanceof Error ? cause.message : String(cause)}`, cause });
      });
      facts.catch(() => undefined);
      return { file: dest, facts, remove };
    },
  };
}

/** The worker posts 'copied' once the page copy is done, then the facts it reads from the copy (in parallel with the upload). */
function runWorker(data: SnapshotWorkerData): { copied: Promise<void>; facts: Promise<DatabaseFacts> } {
  let onCopied: () => void = () => undefined;
  const copied = new Promise<void>((resolve) => (onCopied = resolve));
  const facts = new Promise<DatabaseFacts>((resolve, reject) => {
    const worker = new Worker(new URL('./snapshot-worker.js', import.meta.url), { workerData: data });
    let result: DatabaseFacts | undefined;
    worker.on('message', (message: SnapshotWorkerMessage) => {
      if (message.type === 'copied') onCopied();
      else result = message.facts;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`snapshot worker exited with code ${code}`))));
  });
  facts.catch(() => undefined);
  // A failure before the copy is done rejects `copied` too.
  return { copied: Promise.race([copied, facts.then(() => undefined)]), facts };
}

export async function inspectSqliteCopy(file: string): Promise<SnapshotInspection> {
  // integrity_check and the facts read the whole copy: in a worker thread (inspect-worker.ts).
  const checked = await inspectInWorker(file);
  if (!checked.ok) return brokenCopy(new Error(checked.message));
  const { integrityProblems, facts } = checked;
  const dir = join(file, '..');
  const fileName = file.slice(dir.length + 1);
  // openDatabase reads <dir>/vigil.db: the copy is named so by the caller.
  if (fileName !== SQLITE_FILE_NAME) throw new AppError('INTERNAL', { detail: `a SQLite copy under inspection must be named ${SQLITE_FILE_NAME}` });
  const database = await openDatabase({ dataDir: dir, readonly: true });
  return {
    integrityProblems,
    facts,
    audit: auditStore(database.db, database.dialect, database.sqliteHandle),
    close: () => database.close(),
  };
}

function inspectInWorker(file: string): Promise<InspectWorkerMessage> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./inspect-worker.js', import.meta.url), { workerData: { file } satisfies InspectWorkerData });
    let result: InspectWorkerMessage | undefined;
    worker.once('message', (message: InspectWorkerMessage) => (result = message));
    worker.once('error', (error) => (result ??= { ok: false, message: error.message }));
    worker.once('exit', (code) => resolve(result ?? { ok: false, message: `the inspection worker exited with code ${code}` }));
  });
}

function brokenCopy(cause: unknown): SnapshotInspection {
  const message = cause instanceof Error ? cause.message : String(cause);
  return {
    integrityProblems: [`the database copy does not open: ${message}`],
    facts: { schemaVersion: 'none', auditHead: null, rowCounts: {}, lastTelemetryAt: null },
    audit: null,
    close: () => Promise.resolve(),
  };
}

/** Installs a verified SQLite copy as `<dataDir>/vigil.db` (0600) and runs the migrations. */
export async function restoreSqliteCopy(file: string, dataDir: string): Promise<void> {
  const dest = join(dataDir, SQLITE_FILE_NAME);
  await copyFile(file, dest);
  await chmod(dest, 0o600);
  const database = await openDatabase({ dataDir });
  await database.close();
}
