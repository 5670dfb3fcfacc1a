/**
 * HTTP routes of backups and disaster recovery (the console's "Backups & recovery" page).
 *
 *   GET  /api/v1/backups   backups:read    backups, verifications, drills (RTO/RPO), next runs; the view is audited
 *   POST /api/v1/backups   backups:manage  take a backup now (to the configured targets); audited
 *
 * MUST: installation-wide and for platform admins only (backups hold every tenant); answers are
 *       allowlisted and carry no PHI, only ids, targets, sizes, times and outcomes; not cached.
 */
import Type from 'typebox';
import type { BackupOverview } from '../../backup/index.js';
import type { RequestContext } from '../../kernel/index.js';
import type { HttpRoutes } from './http-server.js';
import { requestContext } from './route-permissions.js';

const closed = { additionalProperties: false } as const;
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Outcome = Type.Union([Type.Literal('success'), Type.Literal('failure')]);
const Objective = Type.Object({ rtoMinutes: Type.Integer(), rpoMinutes: Type.Integer() }, closed);

const OverviewBody = Type.Object(
  {
    configured: Type.Boolean(),
    backups: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          target: Type.String(),
          engine: Type.String(),
          startedAt: Type.String(),
          createdAt: Type.String(),
          durationMs: Type.Integer(),
          bytes: Type.Integer(),
          auditHeadSeq: Type.Integer(),
          verification: Nullable(Type.Object({ outcome: Outcome, at: Type.String(), detail: Type.String() }, closed)),
        },
        closed,
      ),
    ),
    drills: Type.Array(
      Type.Object({ at: Type.String(), backupId: Nullable(Type.String()), outcome: Outcome, rtoMs: Nullable(Type.Integer()), rpoMs: Nullable(Type.Integer()), report: Nullable(Type.String()) }, closed),
    ),
    failures: Type.Array(Type.Object({ at: Type.String(), kind: Type.String(), target: Type.String(), detail: Type.String() }, closed)),
    nextRuns: Type.Array(Type.Object({ job: Type.String(), at: Nullable(Type.String()) }, closed)),
    objectives: Type.Record(Type.String(), Objective),
  },
  closed,
);

const CreatedBody = Type.Object(
  { id: Type.String(), outcomes: Type.Array(Type.Object({ target: Type.String(), ok: Type.Boolean(), bytes: Type.Integer(), error: Type.Optional(Type.String()) }, closed)) },
  closed,
);

export interface BackupConsole {
  overview(ctx: RequestContext): Promise<BackupOverview>;
  createNow(ctx: RequestContext): Promise<{ id: string; outcomes: Array<{ target: string; ok: boolean; bytes: number; error?: string }> }>;
}

export function backupRoutes(deps: { readonly backups: BackupConsole }): HttpRoutes {
  return async (app) => {
    const tags = ['backups'];
    app.get(
      '/api/v1/backups',
      { config: { permission: 'backups:read' }, schema: { summary: 'Backups, verifications, DR drills (RTO/RPO) and next runs; the view is audited.', tags, response: { 200: OverviewBody } } },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        return deps.backups.overview(requestContext(request));
      },
    );
    app.post(
      '/api/v1/backups',
      { config: { permission: 'backups:manage' }, schema: { summary: 'Take a backup now, to the configured targets.', tags, response: { 200: CreatedBody } } },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        return deps.backups.createNow(requestContext(request));
      },
    );
  };
}
