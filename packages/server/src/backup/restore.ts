/**
 * Restoring a backup into a NEW data directory (and, on PostgreSQL, a new database).
 *
 * MUST: refuse a data directory that exists and is not empty (BACKUP_RESTORE_TARGET_NOT_EMPTY),
 *       before anything is written; nothing there changes.
 * MUST: the whole backup is verified first (verify.ts); parts are decrypted to a scratch place,
 *       the new directory is built beside it under a temporary name, and renamed into place only
 *       after everything finished cleanly (keys, files, database, migrations).
 * MUST: --dry-run performs every step in a temporary folder and leaves `dataDir` untouched.
 * MUST: carried files are written only under their allowlisted relative paths.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { installRecoveredKeyStore } from '../keys/index.js';
import { AppError, type Clock } from '../kernel/index.js';
import { isCarriedPath, type CarriedFile } from './carried-files.js';
import type { SnapshotRestorer } from './store.js';
import { verifyBackup, type VerifiedBackup, type VerifyDeps } from './verify.js';

export interface RestoreDeps extends Omit<VerifyDeps, 'scratchDir'> {
  readonly restorer: SnapshotRestorer;
  readonly clock: Clock;
}

export interface RestoreResult {
  readonly backupId: string;
  readonly dataDir: string;
  readonly dryRun: boolean;
  readonly verified: VerifiedBackup;
}

export async function restoreBackup(deps: RestoreDeps, id: string, options: { dataDir: string; dryRun: boolean }): Promise<RestoreResult> {
  const dataDir = resolve(options.dataDir);
  await refuseNonEmpty(dataDir);
  const scratch = await mkdtemp(join(tmpdir(), 'vigil-restore-'));
  const building = options.dryRun ? join(scratch, 'data') : join(dirname(dataDir), `.${id}.restoring-${randomBytes(4).toString('hex')}`);
  try {
    const verified = await verifyBackup({ ...deps, scratchDir: join(scratch, 'parts') }, id);
    await mkdir(building, { mode: 0o700 });
    await installRecoveredKeyStore({ dataDir: building, copy: verified.keys, clock: deps.clock });
    await writeCarriedFiles(building, verified.files);
    await deps.restorer(verified.manifest.engine, verified.databaseFile, building);
    if (!options.dryRun) {
      await refuseNonEmpty(dataDir);
      await rmdir(dataDir).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      await rename(building, dataDir);
    }
    return { backupId: id, dataDir, dryRun: options.dryRun, verified };
  } finally {
    await rm(scratch, { recursive: true, force: true });
    if (!options.dryRun) await rm(building, { recursive: true, force: true });
  }
}

async function refuseNonEmpty(dataDir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dataDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new AppError('BACKUP_RESTORE_TARGET_NOT_EMPTY', { detail: `${dataDir} is not a readable, empty directory`, cause: error });
  }
  if (entries.length > 0) {
    throw new AppError('BACKUP_RESTORE_TARGET_NOT_EMPTY', { detail: `${dataDir} is not empty; a restore only builds a new data directory` });
  }
}

async function writeCarriedFiles(dataDir: string, files: readonly CarriedFile[]): Promise<void> {
  for (const file of files) {
    if (!isCarriedPath(file.path)) throw new AppError('BACKUP_PART_CORRUPT', { detail: `refusing to write ${file.path}` });
    const path = join(dataDir, file.path);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(path, Buffer.from(file.content, 'base64'), { mode: file.mode & 0o644, flag: 'wx' });
  }
}
