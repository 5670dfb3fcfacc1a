/**
 * The security monitoring API (issue 6): the security event stream and security alerts.
 *
 * MUST: every route declares security:read or security:manage; the service re-checks the alert's
 *       organization (another tenant's alert answers 404).
 * MUST: responses are allowlists (additionalProperties: false); events carry ids, coded reasons
 *       and small details only (never PHI: kernel/security-event.ts).
 * MUST: suppress reasons are coded; notes are bounded printable text.
 */
import Type from 'typebox';
import type { SecurityAlert, SecurityAlertService } from '../../alerts/index.js';
import type { StoredSecurityEvent } from '../../patients/index.js';
import type { HttpRoutes } from './http-server.js';
import { requestContext } from './route-permissions.js';

export interface SecurityRoutesDeps {
  readonly alerts: SecurityAlertService;
}

const tags = ['security'];
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Id = Type.String({ format: 'uuid', maxLength: 36 });
const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
const Iso = Type.String({ format: 'date-time', maxLength: 40 });
const Code = Type.String({ pattern: '^[a-z][a-z0-9_.:-]{0,63}$' });
const Severity = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')]);
const Status = Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved'), Type.Literal('suppressed')]);
const Detail = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

const EventBody = Type.Object(
  {
    id: Type.String(),
    time: Type.String(),
    type: Type.String(),
    severity: Type.String(),
    reason: Type.String(),
    orgId: Nullable(Type.String()),
    userId: Nullable(Type.String()),
    deviceId: Nullable(Type.String()),
    patientId: Nullable(Type.String()),
    source: Nullable(Type.String()),
    requestId: Nullable(Type.String()),
    details: Type.Record(Type.String(), Detail),
  },
  { additionalProperties: false },
);

const AlertBody = Type.Object(
  {
    id: Type.String(),
    orgId: Nullable(Type.String()),
    detector: Type.String(),
    severity: Severity,
    title: Type.String(),
    summary: Type.String(),
    subject: Type.Object({ kind: Type.String(), id: Type.String() }, { additionalProperties: false }),
    count: Type.Integer(),
    firstSeenAt: Type.String(),
    lastSeenAt: Type.String(),
    status: Status,
    assignee: Nullable(Type.String()),
    suppressedReason: Nullable(Type.String()),
    notes: Type.Array(Type.Object({ at: Type.String(), by: Type.String(), text: Type.String() }, { additionalProperties: false })),
    evidence: Type.Object({ securityEventIds: Type.Array(Type.String()), auditSeqs: Type.Array(Type.Integer()) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

const EventQuery = Type.Object(
  {
    type: Type.Optional(Code),
    userId: Type.Optional(Id),
    deviceId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' })),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    from: Type.Optional(Iso),
    to: Type.Optional(Iso),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
const AlertQuery = Type.Object(
  { status: Type.Optional(Status), severity: Type.Optional(Severity), detector: Type.Optional(Code), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
  { additionalProperties: false },
);

function eventBody(e: StoredSecurityEvent) {
  return {
    id: e.id,
    time: e.time,
    type: e.type,
    severity: e.severity,
    reason: e.reason,
    orgId: e.orgId ?? null,
    userId: e.userId ?? null,
    deviceId: e.deviceId ?? null,
    patientId: e.patientId ?? null,
    source: e.source ?? null,
    requestId: e.requestId ?? null,
    details: { ...e.details },
  };
}

function alertBody(a: SecurityAlert) {
  return { ...a, subject: { ...a.subject }, notes: [...a.notes], evidence: { securityEventIds: [...a.evidence.securityEventIds], auditSeqs: [...a.evidence.auditSeqs] } };
}

export function securityRoutes(deps: SecurityRoutesDeps): HttpRoutes {
  const { alerts } = deps;
  return async (app) => {
    app.get(
      '/api/v1/security/events',
      {
        config: { permission: 'security:read' },
        schema: { summary: 'The security event stream, newest first, filtered by type, user, device, source and time.', tags, querystring: EventQuery, response: { 200: Type.Object({ events: Type.Array(EventBody) }, { additionalProperties: false }) } },
      },
      async (request) => {
        const q = request.query;
        const events = await alerts.events(requestContext(request), {
          ...(q.type !== undefined ? { type: q.type } : {}),
          ...(q.userId !== undefined ? { userId: q.userId } : {}),
          ...(q.deviceId !== undefined ? { deviceId: q.deviceId } : {}),
          ...(q.source !== undefined ? { source: q.source } : {}),
          ...(q.from !== undefined ? { from: new Date(q.from).toISOString() } : {}),
          ...(q.to !== undefined ? { to: new Date(q.to).toISOString() } : {}),
          limit: q.limit ?? 100,
        });
        return { events: events.map(eventBody) };
      },
    );

    app.get(
      '/api/v1/security/alerts',
      {
        config: { permission: 'security:read' },
        schema: { summary: 'Security alerts, most recent first.', tags, querystring: AlertQuery, response: { 200: Type.Object({ alerts: Type.Array(AlertBody) }, { additionalProperties: false }) } },
      },
      async (request) => {
        const q = request.query;
        const list = await alerts.list(requestContext(request), {
          ...(q.status !== undefined ? { status: q.status } : {}),
          ...(q.severity !== undefined ? { severity: q.severity } : {}),
          ...(q.detector !== undefined ? { detector: q.detector } : {}),
          ...(q.limit !== undefined ? { limit: q.limit } : {}),
        });
        return { alerts: list.map(alertBody) };
      },
    );

    app.get(
      '/api/v1/security/alerts/:id',
      { config: { permission: 'security:read' }, schema: { summary: 'One security alert with its evidence.', tags, params: IdParams, response: { 200: AlertBody } } },
      async (request) => alertBody(await alerts.get(requestContext(request), request.params.id)),
    );

    const action = (path: string, summary: string, run: (id: string, ctx: ReturnType<typeof requestContext>) => Promise<SecurityAlert>) =>
      app.post(
        `/api/v1/security/alerts/:id/${path}`,
        { config: { permission: 'security:manage' }, schema: { summary, tags, params: IdParams, response: { 200: AlertBody } } },
        async (request) => alertBody(await run(request.params.id, requestContext(request))),
      );
    action('acknowledge', 'Acknowledge an open alert.', (id, ctx) => alerts.acknowledge(ctx, id));
    action('resolve', 'Resolve an alert.', (id, ctx) => alerts.resolve(ctx, id));

    app.post(
      '/api/v1/security/alerts/:id/suppress',
      {
        config: { permission: 'security:manage' },
        schema: { summary: 'Suppress an alert, with a coded reason (e.g. false-positive, known-maintenance).', tags, params: IdParams, body: Type.Object({ reason: Code }, { additionalProperties: false }), response: { 200: AlertBody } },
      },
      async (request) => alertBody(await alerts.suppress(requestContext(request), request.params.id, request.body.reason)),
    );
    app.post(
      '/api/v1/security/alerts/:id/assign',
      {
        config: { permission: 'security:manage' },
        schema: { summary: 'Assign an alert to a user of its organization.', tags, params: IdParams, body: Type.Object({ userId: Id }, { additionalProperties: false }), response: { 200: AlertBody } },
      },
      async (request) => alertBody(await alerts.assign(requestContext(request), request.params.id, request.body.userId)),
    );
    app.post(
      '/api/v1/security/alerts/:id/notes',
      {
        config: { permission: 'security:manage' },
        schema: {
          summary: 'Add a note to an alert.',
          tags,
          params: IdParams,
          body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 2000, pattern: '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]+$' }) }, { additionalProperties: false }),
          response: { 200: AlertBody },
        },
      },
      async (request) => alertBody(await alerts.addNote(requestContext(request), request.params.id, request.body.text)),
    );
  };
}
