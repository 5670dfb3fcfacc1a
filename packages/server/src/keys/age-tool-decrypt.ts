/**
 * age decryption through the `age` tool (Go; several times faster than the library), for the
 * large database part of a restore or a drill: the ciphertext on its stdin, the plaintext from its
 * stdout. The identity is handed over through a FIFO (a named pipe, mode 0600, in a private
 * folder the caller owns): its bytes pass through the kernel and are never written to disk, and
 * the FIFO is removed as soon as the tool has read it.
 *
 * MUST: the identity never reaches a regular file, an argument or the environment.
 * MUST: the output ends only when the tool exited with 0 (it authenticates every chunk and the
 *       end); a wrong key, a damaged header, a flipped byte or a truncation destroys the stream.
 */
import { execFile, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { AppError } from '../kernel/index.js';
import { parseAgeIdentity } from './age-encryption.js';

const run = promisify(execFile);
const MKFIFO = '/usr/bin/mkfifo';

/** Starts `age -d`; `fifoDir` must be a private (0700) folder. The header is checked as the tool starts reading. */
export async function ageToolDecryptStream(binary: string, identity: string, ciphertext: Readable, fifoDir: string): Promise<Readable> {
  const key = parseAgeIdentity(identity);
  const fifo = join(fifoDir, `.age-identity-${randomBytes(6).toString('hex')}`);
  await run(MKFIFO, ['-m', '600', fifo]);
  const child = spawn(binary, ['-d', '-i', fifo], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 2000) stderr += chunk.toString('utf8');
  });
  const out = new PassThrough();
  let exited = false;
  child.once('close', (code) => {
    exited = true;
    if (code === 0) out.end();
    else out.destroy(new AppError('KEYS_CIPHERTEXT_INVALID', { detail: `age: ${stderr.trim() || `exited with ${String(code)}`}` }));
  });
  child.once('error', (error) => out.destroy(new AppError('KEYS_CIPHERTEXT_INVALID', { detail: `age binary ${binary}: ${error.message}`, cause: error })));
  child.stdout.pipe(out, { end: false });
  child.stdin.once('error', () => undefined);
  ciphertext.once('error', (error) => {
    child.kill();
    out.destroy(error);
  });
  out.once('close', () => {
    if (child.exitCode === null) child.kill();
  });
  try {
    await handOver(fifo, `${key}\n`, () => exited);
  } catch (error) {
    child.kill();
    throw error;
  } finally {
    await rm(fifo, { force: true });
  }
  ciphertext.pipe(child.stdin);
  return out;
}

/** Writes the identity into the FIFO once the tool opened it for reading (a non-blocking open fails with ENXIO until then). */
async function handOver(fifo: string, text: string, gone: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const handle = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      try {
        await handle.writeFile(text, 'utf8');
      } finally {
        await handle.close();
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENXIO') throw error;
      if (gone() || Date.now() > deadline) throw new AppError('KEYS_CIPHERTEXT_INVALID', { detail: 'the age tool did not read its identity' });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
