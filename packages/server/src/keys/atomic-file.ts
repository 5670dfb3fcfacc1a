/**
 * Crash-safe file writes for the key store and its companions.
 *
 * MUST: a reader sees the old file or the new one, never a torn one: write a temporary file
 *       in the same directory, fsync it, then rename (or link) it into place and fsync the
 *       directory so the new name survives a power loss.
 * MUST: the file has its final mode from the moment it exists (secrets are never briefly 0644).
 */
import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Replaces `path` atomically with `data`. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const temp = await writeTemp(path, data, mode);
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDir(dirname(path));
}

/**
 * Creates `path` atomically with `data`, failing with EEXIST (and changing nothing) if it
 * already exists: link(2) does not replace its target, where rename(2) would.
 */
export async function createFileAtomic(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const temp = await writeTemp(path, data, mode);
  try {
    await link(temp, path);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  await fsyncDir(dirname(path));
}

async function writeTemp(path: string, data: string | Uint8Array, mode: number): Promise<string> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.chmod(mode); // the umask may have narrowed it; make it exact
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return temp;
}

async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
