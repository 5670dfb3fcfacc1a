/**
 * HTTP routes of backups and disaster recovery (the console's "Backups & recovery" page).
 *
 *   GET  /api/v1/backups   backups:read    backups, verifications, drills (RTO/RPO), next runs; the view is audited
 *   POST /api/v1/backups        backups:manage  start a backup now (a background job, 202); audited
 *   POST /api/v1/backups/drill  backups:manage  start a DR drill now (a background job, 202); audited
 *   GET  /api/v1/backups/job    backups:read    the running (or last) job: progress and result; no PHI,
 *                                               so the page's polling is not audited as a view
 *
 * MUST: installation-wide and for platform admins only (backups hold every tenant); answers are
 *       allowlisted and carry no PHI, only ids, targets, sizes, times and outcomes; not cached.
 */
import Type from 'typebox';
import type { BackupOverview, ConsoleJob, ConsoleJobKind } from '../../backup/index.js';
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

const JobBody = Type.Object(
  {
    id: Type.String(),
    kind: Type.Union([Type.Literal('backup'), Type.Literal('drill')]),
    state: Type.Union([Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed')]),
    startedAt: Type.String(),
    finishedAt: Nullable(Type.String()),
    progress: Nullable(Type.Object({ done: Type.Integer(), total: Type.Integer() }, closed)),
    result: Nullable(
      Type.Object(
        {
          backupId: Nullable(Type.String()),
          ok: Type.Boolean(),
          outcomes: Type.Array(Type.Object({ target: Type.String(), ok: Type.Boolean(), bytes: Type.Integer(), error: Type.Optional(Type.String()) }, closed)),
          rtoMs: Nullable(Type.Integer()),
          rpoMs: Nullable(Type.Integer()),
        },
        closed,
      ),
    ),
    error: Nullable(Type.String()),
  },
  closed,
);
const CurrentJobBody = Type.Object({ job: Nullable(JobBody) }, closed);

export interface BackupConsole {
  overview(ctx: RequestContext): Promise<BackupOverview>;
  /** Starts a backup or drill job; BACKUP_NOT_CONFIGURED, BACKUP_JOB_RUNNING. */
  startJob(ctx: RequestContext, kind: ConsoleJobKind): Promise<ConsoleJob>;
  /** The running or last job, null before the first. */
  job(): Promise<ConsoleJob | null>;
  /** Resolves when the running job has finished (tests, shutdown). */
  settled(): Promise<void>;
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
      { config: { permission: 'backups:manage' }, schema: { summary: 'Start a backup now, to the configured targets (a background job; poll GET /api/v1/backups/job).', tags, response: { 202: JobBody } } },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        return reply.code(202).send(await deps.backups.startJob(requestContext(request), 'backup'));
      },
    );
    app.post(
      '/api/v1/backups/drill',
      { config: { permission: 'backups:manage' }, schema: { summary: 'Start a DR drill of the newest backup now (a background job; poll GET /api/v1/backups/job).', tags, response: { 202: JobBody } } },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        return reply.code(202).send(await deps.backups.startJob(requestContext(request), 'drill'));
      },
    );
    app.get(
      '/api/v1/backups/job',
      { config: { permission: 'backups:read' }, schema: { summary: 'The running (or last) backup or drill job started from the console: progress and result.', tags, response: { 200: CurrentJobBody } } },
      async (_request, reply) => {
        reply.header('cache-control', 'no-store');
        return { job: await deps.backups.job() };
      },
    );
  };
}
