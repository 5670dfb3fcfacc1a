/**
 * Emergency read-only mode (HIPAA §164.308(a)(7)(ii)(C), emergency mode operation plan): while a
 * restored system comes back, clinicians read; nothing else changes.
 *
 * MUST: every state-changing request (any method but GET, HEAD, OPTIONS) on a wrapped module's
 *       routes answers 503 EMERGENCY_READ_ONLY, except signing in and out, MFA and a forced
 *       password change under /api/v1/auth/ (reads need a session; PHI reads are still audited).
 * MUST: device ingest stays off (the HTTPS ingest route is a POST; the MQTT listener refuses
 *       every device, see main.ts).
 */
import { AppError } from '../../kernel/index.js';
import type { HttpRoutes } from './http-server.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const ALLOWED_WRITES = /^\/api\/v1\/auth\//;

/** Wraps a module's routes so that its writes are refused; the hook is scoped to that plugin. */
export function readOnlyRoutes(routes: HttpRoutes): HttpRoutes {
  return async (app, options) => {
    app.addHook('onRequest', async (request) => {
      if (READS.has(request.method) || ALLOWED_WRITES.test(request.url)) return;
      throw new AppError('EMERGENCY_READ_ONLY', { detail: `${request.method} ${request.routeOptions.url ?? request.url} refused: Vigil runs in emergency read-only mode` });
    });
    await routes(app, options);
  };
}
