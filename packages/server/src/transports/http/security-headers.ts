/**
 * Response headers every answer carries: security headers (@fastify/helmet), the request id and
 * the cache policy.
 *
 * MUST: HSTS for one year including subdomains (RFC 6797 §6.1); preload is a deployment decision.
 * MUST: the CSP allows only same-origin scripts, styles, images, fonts and fetches: the console is
 *       a Vite build with no inline script, served from this origin (CSP Level 3).
 * MUST: API, FHIR and metrics answers are `Cache-Control: no-store` (PHI must not sit in a shared or
 *       browser cache). Here every answer is no-store unless the console's static files say otherwise.
 */
import type { FastifyHelmetOptions } from '@fastify/helmet';
import { REQUEST_ID_HEADER } from './request-id.js';
import type { HttpServer } from './http-server-type.js';

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'upgrade-insecure-requests': [],
} as const satisfies Record<string, readonly string[]>;

export const HELMET_OPTIONS: FastifyHelmetOptions = {
  global: true,
  contentSecurityPolicy: {
    useDefaults: false,
    directives: Object.fromEntries(Object.entries(CONTENT_SECURITY_POLICY).map(([name, values]) => [name, [...values]])),
  },
  strictTransportSecurity: { maxAge: ONE_YEAR_SECONDS, includeSubDomains: true, preload: false },
  xContentTypeOptions: true,
  referrerPolicy: { policy: 'no-referrer' },
  xFrameOptions: { action: 'deny' },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
};

/** Path prefixes whose answers hold data (never cached, never the console's SPA fallback). */
export const DATA_PATH_PREFIXES = ['/api', '/fhir', '/metrics', '/healthz', '/readyz'] as const;

/** The path of a request URL, without its query string. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

export function isDataPath(url: string): boolean {
  const path = pathOf(url);
  return DATA_PATH_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/** Adds `X-Request-Id` and `Cache-Control: no-store` to every answer, before any route code runs. */
export function installResponseHeaders(app: HttpServer): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    reply.header('cache-control', 'no-store');
  });
}
