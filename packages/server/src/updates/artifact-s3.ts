/**
 * Firmware images on S3-compatible storage (where the backup target is S3): the bucket is the
 * store of record, content-addressed under `<prefix>firmware/sha256/<hex>`; the data directory
 * keeps a cache that devices are served from (ranges, many readers).
 *
 * MUST: a key is derived only from a validated SHA-256 (64 lower-case hex), never from input.
 * MUST: an object fetched back is believed only when its SHA-256 matches its key (a modified
 *       object in the bucket is refused, never cached or served).
 * MUST: an existing object is not uploaded again (content addressing: same key, same bytes).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

/** Where images are kept besides the data directory. */
export interface ImageRemote {
  readonly name: string;
  /** Uploads the local blob `file` under its SHA-256 (no-op when it is there already). */
  put(sha256: string, file: string): Promise<void>;
  /** The object's bytes, or undefined when there is none. */
  get(sha256: string): Promise<Readable | undefined>;
}

const HEX64 = /^[0-9a-f]{64}$/;

export class S3ImageRemote implements ImageRemote {
  readonly name: string;
  readonly #prefix: string;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    prefix: string,
  ) {
    this.#prefix = `${prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`}firmware/sha256/`;
    this.name = `s3:${bucket}/${this.#prefix}`;
  }

  #key(sha256: string): string {
    if (!HEX64.test(sha256)) throw new Error('not a SHA-256');
    return this.#prefix + sha256;
  }

  async put(sha256: string, file: string): Promise<void> {
    const Key = this.#key(sha256);
    const size = (await stat(file)).size;
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      if (head.ContentLength === size) return;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    await new Upload({ client: this.client, params: { Bucket: this.bucket, Key, Body: createReadStream(file), ContentLength: size }, partSize: 16 * 1024 * 1024, queueSize: 2, leavePartsOnError: false }).done();
  }

  async get(sha256: string): Promise<Readable | undefined> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.#key(sha256) }));
      return answer.Body as Readable | undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}
