/**
 * A backup target on S3-compatible object storage (@aws-sdk/client-s3, @aws-sdk/lib-storage).
 *
 *   s3://<bucket>/<prefix><backup id>/<part>.age, …/manifest.json (written last)
 *
 * Object Lock (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html): on a
 * versioned bucket with Object Lock enabled, every object is uploaded with a retention in
 * compliance mode (by default) until a short date (the hourly tier's); when the retention policy
 * promotes a backup to a longer tier, `extendRetention` moves the date later on each of its
 * object versions. Ransomware holding Vigil's credentials cannot delete or shorten a locked
 * version: prune deletes specific versions (VersionId), which S3 refuses while they are locked.
 *
 * MUST: the database part is uploaded from a file whose bytes do not change (`putFile`):
 *       multipart and resumable (s3-resumable-upload.ts): after a failed round only the parts S3
 *       does not hold are sent again; when giving up, the upload is aborted. Streamed objects
 *       (`put`: the small parts and the manifest) go through lib-storage, aborted on failure
 *       (leavePartsOnError: false). No object appears under a key before its upload completes,
 *       and the manifest, written last, is what makes a backup listed.
 * MUST: a multipart upload left by a process that died mid-upload (never an object: S3 shows
 *       only completed uploads) is aborted by the next backup (`abortStaleUploads`), once older
 *       than the longest a live upload may take, so its parts do not linger.
 * MUST: every key is checked (checkKey) and prefixed; nothing outside the prefix is touched.
 * MUST: removal deletes the manifest first, then every version and delete marker of the backup.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectRetentionCommand,
  type ObjectLockMode,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { AppError } from '../kernel/index.js';
import { isBackupId, MANIFEST_FILE } from './model.js';
import { resumableUpload } from './s3-resumable-upload.js';
import { checkKey, type BackupTarget } from './target.js';

export interface S3TargetOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix, e.g. "vigil/prod/" (a trailing slash is added when missing). */
  readonly prefix: string;
  /** Object Lock mode at upload; 'off' for buckets without Object Lock. */
  readonly objectLock: 'compliance' | 'governance' | 'off';
  /** Retention set at upload, in days (short: the hourly tier's). */
  readonly initialLockDays: number;
  readonly now: () => Date;
  /** Multipart part size (bytes, ≥ 5 MiB); default 16 MiB. */
  readonly partSize?: number;
  /** Rounds of a resumable upload before it is aborted (default 5), and the delay before the second (doubling; default 5 s). */
  readonly resumeAttempts?: number;
  readonly resumeDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Told of each failed round of a resumable upload (logs, tests). */
  readonly onResume?: (key: string, round: number, error: unknown) => void;
}

export class S3Target implements BackupTarget {
  readonly name: string;
  readonly #o: S3TargetOptions;
  readonly #prefix: string;

  constructor(options: S3TargetOptions) {
    this.#o = options;
    this.#prefix = options.prefix === '' || options.prefix.endsWith('/') ? options.prefix : `${options.prefix}/`;
    this.name = `s3:${options.bucket}/${this.#prefix}`;
  }

  /** Uploads a file that does not change while this runs: multipart and resumable (see the header). */
  async putFile(key: string, file: string, signal?: AbortSignal): Promise<void> {
    const partSize = this.#o.partSize ?? 16 * 1024 * 1024;
    if ((await stat(file)).size < partSize) return this.put(key, createReadStream(file));
    const lock = this.#lockMode();
    try {
      await resumableUpload({
        client: this.#o.client,
        bucket: this.#o.bucket,
        key: this.#prefix + checkKey(key),
        file,
        lock: lock ? { mode: lock, until: this.#lockUntil() } : undefined,
        partSize,
        attempts: this.#o.resumeAttempts ?? 5,
        delayMs: this.#o.resumeDelayMs ?? 5_000,
        ...(this.#o.sleep ? { sleep: this.#o.sleep } : {}),
        onRoundFailed: (round, error) => this.#o.onResume?.(key, round, error),
        signal,
      });
    } catch (cause) {
      throw new AppError('BACKUP_TARGET_FAILED', { detail: `${this.name}: cannot upload ${key}: ${messageOf(cause)}`, cause });
    }
  }

  async put(key: string, body: Readable): Promise<void> {
    const lock = this.#lockMode();
    const upload = new Upload({
      client: this.#o.client,
      params: {
        Bucket: this.#o.bucket,
        Key: this.#prefix + checkKey(key),
        Body: body,
        ...(lock ? { ObjectLockMode: lock, ObjectLockRetainUntilDate: this.#lockUntil() } : {}),
      },
      partSize: this.#o.partSize ?? 16 * 1024 * 1024,
      queueSize: 2,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (cause) {
      body.destroy();
      throw new AppError('BACKUP_TARGET_FAILED', { detail: `${this.name}: cannot upload ${key}: ${messageOf(cause)}`, cause });
    }
  }

  /**
   * Aborts the incomplete multipart uploads of backup objects under the prefix that were started
   * before `before` (left by a crash: a live upload is younger); returns how many were aborted.
   */
  async abortStaleUploads(before: Date): Promise<number> {
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    try {
      do {
        const page = await this.#o.client.send(new ListMultipartUploadsCommand({ Bucket: this.#o.bucket, Prefix: this.#prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
        for (const upload of page.Uploads ?? []) {
          const key = upload.Key ?? '';
          const [id] = key.slice(this.#prefix.length).split('/');
          if (!key.startsWith(this.#prefix) || id === undefined || !isBackupId(id) || upload.UploadId === undefined) continue;
          if (upload.Initiated === undefined || upload.Initiated.getTime() >= before.getTime()) continue;
          await this.#o.client.send(new AbortMultipartUploadCommand({ Bucket: this.#o.bucket, Key: key, UploadId: upload.UploadId }));
          aborted += 1;
        }
        keyMarker = page.IsTruncated === true ? page.NextKeyMarker : undefined;
        uploadIdMarker = page.IsTruncated === true ? page.NextUploadIdMarker : undefined;
      } while (keyMarker !== undefined);
    } catch (cause) {
      throw new AppError('BACKUP_TARGET_FAILED', { detail: `${this.name}: cannot clean up interrupted uploads: ${messageOf(cause)}`, cause });
    }
    return aborted;
  }

  async get(key: string): Promise<Readable> {
    try {
      const response = await this.#o.client.send(new GetObjectCommand({ Bucket: this.#o.bucket, Key: this.#prefix + checkKey(key) }));
      const body = response.Body;
      if (body instanceof Readable) return body;
      throw new Error('the response has no readable body');
    } catch (cause) {
      if (nameOf(cause) === 'NoSuchKey' || nameOf(cause) === 'NotFound') throw new AppError('BACKUP_NOT_FOUND', { detail: `${this.name}: no ${key}` });
      throw new AppError('BACKUP_TARGET_FAILED', { detail: `${this.name}: cannot read ${key}: ${messageOf(cause)}`, cause });
    }
  }

  async listBackups(): Promise<string[]> {
    const ids = new Set<string>();
    let token: string | undefined;
    try {
      do {
        const page = await this.#o.client.send(new ListObjectsV2Command({ Bucket: this.#o.bucket, Prefix: this.#prefix, ContinuationToken: token }));
        for (const object of page.Contents ?? []) {
          const rest = (object.Key ?? '').slice(this.#prefix.length);
          const [id, file] = rest.split('/');
          if (id !== undefined && file === MANIFEST_FILE && isBackupId(id)) ids.add(id);
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (cause) {
      throw new AppError('BACKUP_TARGET_FAILED', { detail: `${this.name}: cannot list: ${messageOf(cause)}`, cause });
    }
    return [...ids].sort();
  }

  async removeBackup(id: string): Promise<void> {
    if (!isBackupId(id)) throw new AppError('VALIDATION_FAILED', { detail: `not a backup id: ${id}` });
    const versions = await this.#versions(id);
    const manifestFirst = [...versions].sort((a, b) => Number(b.key.endsWith(MANIFEST_FILE)) - Number(a.key.endsWith(MANIFEST_FILE)));
    for (const v of manifestFirst) {
      try {
        await this.#o.client.send(new DeleteObjectCommand({ Bucket: this.#o.bucket, Key: v.key, ...(v.versionId !== undefined ? { VersionId: v.versionId } : {}) }));
      } catch (cause) {
        throw new AppError('BACKUP_TARGET_FAILED', { detail: `${this.name}: cannot delete ${v.key} (${v.versionId ?? 'no version'}): ${messageOf(cause)}`, cause });
      }
    }
  }

  async extendRetention(id: string, until: Date): Promise<void> {
    const lock = this.#lockMode();
    if (!lock) return;
    for (const v of await this.#versions(id)) {
      if (v.deleteMarker) continue;
      try {
        await this.#o.client.send(
          new PutObjectRetentionCommand({
            Bucket: this.#o.bucket,
            Key: v.key,
            ...(v.versionId !== undefined ? { VersionId: v.versionId } : {}),
            Retention: { Mode: lock, RetainUntilDate: until },
          }),
        );
      } catch (cause) {
        throw new AppError('BACKUP_TARGET_FAILED', { detail: `${this.name}: cannot extend the lock of ${v.key}: ${messageOf(cause)}`, cause });
      }
    }
  }

  #lockUntil(): Date {
    return new Date(this.#o.now().getTime() + this.#o.initialLockDays * 86_400_000);
  }

  #lockMode(): ObjectLockMode | undefined {
    if (this.#o.objectLock === 'off') return undefined;
    return this.#o.objectLock === 'compliance' ? 'COMPLIANCE' : 'GOVERNANCE';
  }

  /** Every version and delete marker under `<prefix><id>/`. */
  async #versions(id: string): Promise<Array<{ key: string; versionId: string | undefined; deleteMarker: boolean }>> {
    const out: Array<{ key: string; versionId: string | undefined; deleteMarker: boolean }> = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    try {
      do {
        const page = await this.#o.client.send(
          new ListObjectVersionsCommand({ Bucket: this.#o.bucket, Prefix: `${this.#prefix}${id}/`, KeyMarker: keyMarker, VersionIdMarker: versionMarker }),
        );
        for (const v of page.Versions ?? []) if (v.Key !== undefined) out.push({ key: v.Key, versionId: v.VersionId, deleteMarker: false });
        for (const m of page.DeleteMarkers ?? []) if (m.Key !== undefined) out.push({ key: m.Key, versionId: m.VersionId, deleteMarker: true });
        const more = page.IsTruncated === true;
        keyMarker = more ? page.NextKeyMarker : undefined;
        versionMarker = more ? page.NextVersionIdMarker : undefined;
      } while (keyMarker !== undefined);
    } catch (cause) {
      // A store without versioning (s3rver, some S3-compatible servers) answers 405/501: list the objects instead.
      if (nameOf(cause) === 'MethodNotAllowed' || nameOf(cause) === 'NotImplemented') return this.#currentObjects(id);
      throw new AppError('BACKUP_TARGET_FAILED', { detail: `${this.name}: cannot list the versions of ${id}: ${messageOf(cause)}`, cause });
    }
    return out;
  }

  async #currentObjects(id: string): Promise<Array<{ key: string; versionId: undefined; deleteMarker: false }>> {
    const out: Array<{ key: string; versionId: undefined; deleteMarker: false }> = [];
    let token: string | undefined;
    do {
      const page = await this.#o.client.send(new ListObjectsV2Command({ Bucket: this.#o.bucket, Prefix: `${this.#prefix}${id}/`, ContinuationToken: token }));
      for (const object of page.Contents ?? []) if (object.Key !== undefined) out.push({ key: object.Key, versionId: undefined, deleteMarker: false });
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out;
  }
}

function nameOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error ? String((error as { name: unknown }).name) : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
