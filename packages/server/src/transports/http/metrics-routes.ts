/**
 * GET /metrics: Prometheus text exposition of the platform's metrics, behind a token.
 *
 * A scraper presents `Authorization: Bearer <token>` with either the configured metrics token
 * (VIGIL_METRICS_TOKEN; only its SHA-256 is kept and compared in constant time, keys/) or a
 * service-account token holding the `metrics:read` scope.
 *
 * MUST: without a configured metrics token, an unauthorized request answers 404, so that an
 *       unconfigured server does not advertise the endpoint; with one, 401.
 * MUST: the route is declared PUBLIC only because it authenticates itself here, before any
 *       metric is collected.
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../kernel/index.js';
import type { PlatformMetrics } from '../../compliance/index.js';
import type { HttpRoutes } from './http-server.js';
import { bearerToken } from './identity-authorizer.js';
import { PUBLIC, type Authorizer } from './route-permissions.js';

export interface MetricsRoutesDeps {
  readonly metrics: PlatformMetrics;
  /** Constant-time check against the configured token; undefined when none is configured. */
  readonly tokenMatches: ((presented: string) => boolean) | undefined;
  /** The API authorizer, for service-account tokens. */
  readonly authorize: Authorizer;
}

export function metricsRoutes(deps: MetricsRoutesDeps): HttpRoutes {
  const allowed = async (request: FastifyRequest): Promise<boolean> => {
    const bearer = bearerToken(request);
    if (bearer === undefined) return false;
    if (deps.tokenMatches?.(bearer) === true) return true;
    try {
      const principal = await deps.authorize(request, 'metrics:read');
      return principal.kind === 'service';
    } catch {
      return false;
    }
  };
  return async (app) => {
    app.get(
      '/metrics',
      { config: { permission: PUBLIC }, logLevel: 'warn', schema: { summary: 'Prometheus metrics (token required).', tags: ['health'], hide: true } },
      async (request, reply) => {
        if (!(await allowed(request))) throw new AppError(deps.tokenMatches === undefined ? 'NOT_FOUND' : 'UNAUTHENTICATED');
        return reply.header('content-type', deps.metrics.contentType).header('cache-control', 'no-store').send(await deps.metrics.text());
      },
    );
  };
}
