/**
 * observability/logger: the one pino logger factory, used by `vigil start`, the CLI and jobs.
 *
 * MUST: secrets (passwords, tokens, keys, credentials) and PHI field values never reach a log line.
 *       Redaction here is the last line of defence: code logs ids and codes, never records.
 * MUST: no module creates its own pino instance; main.ts creates one logger and passes it
 *       (or its children) in. There is no global logger.
 * MUST NOT: use pino's `name` option: `name` is a redacted PHI key, so the service is bound as `service`.
 */
import { hostname } from 'node:os';
import { pino, type DestinationStream, type LevelWithSilent, type Logger } from 'pino';

export type { Logger } from 'pino';

export const REDACTED = '[REDACTED]';

/** Field names that hold secrets, wherever they appear in a logged object. */
export const SECRET_FIELD_NAMES = [
  'password',
  'newPassword',
  'passphrase',
  'token',
  'accessToken',
  'refreshToken',
  'apiKey',
  'secret',
  'clientSecret',
  'privateKey',
  'masterKey',
  'setupCredential',
] as const;

/**
 * Field names that commonly hold PHI (HIPAA §164.514(b)(2) identifiers: names, dates of birth,
 * medical record numbers, addresses, phone numbers, e-mail addresses).
 */
export const PHI_FIELD_NAMES = [
  'name',
  'givenName',
  'familyName',
  'birthDate',
  'mrn',
  'address',
  'phone',
  'email',
  'ssn',
] as const;

/** HTTP fields that carry credentials. */
const HTTP_SECRET_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
] as const;

/**
 * The redaction paths (pino / @pinojs/redact syntax). Each field name is redacted at the top level
 * of a log object and one level below it (`*.field`). pino's wildcard does not reach deeper or into
 * arrays, so `scrubSensitiveFields` below covers nested plain data as well.
 */
export const REDACT_PATHS: readonly string[] = [
  ...HTTP_SECRET_PATHS,
  ...[...SECRET_FIELD_NAMES, ...PHI_FIELD_NAMES].flatMap((field) => [field, `*.${field}`]),
];

const SENSITIVE_FIELDS: ReadonlySet<string> = new Set<string>([...SECRET_FIELD_NAMES, ...PHI_FIELD_NAMES]);
const MAX_SCRUB_DEPTH = 8;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Replaces sensitive fields at any depth of plain objects and arrays, copying only what changes
 * (the caller's object is never mutated). Class instances (requests, errors) are left to their
 * serializers and to the redaction paths.
 */
export function scrubSensitiveFields(value: unknown, depth = 0): unknown {
  if (depth > MAX_SCRUB_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item: unknown, index) => {
      const scrubbed = scrubSensitiveFields(item, depth + 1);
      if (scrubbed !== item) {
        copy ??= [...value];
        copy[index] = scrubbed;
      }
    });
    return copy ?? value;
  }
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const scrubbed = SENSITIVE_FIELDS.has(key) ? REDACTED : scrubSensitiveFields(item, depth + 1);
    if (scrubbed !== item) {
      copy ??= { ...value };
      copy[key] = scrubbed;
    }
  }
  return copy ?? value;
}

export interface LoggerOptions {
  /** Minimum level; default 'info'. */
  readonly level?: LevelWithSilent;
  /** Bound to every line as `service`; default 'vigil'. */
  readonly service?: string;
  /** Where lines go; default stdout. Tests pass a capturing stream. */
  readonly destination?: DestinationStream;
  /** Extra paths to redact on top of REDACT_PATHS. */
  readonly extraRedactPaths?: readonly string[];
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const pinoOptions = {
    level: options.level ?? 'info',
    base: { service: options.service ?? 'vigil', pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS, ...(options.extraRedactPaths ?? [])], censor: REDACTED },
    // errWithCause keeps the chain an AppError wraps, so the log shows the real cause.
    serializers: { err: pino.stdSerializers.errWithCause },
    formatters: {
      log: (object: Record<string, unknown>) => scrubSensitiveFields(object) as Record<string, unknown>,
    },
  };
  return options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
}
