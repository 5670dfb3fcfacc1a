/**
 * AppError: the one error type that crosses module boundaries.
 *
 * MUST: `publicMessage` is the only text a client sees. `cause` and `detail` are for the log.
 * MUST: transports alone map an AppError to an HTTP status, MQTT reason code or exit code.
 */
import { ERROR_CATALOGUE, type ErrorCode } from './error-catalogue.js';

export interface AppErrorOptions {
  /** Replaces the catalogue's generic message with a more specific, still client-safe text. */
  readonly publicMessage?: string;
  /** Operator-facing detail (logged, printed by the CLI), never sent over HTTP. */
  readonly detail?: string;
  readonly cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly publicMessage: string;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    const spec = ERROR_CATALOGUE[code];
    super(options.detail ?? options.publicMessage ?? spec.message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = spec.status;
    this.publicMessage = options.publicMessage ?? spec.message;
    this.detail = options.detail;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** Wraps anything thrown into an AppError, keeping AppErrors as they are. */
export function toAppError(value: unknown, fallback: ErrorCode = 'INTERNAL'): AppError {
  if (value instanceof AppError) return value;
  return new AppError(fallback, { cause: value });
}
