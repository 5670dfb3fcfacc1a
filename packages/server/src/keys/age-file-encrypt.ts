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
import { checkAgeRecipients } from './age-encryption.js';
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

function failure(error: Error): AppError {
  return error instanceof AppError ? error : new AppError('BACKUP_SNAPSHOT_FAILED', { detail: `age encryption failed: ${error.message}`, cause: error });
}

/**
 * Encrypts `file` into `outFile` (a new file, created 0600; it must not exist), written (and,
 * unless told otherwise, fsynced) by the worker itself: the ciphertext never passes through this thread. Resolves with
 * the digests once the file is durable; on any failure (or `signal`) the worker stops and the
 * promise rejects; removing the partial `outFile` is the caller's (the target's temp name).
 */
export function ageEncryptFileTo(
  file: string,
  outFile: string,
  recipients: readonly string[],
  options: AgeFileOptions & { readonly signal?: AbortSignal | undefined; /** default true; false for a scratch copy */ readonly fsync?: boolean } = {},
): Promise<AgeFileDigests> {
  checkAgeRecipients(recipients);
  options.signal?.throwIfAborted();
  const workerData: AgeFileWorkerData = { file, recipients: [...recipients], binary: options.binary, batchBytes: options.batchBytes ?? 1024 * 1024, window: 4, outFile, fsync: options.fsync !== false };
  const worker = new Worker(new URL('./age-file-worker.js', import.meta.url), { workerData });
  return new Promise<AgeFileDigests>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: AgeFileDigests | Error) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      if (outcome instanceof Error) {
        // A process the worker started does not end with the worker: the worker stops its
        // `age -o` (and reaps it) first; it is terminated a moment later whatever happens.
        worker.postMessage({ type: 'stop' });
        setTimeout(() => void worker.terminate(), 2000).unref();
      } else void worker.terminate();
      if (outcome instanceof Error) reject(failure(outcome));
      else resolve(outcome);
    };
    const onAbort = () => settle(options.signal?.reason instanceof Error ? options.signal.reason : new Error('the encryption was stopped'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: AgeFileWorkerMessage) => {
      if (message.type === 'progress') options.onProgress?.(message.plainBytes);
      else if (message.type === 'done') {
        const { plainSha256, plainBytes, cipherSha256, cipherBytes } = message;
        options.onProgress?.(plainBytes);
        settle({ plainSha256, plainBytes, cipherSha256, cipherBytes });
      } else if (message.type === 'error') settle(new Error(message.message));
      else settle(new Error('the encryption worker posted ciphertext while writing a file'));
    });
    worker.once('error', (error) => settle(error));
    worker.once('exit', (code) => settle(new Error(`the encryption worker exited with code ${code}`)));
  });
}

export function ageEncryptFile(file: string, recipients: readonly string[], options: AgeFileOptions = {}): EncryptedFile {
  checkAgeRecipients(recipients);
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
    const appError = failure(error);
    rejectDigests(appError);
    if (!stream.destroyed) stream.destroy(appError);
  };
  worker.on('message', (message: AgeFileWorkerMessage) => {
    if (settled) return;
    if (message.type === 'progress') options.onProgress?.(message.plainBytes);
    else if (message.type === 'chunk') {
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
    } else if (message.type === 'error') fail(new Error(message.message));
  });
  worker.once('error', (error) => fail(error));
  worker.once('exit', (code) => fail(new Error(`the encryption worker exited with code ${code}`)));
  return { stream, digests };
}
