/**
 * age encryption of a whole file (a backup's database snapshot) in a worker thread
 * (age-file-worker.ts): the reading, SHA-256 of the plaintext, encryption and SHA-256 of the
 * ciphertext run in one pass off the event loop, so a backup does not slow ingest down; the
 * caller gets the ciphertext as a stream and the digests when it ends.
 *
 * Encryption uses the `age` tool when `binary` names one (Go, several times faster than the
 * library; the same age-encryption.org/v1 format), else the age-encryption library.
 * `findAgeBinary` looks for Debian's `age` at fixed paths only (never through PATH).
 *
 * MUST: the stream ends only after the worker posted every ciphertext batch and the digests;
 *       a failure in the worker (or its exit) destroys the stream with an error and rejects the
 *       digests, so a partial ciphertext never looks complete.
 * MUST: memory stays flat: the worker waits for an ack per batch, and the ack is sent only when
 *       the consumer reads (backpressure from the target).
 * MUST: destroying the stream (a failed or timed-out target) terminates the worker.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { AppError } from '../kernel/index.js';
import { isAgeRecipient } from './age-encryption.js';
import type { AgeFileWorkerData, AgeFileWorkerMessage } from './age-file-worker.js';

export interface AgeFileDigests {
  readonly plainSha256: string;
  readonly plainBytes: number;
  readonly cipherSha256: string;
  readonly cipherBytes: number;
}

export interface EncryptedFile {
  /** The age ciphertext. */
  readonly stream: Readable;
  /** Resolves once the whole ciphertext was handed over; rejects on any failure. */
  readonly digests: Promise<AgeFileDigests>;
}

export interface AgeFileOptions {
  /** The `age` tool to encrypt with; default: the age-encryption library. */
  readonly binary?: string | undefined;
  /** Plaintext bytes read so far. */
  readonly onProgress?: ((plainBytes: number) => void) | undefined;
  /** Ciphertext bytes per batch handed over (default 1 MiB). */
  readonly batchBytes?: number;
}

const FIXED_AGE_PATHS = ['/usr/bin/age', '/usr/local/bin/age'];

/** Debian's (or a locally installed) `age` tool, if one is at a fixed path and executable. */
export async function findAgeBinary(paths: readonly string[] = FIXED_AGE_PATHS): Promise<string | undefined> {
  for (const path of paths) {
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // not there
    }
  }
  return undefined;
}

export function ageEncryptFile(file: string, recipients: readonly string[], options: AgeFileOptions = {}): EncryptedFile {
  for (const r of recipients) {
    if (!isAgeRecipient(r)) throw new AppError('VALIDATION_FAILED', { detail: `not an age X25519 recipient: ${r.slice(0, 12)}…` });
  }
  const workerData: AgeFileWorkerData = { file, recipients: [...recipients], binary: options.binary, batchBytes: options.batchBytes ?? 1024 * 1024, window: 4 };
  const worker = new Worker(new URL('./age-file-worker.js', import.meta.url), { workerData });
  let owed = 0;
  let settled = false;
  let resolveDigests: (d: AgeFileDigests) => void = () => undefined;
  let rejectDigests: (e: Error) => void = () => undefined;
  const digests = new Promise<AgeFileDigests>((resolve, reject) => {
    resolveDigests = resolve;
    rejectDigests = reject;
  });
  digests.catch(() => undefined);
  const stream = new Readable({
    highWaterMark: 1024 * 1024,
    read() {
      for (; owed > 0; owed -= 1) worker.postMessage({ type: 'ack' });
    },
    destroy(error, callback) {
      fail(error ?? new Error('the ciphertext stream was closed before its end'));
      callback(error);
    },
  });
  const fail = (error: Error) => {
    if (settled) return;
    settled = true;
    void worker.terminate();
    const appError = error instanceof AppError ? error : new AppError('BACKUP_SNAPSHOT_FAILED', { detail: `age encryption failed: ${error.message}`, cause: error });
    rejectDigests(appError);
    if (!stream.destroyed) stream.destroy(appError);
  };
  worker.on('message', (message: AgeFileWorkerMessage) => {
    if (settled) return;
    if (message.type === 'chunk') {
      options.onProgress?.(message.plainBytes);
      const buffer = Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength);
      if (stream.push(buffer)) worker.postMessage({ type: 'ack' });
      else owed += 1;
    } else if (message.type === 'done') {
      settled = true;
      const { plainSha256, plainBytes, cipherSha256, cipherBytes } = message;
      resolveDigests({ plainSha256, plainBytes, cipherSha256, cipherBytes });
      stream.push(null);
      void worker.terminate();
    } else {
      fail(new Error(message.message));
    }
  });
  worker.once('error', (error) => fail(error));
  worker.once('exit', (code) => fail(new Error(`the encryption worker exited with code ${code}`)));
  return { stream, digests };
}
