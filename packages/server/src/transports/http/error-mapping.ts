/**
 * The one mapping from errors to HTTP responses.
 *
 * Every error answer has the body `{ "error": { "code", "message", "requestId" } }`, where `code`
 * comes from the kernel catalogue and `message` is the AppError's publicMessage.
 *
 * MUST: nothing but the catalogue code, the public message and the request id reaches the client:
 *       no stack, no internal message, no echoed input value.
 * MUST: 5xx causes are logged in full (pino, redacted); 4xx are logged by code only, because parser
 *       and validator messages can quote the request body.
 * MUST: error responses are never cached (`Cache-Control: no-store`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError, type ErrorCode } from '../../kernel/index.js';
import { REQUEST_ID_HEADER } from './request-id.js';

export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly requestId: string };
}

/** fastify's own error codes (node_modules/fastify/lib/errors.js) that a client can cause. */
const FASTIFY_ERROR_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
  FST_ERR_BAD_URL: 'VALIDATION_FAILED',
  FST_ERR_INVALID_URL: 'VALIDATION_FAILED',
  FST_ERR_MAX_PARAM_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_NOT_FOUND: 'NOT_FOUND',
};

/** For errors that carry an HTTP status but no code we know (e.g. @fastify/send's 403 and 416). */
const CLIENT_STATUS_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

interface ValidationIssue {
  readonly instancePath?: unknown;
  readonly keyword?: unknown;
  readonly message?: unknown;
  readonly params?: unknown;
}

function property(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * A client-safe description of the first validation issue: the part and path that failed and the
 * validator's schema-derived message. Path segments are reduced to safe characters; the 'schema is
 * false' case (an unknown property) is named without its key.
 */
export function describeValidation(context: unknown, issues: readonly ValidationIssue[]): string {
  const part = typeof context === 'string' && /^[a-z]{1,16}$/.test(context) ? context : 'request';
  const issue = issues[0];
  if (issue === undefined) return `The ${part} is not valid.`;
  if (issue.keyword === 'boolean' || issue.keyword === 'additionalProperties') return `The ${part} has an unknown property.`;
  const rawPath = typeof issue.instancePath === 'string' ? issue.instancePath : '';
  const path = rawPath
    .split('/')
    .filter((segment) => segment.length > 0)
    .map((segment) => (/^[A-Za-z0-9_-]{1,40}$/.test(segment) ? segment : '*'))
    .slice(0, 8)
    .join('/');
  const where = path.length > 0 ? `${part}/${path}` : part;
  const message = typeof issue.message === 'string' && issue.message.length <= 120 ? issue.message : 'is not valid';
  if (issue.keyword === 'required') {
    // ajv names one missing property, TypeBox lists them; both come from the schema, not the input.
    const missing = [property(issue.params, 'missingProperty') ?? property(issue.params, 'requiredProperties')]
      .flat()
      .filter((name): name is string => typeof name === 'string' && /^[A-Za-z0-9_-]{1,40}$/.test(name));
    if (missing.length > 0) return `The ${where} must have the properties ${missing.map((name) => `'${name}'`).join(', ')}.`;
  }
  return `The ${where} ${message}.`;
}

/** Classifies anything thrown into the AppError the client will see. */
export function toHttpAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const validation = property(error, 'validation');
  if (Array.isArray(validation)) {
    return new AppError('VALIDATION_FAILED', {
      publicMessage: describeValidation(property(error, 'validationContext'), validation as ValidationIssue[]),
    });
  }
  const fastifyCode = property(error, 'code');
  if (typeof fastifyCode === 'string' && Object.hasOwn(FASTIFY_ERROR_CODES, fastifyCode)) {
    return new AppError(FASTIFY_ERROR_CODES[fastifyCode] ?? 'INTERNAL');
  }
  const status = property(error, 'statusCode') ?? property(error, 'status');
  if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 500) {
    return new AppError(CLIENT_STATUS_CODES[status] ?? 'VALIDATION_FAILED');
  }
  return new AppError('INTERNAL', { cause: error });
}

export function errorBody(appError: AppError, requestId: string): ErrorBody {
  return { error: { code: appError.code, message: appError.publicMessage, requestId } };
}

/** Logs and sends an error answer. Used by the error handler, the 404 handler and frameworkErrors. */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = toHttpAppError(error);
  const status = appError.status;
  if (status >= 500) {
    request.log.error({ err: error, code: appError.code }, 'request failed');
  } else {
    // Code only: a parser's or validator's own message may quote the body.
    const cause = property(error, 'code');
    request.log.info(
      {
        code: appError.code,
        status,
        ...(typeof cause === 'string' && cause !== appError.code ? { cause } : {}),
        ...(appError.detail === undefined ? {} : { detail: appError.detail }),
      },
      'request rejected',
    );
  }
  return reply
    .code(status)
    .header(REQUEST_ID_HEADER, request.id)
    .header('cache-control', 'no-store')
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify(errorBody(appError, request.id)));
}
