/**
 * How the CLI speaks: results on stdout, a one-line reason on stderr, and the exit code.
 * MUST: an error prints one line (`vigil: <reason>`) and never a stack trace.
 */
import { isAppError } from '../kernel/index.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function reasonOf(error: unknown): string {
  if (isAppError(error)) return oneLine(error.detail ?? error.publicMessage);
  if (error instanceof Error) return oneLine(error.message);
  return oneLine(String(error));
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

export function fail(error: unknown): never {
  process.stderr.write(`vigil: ${reasonOf(error)}\n`);
  process.exit(EXIT_FAILURE);
}
