/**
 * GET /api/v1/access/explain: which rule allows or denies a request, for the caller or for another
 * user of the caller's organization.
 *
 * MUST: the permission is the one the route table declares for the method and path (the same
 *       table the guard enforces), and the decision comes from access.explain() -> decide().
 * MUST: a userId of another organization answers 404, like any cross-tenant read.
 */
import { Type } from 'typebox';
import { explain } from '../../access/index.js';
import type { IdentityService } from '../../identity/index.js';
import { AppError } from '../../kernel/index.js';
import type { HttpRoutes } from './http-server.js';
import type { HttpServer } from './http-server-type.js';
import { requestContext, type DeclaredRoute } from './route-permissions.js';

const closed = { additionalProperties: false } as const;

/** Splits a path into its segments, without the query string. */
function segments(path: string): string[] {
  return (path.split('?')[0] ?? '').split('/').filter((s) => s.length > 0);
}

/**
 * The declared route that serves `method path`, as fastify's router would choose it: static
 * segments before parameters, parameters before a wildcard.
 */
export function matchRoute(routes: readonly DeclaredRoute[], method: string, path: string): DeclaredRoute | undefined {
  const wanted = segments(path);
  let best: { route: DeclaredRoute; score: number } | undefined;
  for (const route of routes) {
    if (route.method !== method.toUpperCase()) continue;
    const pattern = segments(route.url);
    let score = 0;
    let ok = true;
    for (let i = 0; i < Math.max(pattern.length, wanted.length); i += 1) {
      const p = pattern[i];
      const w = wanted[i];
      if (p === '*') {
        score += 0;
        break;
      }
      if (p === undefined || w === undefined) {
        ok = false;
        break;
      }
      if (p.startsWith(':')) score += 1;
      else if (p === w) score += 2;
      else {
        ok = false;
        break;
      }
    }
    if (ok && (best === undefined || score > best.score)) best = { route, score };
  }
  return best?.route;
}

export function accessRoutes(identity: IdentityService): HttpRoutes {
  return async (app) => {
    app.get(
      '/api/v1/access/explain',
      {
        config: { permission: 'access:explain' },
        schema: {
          summary: 'Explains which rule allows or denies a request (method + path), for the caller or a user of the same organization.',
          tags: ['access'],
          querystring: Type.Object(
            {
              method: Type.Union(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => Type.Literal(m))),
              path: Type.String({ minLength: 1, maxLength: 512, pattern: '^/' }),
              userId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            },
            closed,
          ),
          response: {
            200: Type.Object(
              { allow: Type.Boolean(), rule: Type.String(), permission: Type.String(), reason: Type.String(), steps: Type.Array(Type.String()) },
              closed,
            ),
          },
        },
      },
      async (request) => {
        const { method, path, userId } = request.query;
        const server = request.server as unknown as HttpServer;
        const route = matchRoute(server.declaredRoutes(), method, path);
        if (!route) throw new AppError('ACCESS_ROUTE_UNKNOWN');
        const ctx = requestContext(request);
        const principal = userId === undefined ? ctx.principal : await identity.principalOf(ctx, userId);
        const explanation = explain(principal, route.permission);
        return { ...explanation, steps: [`route: ${route.method} ${route.url} declares permission ${route.permission}`, ...explanation.steps] };
      },
    );
  };
}
