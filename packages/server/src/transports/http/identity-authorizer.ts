/**
 * The Authorizer of the HTTPS API: session cookie or bearer token -> Principal -> access.decide().
 *
 * MUST: a cookie-authenticated request that changes state (POST, PUT, PATCH, DELETE) carries the
 *       session's CSRF token in `x-csrf-token`, compared in constant time (OWASP CSRF cheat sheet,
 *       synchronizer token); bearer requests need none (browsers never attach them on their own).
 * MUST: only the `session:self` routes (own session, password, second factors) accept a session
 *       that has not finished signing in; every other route requires state 'authenticated'.
 * MUST: a deny from decide() maps to 401, 403 or 404 (cross-tenant), never to a partial answer,
 *       and is audited (access.request.deny) with the route pattern, permission and rule.
 * MUST: any activity extends the idle timer except reading the session itself
 *       (GET /api/v1/auth/session), so a console polling its session still logs off when idle.
 */
import type { FastifyRequest } from 'fastify';
import { decide } from '../../access/index.js';
import { csrfMatches, SERVICE_TOKEN_PREFIX, SESSION_COOKIE, type IdentityService, type SessionAuth } from '../../identity/index.js';
import { ANONYMOUS_PRINCIPAL, AppError, type Principal, type RequestContext } from '../../kernel/index.js';
import type { Authorizer } from './route-permissions.js';

export const CSRF_HEADER = 'x-csrf-token';
export const SESSION_ROUTE = '/api/v1/auth/session';
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The value of one cookie from the Cookie header (RFC 6265 §5.4), or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
  return match?.[1];
}

export function anonymousContext(request: FastifyRequest): RequestContext {
  return { principal: ANONYMOUS_PRINCIPAL, requestId: request.id, source: request.ip };
}

export interface IdentityAuthorizer {
  readonly authorize: Authorizer;
  /** The session a request was authorized with (undefined for service tokens and public routes). */
  sessionOf(request: FastifyRequest): SessionAuth | undefined;
  /** Resolves the session of a request without a route permission (used by public auth routes). */
  resolve(request: FastifyRequest): Promise<SessionAuth>;
}

export function createIdentityAuthorizer(identity: IdentityService): IdentityAuthorizer {
  const sessions = new WeakMap<FastifyRequest, SessionAuth>();

  async function resolve(request: FastifyRequest): Promise<SessionAuth> {
    const bearer = bearerToken(request);
    const token = bearer ?? readCookie(request.headers.cookie, SESSION_COOKIE);
    if (token === undefined || token.length === 0 || token.length > 200) throw new AppError('UNAUTHENTICATED');
    if (bearer === undefined && STATE_CHANGING.has(request.method)) {
      const presented = request.headers[CSRF_HEADER];
      if (!csrfMatches(token, typeof presented === 'string' ? presented : undefined)) throw new AppError('IDENTITY_CSRF_FAILED');
    }
    const touch = !(request.method === 'GET' && request.routeOptions.url === SESSION_ROUTE);
    const auth = await identity.resolveSession(anonymousContext(request), token, touch);
    sessions.set(request, auth);
    return auth;
  }

  const authorize: Authorizer = async (request, permission) => {
    let principal: Principal;
    const bearer = bearerToken(request);
    if (bearer?.startsWith(SERVICE_TOKEN_PREFIX)) {
      principal = await identity.resolveServiceToken(bearer);
    } else {
      const auth = await resolve(request);
      if (permission !== 'session:self' && auth.session.state !== 'authenticated') throw new AppError('IDENTITY_SESSION_STATE');
      principal = identity.principal(auth);
    }
    const decision = decide(principal, permission);
    if (!decision.allow) {
      const ctx: RequestContext = { principal, requestId: request.id, source: request.ip };
      await identity.recordDenied(ctx, `${request.method} ${request.routeOptions.url ?? ''}`, permission, decision.rule);
      throw new AppError(decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : decision.deny === 'not-found' ? 'NOT_FOUND' : 'FORBIDDEN', {
        detail: `${decision.rule}: ${decision.reason}`,
      });
    }
    return principal;
  };

  return { authorize, sessionOf: (request) => sessions.get(request), resolve };
}
