/**
 * One backup part on its way out (plaintext -> SHA-256 -> age -> SHA-256 -> target) and back in
 * (target -> SHA-256 -> age -> SHA-256 -> a temporary file), as streams: memory stays flat.
 *
 * MUST: a part read back is written to a temporary file and accepted only when the stream ended
 *       cleanly AND both hashes and sizes match the manifest; otherwise the file is removed.
 */
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ageDecryptStream, ageEncryptFile, ageEncryptFileTo, ageEncryptStream, ageToolDecryptStream, type AgeFileDigests } from '../keys/index.js';
import { AppError } from '../kernel/index.js';
import type { BackupPart } from './model.js';
import type { BackupTarget } from './target.js';

/** Counts and hashes what passes through. */
export class Digesting extends Transform {
  readonly #hash: Hash = createHash('sha256');
  bytes = 0;

  constructor(private readonly onProgress?: (bytes: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.bytes += chunk.length;
    this.onProgress?.(this.bytes);
    callback(null, chunk);
  }

  digest(): string {
    return this.#hash.digest('hex');
  }
}

export async function writePart(target: BackupTarget, backupId: string, name: string, plaintext: Readable, recipients: readonly string[], onProgress?: (bytes: number) => void, ageBinary?: string): Promise<BackupPart> {
  const plain = new Digesting(onProgress);
  const cipher = new Digesting();
  const encrypted = await ageEncryptStream(recipients, plaintext.pipe(plain), { binary: ageBinary });
  plaintext.once('error', (error) => plain.destroy(error));
  const upload = target.put(`${backupId}/${name}`, encrypted.pipe(cipher));
  encrypted.once('error', (error) => cipher.destroy(error));
  await upload;
  return { name, plainSha256: plain.digest(), plainBytes: plain.bytes, cipherSha256: cipher.digest(), cipherBytes: cipher.bytes };
}

/**
 * Writes a file (the database snapshot) as one part: reading, both hashes and the encryption run
 * in a worker thread (keys/age-file-encrypt.ts), so the event loop stays free for ingest. A
 * directory target lets that worker write (and fsync) the ciphertext itself; other targets get it
 * as a stream.
 */
export async function writeFilePart(target: BackupTarget, backupId: string, name: string, file: string, recipients: readonly string[], onProgress?: (bytes: number) => void, ageBinary?: string, signal?: AbortSignal): Promise<BackupPart> {
  const key = `${backupId}/${name}`;
  let d: AgeFileDigests;
  if (target.writeInPlace !== undefined) {
    d = await target.writeInPlace(key, (temp) => ageEncryptFileTo(file, temp, recipients, { binary: ageBinary, onProgress, signal }));
  } else {
    const encrypted = ageEncryptFile(file, recipients, { binary: ageBinary, onProgress });
    try {
      await target.put(key, encrypted.stream);
    } finally {
      encrypted.stream.destroy();
    }
    d = await encrypted.digests;
  }
  return { name, plainSha256: d.plainSha256, plainBytes: d.plainBytes, cipherSha256: d.cipherSha256, cipherBytes: d.cipherBytes };
}

/**
 * Reads a part back into `file`, checking it against the manifest entry. Throws BACKUP_PART_CORRUPT
 * naming the part and what is wrong; the file is removed on any failure.
 */
export async function readPart(target: BackupTarget, backupId: string, part: BackupPart, identity: string, file: string, onProgress?: (bytes: number) => void, ageBinary?: string): Promise<void> {
  const cipher = new Digesting(onProgress);
  const plain = new Digesting();
  const headerFails = (cause: unknown) => corrupt(part, 'its age header does not open with the recovery key (wrong key, or a damaged header)', cause);
  try {
    const source = await target.get(`${backupId}/${part.name}`);
    const counted = source.pipe(cipher);
    source.once('error', (error) => cipher.destroy(error));
    let decrypted: Readable;
    try {
      // The `age` tool (when given) decrypts in its own process; its identity goes through a FIFO beside `file` (a private scratch folder).
      decrypted = ageBinary !== undefined ? await ageToolDecryptStream(ageBinary, identity, counted, dirname(file)) : await ageDecryptStream(identity, counted);
    } catch (cause) {
      throw headerFails(cause);
    }
    try {
      await pipeline(decrypted, plain, createWriteStream(file, { mode: 0o600, flags: 'wx' }));
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      // The tool reports a key that opens no recipient stanza only once it read the header.
      if (ageBinary !== undefined && /no identity matched|failed to read header|parsing age header/i.test(message)) throw headerFails(cause);
      throw corrupt(part, `the ciphertext fails authentication or is truncated (${message})`, cause);
    }
    if (cipher.bytes !== part.cipherBytes || cipher.digest() !== part.cipherSha256) throw corrupt(part, 'the stored ciphertext does not match its SHA-256 in the manifest');
    if (plain.bytes !== part.plainBytes || plain.digest() !== part.plainSha256) throw corrupt(part, 'the decrypted content does not match its SHA-256 in the manifest');
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
}

function corrupt(part: BackupPart, why: string, cause?: unknown): AppError {
  return new AppError('BACKUP_PART_CORRUPT', { detail: `part ${part.name}: ${why}`, ...(cause !== undefined ? { cause } : {}) });
}
