/**
 * The only request-body parser: application/json, bounded and safe.
 *
 * MUST: a body that is not application/json (UTF-8, RFC 8259 §8.1) answers 415.
 * MUST: nesting deeper than `maxDepth` or more than `maxKeys` object keys in total answers 400,
 *       checked on the raw text before anything is built from it.
 * MUST: `__proto__` keys and `constructor.prototype` answer 400 (prototype poisoning), using
 *       fastify's secure-json-parse parser with both actions set to 'error'.
 * The byte limit (`bodyLimit`, 413) is enforced by fastify while the body streams in.
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../kernel/index.js';
import type { HttpServer } from './http-server-type.js';

export interface JsonLimits {
  /** Maximum nesting of objects and arrays; `{}` has depth 1. */
  readonly maxDepth: number;
  /** Maximum number of object keys in the whole document. */
  readonly maxKeys: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 32, maxKeys: 10_000 };

export type JsonShapeViolation = 'depth' | 'keys';

/**
 * Scans JSON text without building it and reports the first limit it exceeds. It does not
 * validate the syntax (the parser does); it only bounds what the parser will be asked to build.
 * Outside strings, every ':' separates a key from its value, so colons count keys.
 */
export function checkJsonShape(text: string, limits: JsonLimits): JsonShapeViolation | null {
  let depth = 0;
  let keys = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    switch (c) {
      case 0x22: // "
        inString = true;
        break;
      case 0x7b: // {
      case 0x5b: // [
        if (++depth > limits.maxDepth) return 'depth';
        break;
      case 0x7d: // }
      case 0x5d: // ]
        depth--;
        break;
      case 0x3a: // :
        if (++keys > limits.maxKeys) return 'keys';
        break;
      default:
        break;
    }
  }
  return null;
}

const CHARSET_PARAM = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;

function declaredCharsetIsUtf8(contentType: string | undefined): boolean {
  const charset = contentType === undefined ? undefined : CHARSET_PARAM.exec(contentType)?.[1];
  return charset === undefined || /^utf-?8$/i.test(charset);
}

function invalidBody(publicMessage: string): AppError {
  return new AppError('VALIDATION_FAILED', { publicMessage });
}

/**
 * Replaces fastify's parsers (JSON and text/plain) with one bounded JSON parser.
 * Parse errors carry no cause: V8's SyntaxError quotes the body, and the body may hold PHI.
 */
type ParseDone = (error: Error | null, body?: unknown) => void;

export function installJsonBodyParser(app: HttpServer, limits: JsonLimits): void {
  // fastify's own parser (secure-json-parse); its type is a union of the callback and promise
  // forms, and the implementation is the callback form.
  const secureParse = app.getDefaultJsonParser('error', 'error') as (request: FastifyRequest, body: string, done: ParseDone) => void;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (request, text: string, done: ParseDone) => {
      if (!declaredCharsetIsUtf8(request.headers['content-type'])) {
        done(new AppError('UNSUPPORTED_MEDIA_TYPE', { publicMessage: 'JSON bodies must be UTF-8.' }));
        return;
      }
      if (text.length === 0) {
        done(invalidBody('The request body is empty.'));
        return;
      }
      const violation = checkJsonShape(text, limits);
      if (violation !== null) {
        done(
          invalidBody(
            violation === 'depth'
              ? `The request body is nested deeper than ${limits.maxDepth} levels.`
              : `The request body has more than ${limits.maxKeys} keys.`,
          ),
        );
        return;
      }
      secureParse(request, text, (error, parsed) => {
        if (error === null) {
          done(null, parsed);
          return;
        }
        done(invalidBody(isPlainJson(text) ? 'The request body contains a forbidden key.' : 'The request body is not valid JSON.'));
      });
    },
  );
}

/** True when the text is JSON that only secure-json-parse refuses (prototype poisoning). */
function isPlainJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
