/**
 * Scratch folders of backups, verifications and drills (the data directory's backup-staging/):
 * a plaintext snapshot or a decrypted copy lives there while one runs. A process killed midway
 * (kill -9, a power cut) would leave gigabytes of database copy behind for ever; so each folder
 * names its owner process, and every new one first sweeps the folders whose owner is gone.
 *
 * MUST: a folder is 0700 and holds `owner.pid` (the pid of the process using it).
 * MUST: the sweep removes only folders this module names (`<backup id>-…`, `verify-…`, `drill-…`)
 *       whose owner pid is not a live process, or, without an owner file, older than an hour
 *       (made before owner files, or by a process killed before it wrote one).
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive } from '../host/index.js';

const OWNER_FILE = 'owner.pid';
const SCRATCH_RE = /^(?:\d{8}T\d{6}Z-[0-9a-z]{6}|verify|drill)-[A-Za-z0-9]{6}$/;
const UNOWNED_GRACE_MS = 3_600_000;

/** A new private scratch folder under `root` (`prefix` + 6 random characters), owned by this process. */
export async function makeScratchDir(root: string, prefix: string): Promise<string> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  await removeAbandonedScratch(root);
  const dir = await mkdtemp(join(root, prefix));
  await writeFile(join(dir, OWNER_FILE), `${process.pid}\n`, { mode: 0o600 });
  return dir;
}

/** Removes the scratch folders under `root` whose process is gone; returns their names. */
export async function removeAbandonedScratch(root: string, now: Date = new Date()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names.filter((n) => SCRATCH_RE.test(n))) {
    const dir = join(root, name);
    try {
      if (!(await abandoned(dir, now))) continue;
      await rm(dir, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // gone meanwhile, or not ours to read: leave it
    }
  }
  return removed;
}

async function abandoned(dir: string, now: Date): Promise<boolean> {
  const info = await stat(dir);
  if (!info.isDirectory()) return false;
  let owner: number;
  try {
    owner = Number.parseInt((await readFile(join(dir, OWNER_FILE), 'utf8')).trim(), 10);
  } catch {
    return now.getTime() - info.mtimeMs > UNOWNED_GRACE_MS;
  }
  return !Number.isSafeInteger(owner) || owner <= 0 || !isProcessAlive(owner);
}
