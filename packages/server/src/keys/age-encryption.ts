/**
 * age file encryption (https://age-encryption.org/v1) through the `age-encryption` package
 * (typage, by age's author): the format backups are written in, so the `age` command-line tool
 * opens them with the recovery key and no Vigil code.
 *
 * MUST: recipients are X25519 (`age1…`), which every age implementation reads (Debian's age 1.1
 *       has no post-quantum recipients).
 * MUST: encryption and decryption are streams of bounded chunks (64 KiB STREAM chunks), so
 *       memory stays flat whatever the size.
 * MUST: decryption authenticates each chunk but can emit plaintext before a truncated end is
 *       detected: callers write plaintext to a temporary place and commit only after the stream
 *       ends cleanly.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { PassThrough, Readable, type Writable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { AppError } from '../kernel/index.js';

const RECIPIENT_RE = /^age1[02-9ac-hj-np-z]{58}$/;
const IDENTITY_RE = /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/;

/** A new recovery identity (the private key, printed once) and its recipient (the public key). */
export async function generateRecoveryIdentity(): Promise<{ identity: string; recipient: string }> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

export function isAgeRecipient(text: string): boolean {
  return RECIPIENT_RE.test(text);
}

/** VALIDATION_FAILED naming the first recipient that is not an age X25519 public key. */
export function checkAgeRecipients(recipients: readonly string[]): void {
  for (const r of recipients) {
    if (!isAgeRecipient(r)) throw new AppError('VALIDATION_FAILED', { detail: `not an age X25519 recipient: ${r.slice(0, 12)}…` });
  }
}

/** The identity line of a key file (comments and blank lines skipped); KEYS_RECOVERY_KEY_INVALID otherwise. */
export function parseAgeIdentity(text: string): string {
  const line = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  if (line === undefined || !IDENTITY_RE.test(line)) {
    throw new AppError('KEYS_RECOVERY_KEY_INVALID', { detail: 'the recovery key is not an age X25519 identity (AGE-SECRET-KEY-1…)' });
  }
  return line;
}

/** The recipient of an identity (to check a recovery key against the recipient a data dir holds). */
export async function ageRecipientOf(identity: string): Promise<string> {
  return identityToRecipient(parseAgeIdentity(identity));
}

/**
 * Encrypts a stream to the recipients: with the age-encryption library, or, when `binary` names
 * the `age` command-line tool (the reference Go implementation, ~10x faster), through it: same
 * format, the plaintext on its stdin and the ciphertext from its stdout, never on disk.
 */
export async function ageEncryptStream(recipients: readonly string[], plaintext: Readable, options: { binary?: string | undefined } = {}): Promise<Readable> {
  checkAgeRecipients(recipients);
  if (options.binary !== undefined) return ageBinaryEncrypt(options.binary, recipients, plaintext);
  const encrypter = new Encrypter();
  for (const r of recipients) encrypter.addRecipient(r);
  const web = Readable.toWeb(plaintext) as unknown as ReadableStream<Uint8Array>;
  const out = await encrypter.encrypt(web);
  return Readable.fromWeb(out as unknown as WebReadableStream<Uint8Array>);
}

/** Decrypts a stream with the identity; a wrong key or a damaged header is KEYS_CIPHERTEXT_INVALID. */
export async function ageDecryptStream(identity: string, ciphertext: Readable): Promise<Readable> {
  const decrypter = new Decrypter();
  decrypter.addIdentity(parseAgeIdentity(identity));
  const web = Readable.toWeb(ciphertext) as unknown as ReadableStream<Uint8Array>;
  try {
    const out = await decrypter.decrypt(web);
    return Readable.fromWeb(out as unknown as WebReadableStream<Uint8Array>);
  } catch (cause) {
    throw new AppError('KEYS_CIPHERTEXT_INVALID', { detail: `age: ${cause instanceof Error ? cause.message : String(cause)}`, cause });
  }
}

/** The `age` tool encrypting a file it reads by path; the ciphertext on its stdout. */
export function ageToolEncryptStream(binary: string, recipients: readonly string[], file: string): Readable {
  checkAgeRecipients(recipients);
  const child = spawn(binary, [...recipients.flatMap((r) => ['-r', r]), '--', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  return childOutput(binary, child);
}

/** A running `age -o`: its exit code once it has exited, its stderr, a wait for its next sign of life. */
export interface AgeToolRun {
  /** undefined while it runs; its exit code (or -1 when killed or not started) after. */
  readonly exited: number | undefined;
  stderr(): string;
  /** Resolves when the tool exits, or after `ms`, whichever is first. */
  progressed(ms: number): Promise<void>;
  kill(): void;
}

/** The `age` tool encrypting `file` into `outFile` itself (`-o`; the caller created it, 0600). */
export function ageToolEncryptFile(binary: string, recipients: readonly string[], file: string, outFile: string): AgeToolRun {
  checkAgeRecipients(recipients);
  const child = spawn(binary, [...recipients.flatMap((r) => ['-r', r]), '-o', outFile, '--', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let exited: number | undefined;
  let wake: (() => void) | undefined;
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 2000) stderr += chunk.toString('utf8');
  });
  const end = (code: number) => {
    exited ??= code;
    wake?.();
  };
  child.once('error', (error) => {
    stderr ||= error.message;
    end(-1);
  });
  child.once('close', (code) => end(code ?? -1));
  return {
    get exited() {
      return exited;
    },
    stderr: () => stderr,
    progressed: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
    kill: () => {
      if (exited === undefined) child.kill();
    },
  };
}

function ageBinaryEncrypt(binary: string, recipients: readonly string[], plaintext: Readable): Readable {
  const child = spawn(binary, recipients.flatMap((r) => ['-r', r]), { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = childOutput(binary, child);
  plaintext.once('error', (error) => {
    child.kill();
    out.destroy(error);
  });
  child.stdin.once('error', (error) => out.destroy(error));
  plaintext.pipe(child.stdin);
  return out;
}

/** The child's stdout, ending only when it exited with 0; destroyed with its stderr otherwise. */
function childOutput(binary: string, child: ChildProcessByStdio<Writable | null, Readable, Readable>): Readable {
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 2000) stderr += chunk.toString('utf8');
  });
  const out = new PassThrough();
  child.stdout.once('error', (error) => out.destroy(error));
  child.once('error', (error) => out.destroy(new AppError('BACKUP_SNAPSHOT_FAILED', { detail: `age binary ${binary}: ${error.message}`, cause: error })));
  child.stdout.pipe(out, { end: false });
  child.once('close', (code) => {
    if (code === 0) out.end();
    else out.destroy(new AppError('BACKUP_SNAPSHOT_FAILED', { detail: `age binary exited with ${String(code)}: ${stderr.trim()}` }));
  });
  out.once('close', () => {
    if (child.exitCode === null) child.kill();
  });
  return out;
}
