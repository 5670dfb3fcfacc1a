/**
 * Deny by default: every HTTP route declares the permission it needs, and one guard enforces it.
 *
 * A route declares `config: { permission: PUBLIC }` or `config: { permission: 'devices:read' }`.
 *
 * MUST: registering a route without a valid `config.permission` throws (the onRoute hook), so the
 *       server cannot start with an undeclared route.
 * MUST: a route whose permission is not PUBLIC calls `authorize` first (a route-level onRequest
 *       hook, before the body is read or validated, so an anonymous client learns nothing from
 *       parse or schema errors). The default authorizer denies: 401 UNAUTHENTICATED.
 * MUST: `permissionGuard` is the single place where authentication and route-level authorization
 *       plug in. Resource-level checks stay in the services (access.decide), per ARCHITECTURE §2.5.
 */
import type { FastifyRequest, onRequestAsyncHookHandler, RouteOptions } from 'fastify';
import { ANONYMOUS_PRINCIPAL, AppError, type Principal, type RequestContext } from '../../kernel/index.js';
import type { HttpServer } from './http-server-type.js';

/** The permission of a route anyone may call, signed in or not. */
export const PUBLIC = 'public';

/** PUBLIC, or a permission name such as 'devices:read' (checked against PERMISSION_PATTERN). */
export type RoutePermission = typeof PUBLIC | (string & Record<never, never>);

/** Lower-case words joined by '.', ':', '_' or '-': 'devices:read', 'audit.export'. */
export const PERMISSION_PATTERN = /^[a-z][a-z0-9]*(?:[.:_-][a-z0-9]+)*$/;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Required on every route: PUBLIC or a permission name. Enforced at registration. */
    permission?: RoutePermission;
  }
  interface FastifyRequest {
    /** Set by the permission guard before anything else of the route runs; null only before it. */
    principal: Principal | null;
  }
}

/**
 * Authenticates the request and checks the route's permission. Resolves to the acting Principal,
 * or rejects with an AppError (UNAUTHENTICATED 401, FORBIDDEN 403).
 */
export type Authorizer = (request: FastifyRequest, permission: string) => Promise<Principal>;

/** The default: nobody is authenticated until identity plugs in its own Authorizer. */
export const denyAll: Authorizer = () => Promise.reject(new AppError('UNAUTHENTICATED'));

export interface DeclaredRoute {
  readonly method: string;
  readonly url: string;
  readonly permission: RoutePermission;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered so far, with its declared permission (the deny-by-default table). */
    declaredRoutes(): readonly DeclaredRoute[];
  }
}

export function isValidPermission(value: unknown): value is RoutePermission {
  return typeof value === 'string' && (value === PUBLIC || PERMISSION_PATTERN.test(value));
}

function permissionGuard(permission: RoutePermission, authorize: Authorizer): onRequestAsyncHookHandler {
  if (permission === PUBLIC) {
    return async function publicRoute(request) {
      request.principal = ANONYMOUS_PRINCIPAL;
    };
  }
  return async function permissionGuardHook(request) {
    request.principal = await authorize(request, permission);
  };
}

/**
 * Installs the onRoute check and the guard. Call before any route is registered: routes added
 * earlier would escape it.
 */
export function installRoutePermissions(app: HttpServer, authorize: Authorizer): void {
  const routes: DeclaredRoute[] = [];
  app.decorateRequest('principal', null);
  app.decorate('declaredRoutes', () => [...routes]);
  app.addHook('onRoute', (route: RouteOptions) => {
    const permission = route.config?.permission;
    const methods = [route.method].flat();
    if (!isValidPermission(permission)) {
      throw new AppError('INTERNAL', {
        detail:
          `Route ${methods.join(',')} ${route.url} declares no valid permission. Every route MUST set ` +
          `config.permission to '${PUBLIC}' or a permission name matching ${String(PERMISSION_PATTERN)}.`,
      });
    }
    for (const method of methods) routes.push({ method, url: route.url, permission });
    const existing = route.onRequest === undefined ? [] : [route.onRequest].flat();
    route.onRequest = [permissionGuard(permission, authorize), ...existing];
  });
}

/** The RequestContext a route passes to a service: who (from the guard), which request, from where. */
export function requestContext(request: FastifyRequest): RequestContext {
  if (request.principal === null) {
    throw new AppError('INTERNAL', { detail: 'requestContext() was called before the permission guard ran.' });
  }
  return { principal: request.principal, requestId: request.id, source: request.ip };
}
