/**
 * Worker thread that hashes one file (SHA-256) and posts { sha256, bytes } or { error }: the
 * plaintext digest of a backup part, computed beside the ciphertext's (age-file-worker.ts) instead
 * of after it in the same thread. Runs at the backup workers' low CPU priority unless told not to.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { lowerWorkerThreadPriority } from '../host/index.js';

export interface Sha256FileWorkerData {
  readonly file: string;
  readonly lowPriority: boolean;
}

export type Sha256FileWorkerMessage = { readonly sha256: string; readonly bytes: number } | { readonly error: string };

const data = workerData as Sha256FileWorkerData;
if (data.lowPriority) lowerWorkerThreadPriority();
try {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(data.file, { highWaterMark: 4 * 1024 * 1024 })) {
    const buffer = chunk as Buffer;
    hash.update(buffer);
    bytes += buffer.length;
  }
  parentPort?.postMessage({ sha256: hash.digest('hex'), bytes } satisfies Sha256FileWorkerMessage);
} catch (error) {
  parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) } satisfies Sha256FileWorkerMessage);
}
