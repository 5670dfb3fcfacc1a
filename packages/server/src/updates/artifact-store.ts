/**
 * Content-addressed firmware images on disk: <dataDir>/firmware/sha256/<hex>, written once.
 *
 * An upload streams into a private temp file while SHA-256 and SHA-512 are computed and the length
 * counted; the file is renamed to its SHA-256 name only when complete and within the limit.
 *
 * MUST: an upload over `maxBytes` stops reading at the limit and leaves nothing behind
 *       (UPDATES_IMAGE_TOO_LARGE); an empty image is refused.
 * MUST: a blob's name is its SHA-256; a name that is not 64 lower-case hex characters is never
 *       turned into a path (no traversal through a hash).
 * MUST: files are 0600 in 0700 directories; an existing blob is never overwritten.
 * MUST: with a remote (S3, artifact-s3.ts) an upload is complete only once the remote holds it;
 *       a blob missing locally is fetched from the remote and kept only when its SHA-256 matches.
 */
import { createHash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { chmod, link, mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { AppError, newId } from '../kernel/index.js';
import type { ImageRemote } from './artifact-s3.js';

export interface StoredImage {
  readonly sha256: string;
  readonly sha512: string;
  readonly length: number;
}

const HEX64 = /^[0-9a-f]{64}$/;

export class ArtifactStore {
  readonly #root: string;

  constructor(
    dataDir: string,
    private readonly remote?: ImageRemote,
  ) {
    this.#root = join(dataDir, 'firmware');
  }

  /** Where images are kept: the data directory, or the remote with the data directory as its cache. */
  get location(): string {
    return this.remote?.name ?? this.#root;
  }

  /** Streams `input` into the store; resolves with its digests once it is durable. */
  async put(input: Readable | AsyncIterable<Uint8Array>, maxBytes: number): Promise<StoredImage> {
    await this.#ensureDirs();
    const tmp = join(this.#root, 'tmp', `${newId()}.part`);
    const file = await open(tmp, 'wx', 0o600);
    const sha256 = createHash('sha256');
    const sha512 = createHash('sha512');
    let length = 0;
    let done = false;
    try {
      for await (const chunk of input) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        length += bytes.byteLength;
        if (length > maxBytes) {
          if ('destroy' in input && typeof input.destroy === 'function') input.destroy();
          throw new AppError('UPDATES_IMAGE_TOO_LARGE', { publicMessage: `The image is larger than the limit of ${maxBytes} bytes for this model.` });
        }
        sha256.update(bytes);
        sha512.update(bytes);
        await file.write(bytes);
      }
      if (length === 0) throw new AppError('VALIDATION_FAILED', { publicMessage: 'The image is empty.' });
      await file.sync();
      await file.close();
      const digest = { sha256: sha256.digest('hex'), sha512: sha512.digest('hex'), length };
      await this.remote?.put(digest.sha256, tmp);
      try {
        await link(tmp, this.#blobPath(digest.sha256));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      done = true;
      return digest;
    } finally {
      if (!done) await file.close().catch(() => undefined);
      await rm(tmp, { force: true });
    }
  }

  /** Size of a stored blob, or undefined (a blob only in the remote is fetched into the cache first). */
  async size(sha256: string): Promise<number | undefined> {
    if (!HEX64.test(sha256)) return undefined;
    const local = await this.#localSize(sha256);
    if (local !== undefined || this.remote === undefined) return local;
    return (await this.#fetch(sha256)) ? this.#localSize(sha256) : undefined;
  }

  async #localSize(sha256: string): Promise<number | undefined> {
    try {
      return (await stat(this.#blobPath(sha256))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Copies a remote blob into the cache when its content matches its address. */
  async #fetch(sha256: string): Promise<boolean> {
    const body = await this.remote?.get(sha256);
    if (body === undefined) return false;
    await this.#ensureDirs();
    const tmp = join(this.#root, 'tmp', `${newId()}.part`);
    const file = await open(tmp, 'wx', 0o600);
    const hash = createHash('sha256');
    try {
      for await (const chunk of body) {
        const bytes = chunk as Buffer;
        hash.update(bytes);
        await file.write(bytes);
      }
      await file.sync();
      await file.close();
      if (hash.digest('hex') !== sha256) throw new AppError('UPDATES_IMAGE_NOT_FOUND', { detail: `updates: the remote copy of ${sha256} does not match its hash` });
      try {
        await link(tmp, this.#blobPath(sha256));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      return true;
    } finally {
      await file.close().catch(() => undefined);
      await rm(tmp, { force: true });
    }
  }

  /** A stream over bytes [start, end] (inclusive) of a blob. The caller checked `size` first. */
  read(sha256: string, range?: { start: number; end: number }): ReadStream {
    if (!HEX64.test(sha256)) throw new AppError('NOT_FOUND');
    return createReadStream(this.#blobPath(sha256), range ?? {});
  }

  #blobPath(sha256: string): string {
    return join(this.#root, 'sha256', sha256);
  }

  async #ensureDirs(): Promise<void> {
    for (const dir of [this.#root, join(this.#root, 'tmp'), join(this.#root, 'sha256')]) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
    }
  }
}
