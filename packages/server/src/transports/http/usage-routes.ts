/**
 * HTTP routes of usage tracking and the accounting of disclosures; JSON or CSV (RFC 4180).
 *
 *   GET /api/v1/usage/users?from=&to=&format=json|csv                    usage:read
 *   GET /api/v1/usage/platform?from=&to=&interval=hour|day&format=      usage:read
 *   GET /api/v1/patients/:id/disclosures?from=&to=&format=              patients:disclosures (audited)
 *
 * MUST: CSV cells are protected against formula injection (compliance csvCell); JSON answers go
 *       through allowlist response schemas.
 * MUST: answers are not cached (Cache-Control: no-store): they name users and patients' readers.
 */
import type { FastifyReply } from 'fastify';
import Type from 'typebox';
import { toCsv, type CsvValue, type UsageService } from '../../compliance/index.js';
import type { HttpRoutes } from './http-server.js';
import { requestContext } from './route-permissions.js';

const closed = { additionalProperties: false } as const;
const Iso = Type.String({ format: 'date-time', maxLength: 40 });
const Format = Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')]));
const RangeQuery = Type.Object({ from: Type.Optional(Iso), to: Type.Optional(Iso), format: Format }, closed);
const PlatformQuery = Type.Object(
  { from: Type.Optional(Iso), to: Type.Optional(Iso), interval: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day')])), format: Format },
  closed,
);
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const UsersBody = Type.Object(
  {
    users: Type.Array(
      Type.Object(
        {
          userId: Type.String(),
          username: Type.String(),
          logins: Type.Integer(),
          failedLogins: Type.Integer(),
          apiCalls: Type.Integer(),
          phiReads: Type.Integer(),
          lastActiveAt: Nullable(Type.String()),
        },
        closed,
      ),
    ),
  },
  closed,
);
const PlatformBody = Type.Object(
  {
    series: Type.Array(
      Type.Object({ t: Type.String(), logins: Type.Integer(), apiCalls: Type.Integer(), activeDevices: Type.Integer(), messagesIngested: Type.Integer() }, closed),
    ),
    routes: Type.Array(Type.Object({ route: Type.String(), count: Type.Integer() }, closed)),
  },
  closed,
);
const DisclosuresBody = Type.Object(
  {
    disclosures: Type.Array(
      Type.Object(
        {
          at: Type.String(),
          userId: Type.String(),
          username: Nullable(Type.String()),
          action: Type.String(),
          route: Nullable(Type.String()),
          basis: Nullable(Type.String()),
          grantId: Nullable(Type.String()),
          reason: Nullable(Type.String()),
          fields: Nullable(Type.String()),
        },
        closed,
      ),
    ),
  },
  closed,
);

export interface UsageRoutesDeps {
  readonly usage: UsageService;
  /** Writes the API calls counted in memory so far, so that a report includes the latest ones. */
  readonly flushRequestCounts?: () => Promise<unknown>;
}

function sendCsv<Row extends Record<string, CsvValue>>(reply: FastifyReply, name: string, columns: ReadonlyArray<keyof Row & string>, rows: readonly Row[]) {
  return reply
    .header('content-type', 'text/csv; charset=utf-8; header=present')
    .header('content-disposition', `attachment; filename="${name}.csv"`)
    .serializer((payload) => payload as string)
    .send(toCsv(columns, rows));
}

export function usageRoutes(deps: UsageRoutesDeps): HttpRoutes {
  return async (app) => {
    const tags = ['usage'];
    app.get(
      '/api/v1/usage/users',
      { config: { permission: 'usage:read' }, schema: { summary: 'Per-user activity (JSON or CSV).', tags, querystring: RangeQuery, response: { 200: UsersBody } } },
      async (request, reply) => {
        await deps.flushRequestCounts?.();
        const users = await deps.usage.userActivity(requestContext(request), request.query);
        reply.header('cache-control', 'no-store');
        if (request.query.format === 'csv') {
          return sendCsv(reply, 'usage-users', ['userId', 'username', 'logins', 'failedLogins', 'apiCalls', 'phiReads', 'lastActiveAt'], users.map((u) => ({ ...u })));
        }
        return { users };
      },
    );

    app.get(
      '/api/v1/usage/platform',
      {
        config: { permission: 'usage:read' },
        schema: { summary: 'Platform usage over time and API calls by route (JSON; CSV has the series).', tags, querystring: PlatformQuery, response: { 200: PlatformBody } },
      },
      async (request, reply) => {
        await deps.flushRequestCounts?.();
        const usage = await deps.usage.platformUsage(requestContext(request), request.query);
        reply.header('cache-control', 'no-store');
        if (request.query.format === 'csv') {
          return sendCsv(reply, 'usage-platform', ['t', 'logins', 'apiCalls', 'activeDevices', 'messagesIngested'], usage.series.map((p) => ({ ...p })));
        }
        return usage;
      },
    );

    app.get(
      '/api/v1/patients/:id/disclosures',
      {
        config: { permission: 'patients:disclosures' },
        schema: {
          summary: "A patient's access log: who inside read this patient's data, when, by which route and basis (a use log, from the audit trail; the §164.528 accounting of outside disclosures is /disclosures/accounting); the read is audited.",
          tags,
          params: Type.Object({ id: Type.String({ format: 'uuid', maxLength: 36 }) }, closed),
          querystring: RangeQuery,
          response: { 200: DisclosuresBody },
        },
      },
      async (request, reply) => {
        const ctx = requestContext(request);
        const disclosures = await deps.usage.disclosures(ctx, request.params.id, request.query);
        reply.header('cache-control', 'no-store');
        if (request.query.format === 'csv') {
          return sendCsv(
            reply,
            'disclosures',
            ['at', 'userId', 'username', 'action', 'route', 'basis', 'grantId', 'reason', 'fields'],
            disclosures.map((d) => ({ ...d })),
          );
        }
        return { disclosures };
      },
    );
  };
}
