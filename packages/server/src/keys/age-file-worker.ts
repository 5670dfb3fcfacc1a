/**
 * Worker thread of ageEncryptFile and ageEncryptFileTo (age-file-encrypt.ts): reads one file,
 * hashes the plaintext, encrypts it to age (the age-encryption library here, or the `age` tool as
 * a child process reading the file by path while a thread of its own hashes the plaintext),
 * hashes the ciphertext, and either hands the ciphertext to the parent in batches it transfers
 * (no copy), or, given `outFile`, writes it there itself and fsyncs it (a directory target: the
 * ciphertext never crosses to the server's thread).
 * All the CPU work of a backup's database part runs here, off the server's event loop, at a
 * low CPU priority (nice 10) (the `age` tool it spawns inherits it), so ingest goes first on a busy machine.
 *
 * MUST: at most `window` batches are in flight; the next waits for the parent's ack (flat memory).
 * MUST: the digests are posted only after the whole ciphertext was posted; any failure posts an
 *       error instead, and nothing after it.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, fsyncSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { lowerWorkerThreadPriority } from '../host/index.js';
import type { Sha256FileWorkerData, Sha256FileWorkerMessage } from './sha256-file-worker.js';
import { ageEncryptStream, ageToolEncryptFile, ageToolEncryptStream } from './age-encryption.js';

export interface AgeFileWorkerData {
  readonly file: string;
  readonly recipients: readonly string[];
  readonly binary?: string | undefined;
  /** Bytes of ciphertext per message to the parent. */
  readonly batchBytes: number;
  /** Batches in flight before the worker waits for an ack. */
  readonly window: number;
  /** Lower this thread's (and the `age` tool's) CPU priority (default true). */
  readonly lowPriority?: boolean;
  /** Write the ciphertext to this new file (created 0600, must not exist) and fsync it, instead of posting it. */
  readonly outFile?: string | undefined;
  /** fsync `outFile` before posting the digests (default true). */
  readonly fsync?: boolean;
}

export type AgeFileWorkerMessage =
  | { readonly type: 'chunk'; readonly data: Uint8Array; readonly plainBytes: number }
  | { readonly type: 'progress'; readonly plainBytes: number }
  | { readonly type: 'done'; readonly plainSha256: string; readonly plainBytes: number; readonly cipherSha256: string; readonly cipherBytes: number }
  | { readonly type: 'error'; readonly message: string };

const data = workerData as AgeFileWorkerData;
const port = parentPort;
let credits = data.window;
let wake: (() => void) | undefined;
/** The `age -o` run, while it runs: the parent's 'stop' ends it (and this thread reaps it). */
let runningTool: { kill(): void } | undefined;
port?.on('message', (message: { type: string }) => {
  if (message.type === 'stop') {
    // With no child process to end and reap, this thread can go at once.
    if (runningTool === undefined) process.exit(0);
    runningTool.kill();
    return;
  }
  if (message.type !== 'ack') return;
  credits += 1;
  wake?.();
  wake = undefined;
});

const plain = createHash('sha256');
let plainBytes = 0;
const cipher = createHash('sha256');
let cipherBytes = 0;

async function* hashed(source: Readable): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    const buffer = chunk as Buffer;
    plain.update(buffer);
    plainBytes += buffer.length;
    yield buffer;
  }
}

let batch: Uint8Array[] = [];
let batchLength = 0;

async function flush(): Promise<void> {
  if (batchLength === 0) return;
  while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
  credits -= 1;
  // One fresh buffer per batch: its memory moves to the parent (transfer), never shared.
  const out = new Uint8Array(batchLength);
  let offset = 0;
  for (const piece of batch) {
    out.set(piece, offset);
    offset += piece.length;
  }
  batch = [];
  batchLength = 0;
  const message: AgeFileWorkerMessage = { type: 'chunk', data: out, plainBytes: plainProgress() };
  port?.postMessage(message, [out.buffer]);
}

/** Plaintext bytes done: read here (the library), or estimated from the ciphertext (the tool reads the file itself). */
let fileBytes: number | undefined;
function plainProgress(): number {
  if (data.binary === undefined) return plainBytes;
  fileBytes ??= statSync(data.file).size;
  return Math.min(fileBytes, cipherBytes);
}

/** The plaintext's digest when a thread of its own computed it (the `age` tool's path). */
let plainDigest: string | undefined;

/**
 * Hashes the file in a thread of its own (sha256-file-worker.ts), while the `age` tool reads it by
 * path (no pipe copy of the plaintext) and this thread hashes the ciphertext: the two digests
 * run side by side instead of one after the other.
 */
function hashFileInThread(lowPriority: boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const hasher = new Worker(new URL('./sha256-file-worker.js', import.meta.url), { workerData: { file: data.file, lowPriority } satisfies Sha256FileWorkerData });
    hasher.once('message', (message: Sha256FileWorkerMessage) => {
      if ('error' in message) reject(new Error(`hashing the plaintext failed: ${message.error}`));
      else {
        plainDigest = message.sha256;
        plainBytes = message.bytes;
        resolve();
      }
      void hasher.terminate();
    });
    hasher.once('error', reject);
    hasher.once('exit', (code) => reject(new Error(`the plaintext hashing thread exited with code ${code}`)));
  });
}

/**
 * The library's ciphertext written straight to `outFile` (synchronous writes: this thread has
 * nothing else to do), then fsynced. Progress is posted every 64 MiB, in plaintext bytes.
 */
async function writeTo(outFile: string, encrypted: Readable): Promise<void> {
  const fd = openSync(outFile, 'wx', 0o600);
  try {
    let reported = 0;
    for await (const chunk of encrypted) {
      const piece = chunk as Uint8Array;
      cipher.update(piece);
      cipherBytes += piece.length;
      for (let offset = 0; offset < piece.length; ) offset += writeSync(fd, piece, offset);
      if (cipherBytes - reported >= 64 * 1024 * 1024) {
        reported = cipherBytes;
        port?.postMessage({ type: 'progress', plainBytes: plainProgress() } satisfies AgeFileWorkerMessage);
      }
    }
    if (data.fsync !== false) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The `age` tool writes the ciphertext to `outFile` itself (`-o`: one copy, no pipe), and this
 * thread hashes the file as it grows, reading only below its current end (on Linux a buffered
 * write extends the file's size only after its bytes are in the page cache), then the rest once
 * the tool has exited, then fsyncs it. The file is created here first (exclusive, 0600); the tool
 * truncates and writes into it, keeping that mode.
 */
async function toolWritesTo(binary: string, outFile: string): Promise<void> {
  closeSync(openSync(outFile, 'wx', 0o600));
  const tool = ageToolEncryptFile(binary, data.recipients, data.file, outFile);
  runningTool = tool;
  const fd = openSync(outFile, 'r');
  try {
    const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
    let reported = 0;
    for (;;) {
      const finished = tool.exited;
      const n = readSync(fd, buffer, 0, buffer.length, cipherBytes);
      if (n > 0) {
        cipher.update(buffer.subarray(0, n));
        cipherBytes += n;
        if (cipherBytes - reported >= 64 * 1024 * 1024) {
          reported = cipherBytes;
          port?.postMessage({ type: 'progress', plainBytes: plainProgress() } satisfies AgeFileWorkerMessage);
        }
        continue;
      }
      // Nothing new: either the tool is done (and everything it wrote was read after that), or it is still writing.
      if (finished !== undefined) {
        if (finished !== 0) throw new Error(`age binary exited with ${finished}: ${tool.stderr().trim()}`);
        break;
      }
      await tool.progressed(5);
    }
    if (fstatSync(fd).size !== cipherBytes) throw new Error(`the ciphertext file changed while it was hashed (${fstatSync(fd).size} bytes, ${cipherBytes} hashed)`);
    if (data.fsync !== false) fsyncSync(fd);
  } finally {
    closeSync(fd);
    tool.kill();
    runningTool = undefined;
  }
}

async function main(): Promise<void> {
  if (data.lowPriority !== false) lowerWorkerThreadPriority();
  if (data.binary !== undefined && data.outFile !== undefined) {
    const plainHashed = hashFileInThread(data.lowPriority !== false);
    plainHashed.catch(() => undefined);
    await toolWritesTo(data.binary, data.outFile);
    await plainHashed;
    port?.postMessage({ type: 'done', plainSha256: plainDigest ?? '', plainBytes, cipherSha256: cipher.digest('hex'), cipherBytes } satisfies AgeFileWorkerMessage);
    return;
  }
  let encrypted: Readable;
  let plainHashed: Promise<void> = Promise.resolve();
  if (data.binary !== undefined) {
    encrypted = ageToolEncryptStream(data.binary, data.recipients, data.file);
    plainHashed = hashFileInThread(data.lowPriority !== false);
    plainHashed.catch(() => undefined);
  } else {
    const source = createReadStream(data.file, { highWaterMark: 4 * 1024 * 1024 });
    encrypted = await ageEncryptStream(data.recipients, Readable.from(hashed(source), { objectMode: false }));
  }
  if (data.outFile !== undefined) await writeTo(data.outFile, encrypted);
  else {
    for await (const chunk of encrypted) {
      const piece = chunk as Uint8Array;
      cipher.update(piece);
      cipherBytes += piece.length;
      batch.push(piece);
      batchLength += piece.length;
      if (batchLength >= data.batchBytes) await flush();
    }
    await flush();
  }
  await plainHashed;
  const done: AgeFileWorkerMessage = { type: 'done', plainSha256: plainDigest ?? plain.digest('hex'), plainBytes, cipherSha256: cipher.digest('hex'), cipherBytes };
  port?.postMessage(done);
}

main().catch((error: unknown) => {
  const message: AgeFileWorkerMessage = { type: 'error', message: error instanceof Error ? error.message : String(error) };
  port?.postMessage(message);
});
