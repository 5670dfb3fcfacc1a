/**
 * Where backups are kept: the port every target implements (a local directory, S3).
 *
 * MUST: `put` makes an object visible under its key only once all of it is stored; a failed or
 *       interrupted upload leaves nothing under that key (a temp name, or an aborted multipart).
 * MUST: keys are `<backup id>/<file>`: checked before they reach the target, never built from
 *       untrusted text without that check.
 */
import type { Readable } from 'node:stream';
import { AppError } from '../kernel/index.js';

export interface BackupTarget {
  /** A short name for reports and audit (`local:/mnt/backups`, `s3:bucket/prefix`). */
  readonly name: string;
  put(key: string, body: Readable): Promise<void>;
  /**
   * Stores a file whose bytes do not change while this runs (the encrypted database part, so an
   * interrupted upload can resume: S3 multipart). Targets without it get the file through `put`.
   * `signal` stops it (the target timed out): nothing completes after that.
   */
  putFile?(key: string, file: string, signal?: AbortSignal): Promise<void>;
  /**
   * A directory target: `write` creates and fsyncs the object's bytes itself at the `temp` path
   * it is given (a new file, in the object's folder), and the target then moves it under `key`.
   * A failed `write` leaves nothing under `key` (the temp file is removed). Lets a worker thread
   * write the encrypted database part without the ciphertext passing through the server's thread.
   */
  writeInPlace?<T>(key: string, write: (temp: string) => Promise<T>): Promise<T>;
  /** The local path of a stored object (a directory target): a stable source for the other targets. */
  localFile?(key: string): string;
  /** BACKUP_NOT_FOUND when there is no such object. */
  get(key: string): Promise<Readable>;
  /** Backup ids that have a manifest (complete backups), oldest first. */
  listBackups(): Promise<string[]>;
  /** Deletes every object of one backup (every version of it, on a versioned bucket). */
  removeBackup(id: string): Promise<void>;
  /** Aborts uploads a crashed process left incomplete, started before `before` (S3 multipart); returns how many. */
  abortStaleUploads?(before: Date): Promise<number>;
  /** Extends the retention lock of a backup, where the target supports one (S3 Object Lock). */
  extendRetention?(id: string, until: Date): Promise<void>;
}

const KEY_RE = /^\d{8}T\d{6}Z-[0-9a-z]{6}\/[a-z][a-z0-9.-]{0,63}$/;

export function checkKey(key: string): string {
  if (!KEY_RE.test(key)) throw new AppError('VALIDATION_FAILED', { detail: `not a backup object key: ${JSON.stringify(key)}` });
  return key;
}

export async function readAll(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += buffer.length;
    if (total > limit) throw new AppError('BACKUP_PART_CORRUPT', { detail: `object larger than ${limit} bytes` });
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
