/**
 * createHttpServer: the HTTPS transport, assembled (not yet listening).
 *
 * MUST: HTTPS only (TLS_PROFILE); there is no plain-HTTP mode.
 * MUST: every route declares its permission; non-public routes pass `authorize` (default: deny).
 * MUST: bodies are application/json only, bounded by bodyLimit and JSON depth/key limits.
 * MUST: every answer carries X-Request-Id and the security headers; errors go through sendError.
 * MUST: slow clients are cut off (requestTimeout, headersTimeout), and while closing, new requests
 *       on open connections answer 503 (return503OnClosing).
 */
import type { FastifyBaseLogger, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { fastify, LogController } from 'fastify';
import fastifyHelmet from '@fastify/helmet';
import { registerAjvFormats, TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Server as HttpsServer } from 'node:https';
import type { Logger } from 'pino';
import { AppError, type Principal } from '../../kernel/index.js';
import { registerConsole } from './console-static.js';
import { sendError } from './error-mapping.js';
import { alwaysReady, registerHealthRoutes, type ReadinessProbe } from './health-routes.js';
import type { HttpServer } from './http-server-type.js';
import { DEFAULT_JSON_LIMITS, installJsonBodyParser, type JsonLimits } from './json-body-parser.js';
import { registerOpenApi, registerOpenApiRoute } from './openapi.js';
import { requestIdGenerator } from './request-id.js';
import { denyAll, installRoutePermissions, type Authorizer } from './route-permissions.js';
import { HELMET_OPTIONS, installResponseHeaders, pathOf } from './security-headers.js';
import { buildHttpsOptions, type TlsCredentials, type TlsMinVersion } from './tls-profile.js';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface HttpTimeouts {
  /** Socket inactivity while a request is in progress (fastify connectionTimeout). */
  readonly connectionTimeoutMs: number;
  /** The whole request, headers and body, must arrive within this time (slowloris). */
  readonly requestTimeoutMs: number;
  /** The headers must arrive within this time; at most requestTimeoutMs. */
  readonly headersTimeoutMs: number;
  /** Idle keep-alive sockets close after this; above the usual 60 s of load balancers. */
  readonly keepAliveTimeoutMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = {
  connectionTimeoutMs: 60_000,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 15_000,
  keepAliveTimeoutMs: 72_000,
};

/** A module's routes, registered as a fastify plugin. Every route MUST declare config.permission. */
export type HttpRoutes = FastifyPluginAsync<Record<never, never>, HttpsServer, TypeBoxTypeProvider>;

export interface HttpServerOptions {
  /** Certificate, intermediates and key of the HTTPS listener. */
  readonly tls: TlsCredentials;
  /** Lowest TLS version; default TLSv1.2. Never lower (RFC 8996). */
  readonly tlsMinVersion?: TlsMinVersion;
  /** The process logger (observability/createLogger); the server logs through a child. */
  readonly logger: Logger;
  /** Authenticates and checks a route's permission; default `denyAll` (every non-public route is 401). */
  readonly authorize?: Authorizer;
  /** Readiness of the dependencies, for GET /readyz; default: always ready. */
  readonly readiness?: ReadinessProbe;
  /** The console's Vite build output (packages/console/dist); when absent or unbuilt, `/` says so. */
  readonly consoleDir?: string;
  /** Maximum request body in bytes; default 1 MiB. */
  readonly bodyLimit?: number;
  readonly jsonLimits?: Partial<JsonLimits>;
  readonly timeouts?: Partial<HttpTimeouts>;
  /** Addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed; default none. */
  readonly trustedProxies?: readonly string[];
  /** Use a client's X-Request-Id when it matches REQUEST_ID_PATTERN; default true. */
  readonly acceptClientRequestId?: boolean;
  /** The API version shown in the OpenAPI document. */
  readonly apiVersion?: string;
  /**
   * CA certificates (PEM) that client certificates may chain to, e.g. [device CA, root]. When set,
   * the listener asks every client for a certificate without requiring one; see deviceCertificate().
   */
  readonly clientCa?: readonly string[];
  /** Module routes, registered after the built-in ones. */
  readonly routes?: readonly HttpRoutes[];
  /** Refuses requests from blocked source addresses (incidents' expiring block list) with 403. */
  readonly sourceGate?: { isBlocked(address: string): boolean };
  /** Called once per answer (usage counters, metrics): route pattern, never the URL; must not throw. */
  readonly onResponse?: (sample: ResponseSample) => void;
}

/** One answered request, as usage tracking sees it: no URL, no query, no body. */
export interface ResponseSample {
  readonly method: string;
  /** The route pattern ('/api/v1/patients/:id'), or '(unmatched)'. */
  readonly route: string;
  readonly statusCode: number;
  readonly principal: Principal | null;
}

/** Request log fields: the path without its query string (queries can carry PHI, e.g. FHIR search). */
function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: pathOf(request.url),
    remoteAddress: request.ip,
    remotePort: request.socket.remotePort,
  };
}

function serializeReply(reply: FastifyReply): Record<string, unknown> {
  return { statusCode: reply.statusCode };
}

export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const timeouts = { ...DEFAULT_HTTP_TIMEOUTS, ...options.timeouts };
  const jsonLimits = { ...DEFAULT_JSON_LIMITS, ...options.jsonLimits };
  if (timeouts.headersTimeoutMs > timeouts.requestTimeoutMs) {
    throw new AppError('CONFIG_INVALID', { detail: 'headersTimeoutMs must not exceed requestTimeoutMs.' });
  }
  const https = {
    ...buildHttpsOptions(options.tls, options.tlsMinVersion, options.clientCa !== undefined ? { clientCa: options.clientCa } : {}),
    requestTimeout: timeouts.requestTimeoutMs,
    headersTimeout: timeouts.headersTimeoutMs,
  };
  const logger: FastifyBaseLogger = options.logger.child(
    { component: 'http' },
    { serializers: { req: serializeRequest, res: serializeReply } },
  );

  const app: HttpServer = fastify({
    https,
    loggerInstance: logger,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    requestIdHeader: false,
    genReqId: requestIdGenerator(options.acceptClientRequestId ?? true),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    connectionTimeout: timeouts.connectionTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    trustProxy: options.trustedProxies === undefined ? false : [...options.trustedProxies],
    frameworkErrors: (error, request, reply) => {
      sendError(error, request, reply);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Validation with TypeBox: no coercion of bodies, no silent removal of unknown keys.
  // registerAjvFormats fills TypeBox's (process-wide) format registry; it is idempotent.
  registerAjvFormats();
  app.setValidatorCompiler(TypeBoxValidatorCompiler);

  // Before any route: the deny-by-default check sees every route registered from here on.
  installRoutePermissions(app, options.authorize ?? denyAll);
  const gate = options.sourceGate;
  if (gate) {
    app.addHook('onRequest', async (request) => {
      if (gate.isBlocked(request.ip)) throw new AppError('FORBIDDEN', { detail: `source ${request.ip} is on the block list` });
    });
  }
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  installJsonBodyParser(app, jsonLimits);
  await app.register(fastifyHelmet, HELMET_OPTIONS);
  installResponseHeaders(app);
  const observe = options.onResponse;
  if (observe) {
    app.addHook('onResponse', (request, reply, done) => {
      try {
        observe({ method: request.method, route: request.routeOptions.url ?? '(unmatched)', statusCode: reply.statusCode, principal: request.principal ?? null });
      } catch (error) {
        request.log.warn({ err: error }, 'response observer failed');
      }
      done();
    });
  }
  await registerOpenApi(app, options.apiVersion ?? '0.1.0');

  registerHealthRoutes(app, options.readiness ?? alwaysReady);
  registerOpenApiRoute(app);
  for (const routes of options.routes ?? []) await app.register(routes);
  const consoleRoutes = await registerConsole(app, options.consoleDir);

  app.setNotFoundHandler((request, reply) => {
    if (consoleRoutes.fallback(request, reply)) return reply;
    return sendError(new AppError('NOT_FOUND'), request, reply);
  });
  return app;
}

/**
 * Stops accepting connections and waits for requests in flight; after `graceMs`, cuts the
 * connections that remain. Idle keep-alive sockets close at once (forceCloseConnections 'idle').
 */
export async function closeHttpServer(app: HttpServer, graceMs = 10_000): Promise<void> {
  const timer = setTimeout(() => app.server.closeAllConnections(), graceMs);
  timer.unref();
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}
