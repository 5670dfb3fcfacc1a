/**
 * Reading and checking files that hold secrets (the master key file, the key store).
 *
 * MUST: refuse (DATA_DIR_INSECURE) a file or directory that group or others may access,
 *       before reading a byte of it, and say which path and which mode, with the fix.
 * MUST: not follow a symbolic link for a secret file (O_NOFOLLOW), and check the mode on the
 *       opened descriptor, so the file checked is the file read.
 * Mode bits are not meaningful on Windows; the checks are skipped there.
 */
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { AppError } from '../kernel/index.js';

const GROUP_OTHER_BITS = 0o077;
const CHECK_MODES = process.platform !== 'win32';

/** The file's bytes; undefined when it does not exist. */
export async function readPrivateFile(path: string): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') {
      throw new AppError('DATA_DIR_INSECURE', { detail: `${path} is a symbolic link; a secret file must be a regular file`, cause: error });
    }
    throw error;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new AppError('DATA_DIR_INSECURE', { detail: `${path} is not a regular file` });
    }
    assertPrivateMode(path, stat.mode, 0o600);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Refuses a directory that group or others may access. False when it does not exist. */
export async function checkPrivateDir(path: string): Promise<boolean> {
  let stat;
  try {
    stat = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  if (!stat.isDirectory()) {
    throw new AppError('DATA_DIR_INSECURE', { detail: `${path} is not a directory` });
  }
  assertPrivateMode(path, stat.mode, 0o700);
  return true;
}

function assertPrivateMode(path: string, mode: number, fix: number): void {
  if (!CHECK_MODES || (mode & GROUP_OTHER_BITS) === 0) return;
  const shown = (mode & 0o777).toString(8).padStart(4, '0');
  throw new AppError('DATA_DIR_INSECURE', {
    detail: `${path} has mode ${shown}, open to group or others; run: chmod ${fix.toString(8)} ${path}`,
  });
}
