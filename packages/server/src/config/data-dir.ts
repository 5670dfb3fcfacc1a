/**
 * The data directory: database (SQLite), keys, CA. Created with mode 0700 on first start.
 *
 * MUST: refuse to start on a data directory that group or others can read (DATA_DIR_INSECURE).
 * MUST: one server process per data directory (a pid lock file; a stale lock is taken over).
 */
import { constants, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isProcessAlive } from '../host/index.js';
import { AppError } from '../kernel/index.js';

export const DATA_DIR_MODE = 0o700;
const LOCK_FILE = 'vigil.pid';

export function resolveDataDir(dataDir: string): string {
  return resolve(dataDir);
}

export function dataDirExists(dataDir: string): boolean {
  try {
    return statSync(dataDir).isDirectory();
  } catch {
    return false;
  }
}

/** Creates the directory with mode 0700 if missing; returns whether it was created. */
export function createDataDir(dataDir: string): boolean {
  if (dataDirExists(dataDir)) {
    checkDataDirMode(dataDir);
    return false;
  }
  mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  checkDataDirMode(dataDir);
  return true;
}

export function checkDataDirMode(dataDir: string): void {
  const mode = statSync(dataDir).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new AppError('DATA_DIR_INSECURE', {
      detail: `data directory ${dataDir} has mode ${mode.toString(8)}; it must be 700 (run: chmod 700 ${dataDir})`,
    });
  }
}

export interface DataDirLock {
  release(): void;
  /**
   * The pid of a process that died holding the lock (it did not stop cleanly: a crash, kill -9,
   * power loss), or null after a clean stop.
   */
  readonly staleHolder: number | null;
}

/** Takes the per-directory lock, or throws DATA_DIR_LOCKED if a live process holds it. */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  let staleHolder: number | null = null;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return {
        staleHolder,
        release: () => {
          try {
            if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isProcessAlive(holder)) {
        throw new AppError('DATA_DIR_LOCKED', { detail: `data directory ${dataDir} is in use by process ${holder}` });
      }
      staleHolder = Number.isInteger(holder) && holder > 0 ? holder : -1;
      rmSync(path, { force: true }); // stale lock from a process that died
    }
  }
  throw new AppError('DATA_DIR_LOCKED', { detail: `data directory ${dataDir}: could not take the lock` });
}
