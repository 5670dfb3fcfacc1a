/**
 * A backup target on a local or mounted directory.
 *
 *   <root>/<backup id>/<part>.age        0600
 *   <root>/<backup id>/manifest.json     0600, written last
 *
 * MUST: an object is written to a temp name in the same folder, fsynced, then renamed (and the
 *       folder fsynced); a failed write (disk full, I/O error) removes the temp file, so no part
 *       looks complete. `writeInPlace` lets a worker write the temp file itself, under the same rules.
 * MUST: removing a backup deletes its manifest first, so a half-removed backup is not listed.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../kernel/index.js';
import { isBackupId, MANIFEST_FILE } from './model.js';
import { checkKey, type BackupTarget } from './target.js';

export class LocalDirectoryTarget implements BackupTarget {
  readonly name: string;
  readonly #root: string;

  constructor(root: string) {
    this.#root = resolve(root);
    this.name = `local:${this.#root}`;
  }

  async put(key: string, body: Readable): Promise<void> {
    await this.writeInPlace(key, async (temp) => {
      await pipeline(body, createWriteStream(temp, { mode: 0o600, flags: 'wx' }));
      const handle = await open(temp, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
  }

  async writeInPlace<T>(key: string, write: (temp: string) => Promise<T>): Promise<T> {
    const path = join(this.#root, checkKey(key));
    const temp = `${path}.partial-${randomBytes(6).toString('hex')}`;
    try {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const result = await write(temp);
      await rename(temp, path);
      // The rename itself made durable: the folder's entry is on disk before the manifest is written.
      const folder = await open(dirname(path), 'r');
      try {
        await folder.sync();
      } finally {
        await folder.close();
      }
      return result;
    } catch (cause) {
      await rm(temp, { force: true });
      throw new AppError('BACKUP_TARGET_FAILED', { detail: `${this.name}: cannot write ${key}: ${messageOf(cause)}`, cause });
    }
  }

  localFile(key: string): string {
    return join(this.#root, checkKey(key));
  }

  async get(key: string): Promise<Readable> {
    const path = join(this.#root, checkKey(key));
    try {
      await stat(path);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError('BACKUP_NOT_FOUND', { detail: `${this.name}: no ${key}` });
      throw new AppError('BACKUP_TARGET_FAILED', { detail: `${this.name}: cannot read ${key}: ${messageOf(cause)}`, cause });
    }
    return createReadStream(path);
  }

  async listBackups(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.#root);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new AppError('BACKUP_TARGET_FAILED', { detail: `${this.name}: cannot list: ${messageOf(cause)}`, cause });
    }
    const complete: string[] = [];
    for (const name of names.filter(isBackupId).sort()) {
      try {
        await stat(join(this.#root, name, MANIFEST_FILE));
        complete.push(name);
      } catch {
        // no manifest: an incomplete backup, never listed
      }
    }
    return complete;
  }

  async removeBackup(id: string): Promise<void> {
    if (!isBackupId(id)) throw new AppError('VALIDATION_FAILED', { detail: `not a backup id: ${id}` });
    await rm(join(this.#root, id, MANIFEST_FILE), { force: true });
    await rm(join(this.#root, id), { recursive: true, force: true });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
