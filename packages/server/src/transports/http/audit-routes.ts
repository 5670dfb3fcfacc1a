/**
 * HTTP routes of the audit log, for its reviewers (security officer, auditor, platform-admin).
 *
 *   GET /api/v1/audit/events?actor=&action=&targetType=&targetId=&outcome=&requestId=&from=&to=&cursor=&limit=
 *                                                    audit:read (audited: audit.events.read)
 *   GET /api/v1/audit/export                         audit:read (audited: audit.log.export), JSON lines
 *   GET /api/v1/audit/verification                   audit:read: the chain's verification state
 *
 * MUST: an organization's officer sees only their organization's events; an export for them
 *       redacts the others' (compliance/audit-log). Platform-admins see the whole log.
 * MUST: answers are not cached (Cache-Control: no-store); JSON answers go through allowlist schemas.
 */
import { Readable } from 'node:stream';
import Type from 'typebox';
import type { AuditLogService } from '../../compliance/index.js';
import type { HttpRoutes } from './http-server.js';
import { requestContext } from './route-permissions.js';

const closed = { additionalProperties: false } as const;
const Filter = Type.Optional(Type.String({ minLength: 1, maxLength: 200 }));
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Outcome = Type.Union([Type.Literal('success'), Type.Literal('failure'), Type.Literal('denied')]);

const EventsQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Actor id (user, device, service account, OS user).' })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Coded action, e.g. patients.record.read.' })),
    targetType: Filter,
    targetId: Filter,
    outcome: Type.Optional(Outcome),
    requestId: Filter,
    from: Type.Optional(Type.String({ format: 'date-time', maxLength: 40, description: 'Inclusive.' })),
    to: Type.Optional(Type.String({ format: 'date-time', maxLength: 40, description: 'Exclusive.' })),
    cursor: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,15}$', description: "The previous page's nextCursor." })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  closed,
);

const DetailValue = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);
const AuditEvent = Type.Object(
  {
    seq: Type.Integer(),
    eventId: Type.String(),
    time: Type.String(),
    actorKind: Type.String(),
    actorId: Type.String(),
    orgId: Nullable(Type.String()),
    action: Type.String(),
    targetType: Type.String(),
    targetId: Type.String(),
    outcome: Type.String(),
    reason: Nullable(Type.String()),
    requestId: Type.String(),
    source: Type.String(),
    details: Type.Record(Type.String(), DetailValue),
    prevHash: Type.String(),
    hash: Type.String(),
  },
  closed,
);
const EventsBody = Type.Object({ events: Type.Array(AuditEvent), nextCursor: Nullable(Type.String()) }, closed);

const VerificationBody = Type.Object(
  {
    ok: Type.Boolean(),
    verifiedAt: Type.String(),
    eventsVerified: Type.Integer(),
    checkpointsVerified: Type.Integer(),
    lastSeq: Type.Integer(),
    firstBadSeq: Nullable(Type.Integer()),
    problem: Nullable(Type.String()),
    message: Type.String(),
    unsignedTail: Nullable(Type.Object({ fromSeq: Type.Integer(), toSeq: Type.Integer() }, closed)),
  },
  closed,
);

export interface AuditRoutesDeps {
  readonly auditLog: AuditLogService;
}

export function auditRoutes(deps: AuditRoutesDeps): HttpRoutes {
  return async (app) => {
    const tags = ['audit'];
    app.get(
      '/api/v1/audit/events',
      {
        config: { permission: 'audit:read' },
        schema: {
          summary: "Search the audit log, newest first (an organization's officer: their organization's events). The search is itself audited.",
          tags,
          querystring: EventsQuery,
          response: { 200: EventsBody },
        },
      },
      async (request, reply) => {
        const page = await deps.auditLog.search(requestContext(request), request.query);
        reply.header('cache-control', 'no-store');
        return { events: [...page.events], nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/api/v1/audit/export',
      {
        config: { permission: 'audit:read' },
        schema: {
          summary:
            'Export the audit log as JSON lines (events, checkpoints, head) for `vigil audit verify --file`; for an organization, other events are redacted lines. Audited.',
          tags,
          produces: ['application/x-ndjson'],
        },
      },
      async (request, reply) => {
        const lines = await deps.auditLog.export(requestContext(request));
        return reply
          .header('cache-control', 'no-store')
          .header('content-type', 'application/x-ndjson; charset=utf-8')
          .header('content-disposition', 'attachment; filename="vigil-audit.jsonl"')
          .send(Readable.from(lines));
      },
    );

    app.get(
      '/api/v1/audit/verification',
      {
        config: { permission: 'audit:read' },
        schema: {
          summary: "The audit chain's verification state (hash chain, signed checkpoints, checkpoint coverage, witness), re-verified at most every 30 s.",
          tags,
          response: { 200: VerificationBody },
        },
      },
      async (request, reply) => {
        const state = await deps.auditLog.verification(requestContext(request));
        reply.header('cache-control', 'no-store');
        return {
          ok: state.ok,
          verifiedAt: state.verifiedAt,
          eventsVerified: state.eventsVerified,
          checkpointsVerified: state.checkpointsVerified,
          lastSeq: state.lastSeq,
          firstBadSeq: state.firstBadSeq ?? null,
          problem: state.problem ?? null,
          message: state.message,
          unsignedTail: state.unsignedTail ?? null,
        };
      },
    );
  };
}
