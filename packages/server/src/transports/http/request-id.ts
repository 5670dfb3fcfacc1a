/**
 * Request ids: one per request, returned in `X-Request-Id`, bound to every log line of the
 * request and carried into audit events through the RequestContext.
 *
 * MUST: ids are generated server-side from the CSPRNG. A client-supplied `X-Request-Id` is used
 *       only when it matches REQUEST_ID_PATTERN (bounded length, no spaces, quotes or control
 *       characters), so it can never inject text into a log line or a header.
 */
import type { IncomingMessage } from 'node:http';
import { newId } from '../../kernel/index.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/** 16 to 64 URL-safe characters: a UUID, a hex trace id or a base64url token. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** Builds fastify's `genReqId`. */
export function requestIdGenerator(acceptClientRequestId: boolean): (raw: IncomingMessage) => string {
  return (raw) => {
    if (acceptClientRequestId) {
      const supplied = raw.headers[REQUEST_ID_HEADER];
      if (typeof supplied === 'string' && REQUEST_ID_PATTERN.test(supplied)) return supplied;
    }
    return newId();
  };
}
