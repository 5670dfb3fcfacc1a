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
import {
  ALERT_SEVERITIES,
  SECURITY_ALERT_SORT,
  SECURITY_EVENT_SORT,
  type AlertSeverity,
  type SecurityAlert,
  type SecurityAlertService,
} from '../../alerts/index.js';
import type { SecuritySeverity } from '../../kernel/index.js';
import type { StoredSecurityEvent } from '../../patients/index.js';
import type { HttpRoutes } from './http-server.js';
import { listPageQuery, NextCursor } from './list-query.js';
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
    severity: Type.Optional(severityList(['info', 'low', 'medium', 'high', 'critical'])),
    ...listPageQuery(SECURITY_EVENT_SORT),
  },
  { additionalProperties: false },
);
const AlertQuery = Type.Object(
  { status: Type.Optional(Status), severity: Type.Optional(severityList(ALERT_SEVERITIES)), detector: Type.Optional(Code), ...listPageQuery(SECURITY_ALERT_SORT) },
  { additionalProperties: false },
);

function severityList(words: readonly string[]) {
  const one = `(${words.join('|')})`;
  return Type.String({ pattern: `^${one}(,${one}){0,${words.length - 1}}$`, description: 'One or more severities, comma-separated.' });
}
function severitiesOf<S extends string>(text: string | undefined): S[] | undefined {
  return text === undefined ? undefined : ([...new Set(text.split(','))] as S[]);
}

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
        schema: { summary: 'The security event stream, newest first, filtered by type, user, device, source and time.', tags, querystring: EventQuery, response: { 200: Type.Object({ events: Type.Array(EventBody), nextCursor: NextCursor }, { additionalProperties: false }) } },
      },
      async (request) => {
        const { type, userId, deviceId, source, from, to, severity, ...paging } = request.query;
        const page = await alerts.pageEvents(
          requestContext(request),
          {
            ...(type !== undefined ? { type } : {}),
            ...(userId !== undefined ? { userId } : {}),
            ...(deviceId !== undefined ? { deviceId } : {}),
            ...(source !== undefined ? { source } : {}),
            ...(from !== undefined ? { from: new Date(from).toISOString() } : {}),
            ...(to !== undefined ? { to: new Date(to).toISOString() } : {}),
            ...(severity !== undefined ? { severities: severitiesOf<SecuritySeverity>(severity) ?? [] } : {}),
          },
          paging,
        );
        return { events: page.items.map(eventBody), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/api/v1/security/alerts',
      {
        config: { permission: 'security:read' },
        schema: {
          summary: 'Security alerts, most recent first: filters, sort and cursor paging.',
          tags,
          querystring: AlertQuery,
          response: { 200: Type.Object({ alerts: Type.Array(AlertBody), nextCursor: NextCursor }, { additionalProperties: false }) },
        },
      },
      async (request) => {
        const { status, severity, detector, ...paging } = request.query;
        const page = await alerts.pageAlerts(requestContext(request), { status, severities: severitiesOf<AlertSeverity>(severity), detector }, paging);
        return { alerts: page.items.map(alertBody), nextCursor: page.nextCursor };
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
