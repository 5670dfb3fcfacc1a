/**
 * HTTP routes of the role dashboards: counts for one organization, from a few aggregate queries.
 *
 *   GET /api/v1/dashboard/security   security:read   open security alerts by severity, devices by
 *                                                    state, break-glass awaiting review, failed
 *                                                    logins per hour (24 h)
 *   GET /api/v1/dashboard/admin      users:read      the fleet, users without MFA or training,
 *                                                    delivery channel health
 *
 * MUST: counts only, no PHI (not audited: the lists behind each count audit their own reads).
 * MUST: answers are not cached (Cache-Control: no-store) and go through allowlist schemas.
 */
import Type from 'typebox';
import type { DashboardService } from '../../compliance/index.js';
import type { HttpRoutes } from './http-server.js';
import { requestContext } from './route-permissions.js';

const closed = { additionalProperties: false } as const;
const Count = Type.Integer({ minimum: 0 });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const DeviceCounts = Type.Object(
  {
    total: Count,
    online: Count,
    offline: Count,
    quarantined: Count,
    revoked: Count,
    decommissioned: Count,
    certificateExpiring: Type.Integer({ minimum: 0, description: 'Certificate ends within 30 days (not revoked or decommissioned).' }),
    certificateExpired: Count,
  },
  closed,
);

const SecurityBody = Type.Object(
  {
    generatedAt: Type.String(),
    openSecurityAlerts: Type.Object({ critical: Count, high: Count, medium: Count, low: Count }, closed),
    devices: DeviceCounts,
    breakGlassAwaitingReview: Count,
    failedLogins: Type.Array(Type.Object({ hour: Type.String(), count: Count }, closed), { description: 'Per hour, oldest first, the last 24 hours.' }),
  },
  closed,
);

const AdminBody = Type.Object(
  {
    generatedAt: Type.String(),
    devices: DeviceCounts,
    users: Type.Object({ total: Count, withoutMfa: Count, withoutTraining: Count, locked: Count, disabled: Count }, closed),
    channels: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          name: Type.String(),
          kind: Type.String(),
          enabled: Type.Boolean(),
          pending: Count,
          deadLetters: Count,
          lastDeadLetterAt: Nullable(Type.String()),
          health: Type.Union([Type.Literal('ok'), Type.Literal('retrying'), Type.Literal('failing'), Type.Literal('disabled')]),
        },
        closed,
      ),
    ),
  },
  closed,
);

export interface DashboardRoutesDeps {
  readonly dashboards: DashboardService;
}

export function dashboardRoutes(deps: DashboardRoutesDeps): HttpRoutes {
  return async (app) => {
    const tags = ['dashboard'];
    app.get(
      '/api/v1/dashboard/security',
      { config: { permission: 'security:read' }, schema: { summary: "The security officer's dashboard: counts for the organization (no PHI).", tags, response: { 200: SecurityBody } } },
      async (request, reply) => {
        const summary = await deps.dashboards.security(requestContext(request));
        reply.header('cache-control', 'no-store');
        return { ...summary, failedLogins: [...summary.failedLogins] };
      },
    );
    app.get(
      '/api/v1/dashboard/admin',
      { config: { permission: 'users:read' }, schema: { summary: "The administrator's dashboard: fleet, users without MFA or training, delivery channel health.", tags, response: { 200: AdminBody } } },
      async (request, reply) => {
        const summary = await deps.dashboards.admin(requestContext(request));
        reply.header('cache-control', 'no-store');
        return { ...summary, channels: [...summary.channels] };
      },
    );
  };
}
