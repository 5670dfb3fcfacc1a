/**
 * HTTP routes of clinical alerts and the live streams (Server-Sent Events).
 *
 *   GET  /api/v1/alert-rules?patientId=                alert-rules:read        -> {rules}
 *   POST /api/v1/alert-rules                           alert-rules:write       -> AlertRule (201)
 *   PUT  /api/v1/alert-rules/:id                       alert-rules:write       -> AlertRule
 *   GET  /api/v1/clinical-alerts?status=&patientId=&severity=
 *                                                      clinical-alerts:read    -> {alerts, openOutsideCare} (PHI rule, audited;
 *                                                                                 patient and user names, labels audited)
 *                                                      (&sort=&cursor=&limit=: paged, nextCursor)
 *   POST /api/v1/clinical-alerts/acknowledge           clinical-alerts:manage  -> {results} (bulk: each alert on its own, audited)
 *   POST /api/v1/clinical-alerts/:id/acknowledge       clinical-alerts:manage  -> ClinicalAlert
 *   POST /api/v1/clinical-alerts/:id/resolve           clinical-alerts:manage  -> ClinicalAlert
 *   GET  /api/v1/ward                                  vitals:read             -> the ward board: patients in care, latest vitals,
 *                                                                                 30-minute trends, open alerts (PHI rule per patient, audited)
 *   GET  /api/v1/clinical-alerts/stream?vitals=        clinical-alerts:read    SSE `event: alert` (and `event: vital` of the
 *                                                                                 patients in care with vitals=true, audited at open)
 *   GET  /api/v1/patients/:id/vitals/stream            vitals:read             SSE `event: vital` and `event: alert`
 *
 * MUST: a stream is authorized (and audited) when it opens, carries only events of the patients
 *       it was authorized for, and ends after MAX_STREAM_MS so that the client reconnects and is
 *       authorized again (a revoked session or an expired break-glass grant stops within that time).
 * MUST: response schemas are allowlists; stream payloads are built field by field.
 */
import Type from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ALERT_SORT,
  MAX_BULK_ACKNOWLEDGE,
  type AlertRule,
  type ClinicalAlert,
  type ClinicalAlertService,
  type ClinicalEventBus,
  type ClinicalLiveEvent,
  type ClinicalSeverity,
} from '../../alerts/index.js';
import type { PatientLabels } from '../../patients/index.js';
import { BOARD_MINUTES, type VitalsService } from '../../telemetry/index.js';
import type { HttpRoutes } from './http-server.js';
import { listPageQuery, NextCursor } from './list-query.js';
import { requestContext } from './route-permissions.js';

export interface ClinicalAlertRoutesDeps {
  readonly alerts: ClinicalAlertService;
  readonly vitals: VitalsService;
  readonly bus: ClinicalEventBus;
  /** Patient and user names for the lists (absent: ids only). */
  readonly labels?: PatientLabels;
  /** Longest life of one stream (default 5 minutes). */
  readonly maxStreamMs?: number;
  readonly heartbeatMs?: number;
}

export const MAX_STREAM_MS = 5 * 60_000;

const Id = Type.String({ format: 'uuid', maxLength: 36 });
const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
const Comparison = Type.Union([Type.Literal('lt'), Type.Literal('le'), Type.Literal('gt'), Type.Literal('ge')]);
const Severity = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]);
const Status = Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')]);
const Nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);

const RuleBody = Type.Object(
  {
    patientId: Type.Optional(Nullable(Id)),
    metric: Type.String({ pattern: '^[0-9]{1,7}-[0-9]$', maxLength: 10 }),
    comparison: Comparison,
    value: Type.Number(),
    durationSeconds: Type.Integer({ minimum: 0, maximum: 86_400 }),
    severity: Severity,
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const Rule = Type.Object(
  {
    id: Type.String(),
    orgId: Type.String(),
    patientId: Nullable(Type.String()),
    metric: Type.String(),
    comparison: Comparison,
    value: Type.Number(),
    durationSeconds: Type.Integer(),
    severity: Severity,
    enabled: Type.Boolean(),
  },
  { additionalProperties: false },
);
const RuleList = Type.Object({ rules: Type.Array(Rule) }, { additionalProperties: false });
const RuleQuery = Type.Object({ patientId: Type.Optional(Id) }, { additionalProperties: false });

const Alert = Type.Object(
  {
    id: Type.String(),
    patientId: Type.String(),
    ruleId: Type.String(),
    metric: Type.String(),
    comparison: Comparison,
    threshold: Type.Number(),
    value: Type.Number(),
    severity: Severity,
    status: Status,
    openedAt: Type.String(),
    acknowledgedAt: Nullable(Type.String()),
    acknowledgedBy: Nullable(Type.String()),
    resolvedAt: Nullable(Type.String()),
    resolvedBy: Nullable(Type.String()),
    patientName: Type.Optional(Type.String({ description: 'PHI: the patient’s display name (the list is under the PHI rule; audited).' })),
    patientMrn: Type.Optional(Type.String()),
    acknowledgedByName: Type.Optional(Type.String()),
    resolvedByName: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const AlertList = Type.Object(
  { alerts: Type.Array(Alert), nextCursor: NextCursor, openOutsideCare: Type.Integer({ description: 'Open alerts of patients outside the caller’s care (a count only).' }) },
  { additionalProperties: false },
);
const StreamQuery = Type.Object({ vitals: Type.Optional(Type.Boolean({ description: 'Also the `vital` readings of the patients in care (the ward board).' })) }, { additionalProperties: false });
const BoardBody = Type.Object(
  {
    generatedAt: Type.String(),
    minutes: Type.Integer(),
    patients: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          displayName: Type.Union([Type.String(), Type.Null()]),
          mrn: Type.Union([Type.String(), Type.Null()]),
          basis: Type.Union([Type.Literal('care-team'), Type.Literal('break-glass')]),
          openAlerts: Type.Integer(),
          highestSeverity: Type.Union([Severity, Type.Null()]),
          vitals: Type.Array(
            Type.Object(
              {
                metric: Type.String(),
                unit: Type.String(),
                latest: Type.Union([Type.Object({ v: Type.Number(), t: Type.String(), deviceId: Type.String() }, { additionalProperties: false }), Type.Null()]),
                trend: Type.Array(Type.Object({ t: Type.String(), v: Type.Number() }, { additionalProperties: false })),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
const AlertQuery = Type.Object(
  {
    status: Type.Optional(Status),
    patientId: Type.Optional(Id),
    severity: Type.Optional(Type.String({ pattern: '^(low|medium|high)(,(low|medium|high)){0,2}$', description: 'One or more severities, comma-separated.' })),
    ...listPageQuery(ALERT_SORT),
  },
  { additionalProperties: false },
);
const BulkAcknowledgeBody = Type.Object({ ids: Type.Array(Id, { minItems: 1, maxItems: MAX_BULK_ACKNOWLEDGE }) }, { additionalProperties: false });
const BulkAcknowledgeAnswer = Type.Object(
  {
    results: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          outcome: Type.Union([Type.Literal('acknowledged'), Type.Literal('not-found'), Type.Literal('conflict')], { description: 'conflict: not open any more.' }),
          alert: Type.Union([Alert, Type.Null()]),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export function ruleBody(r: AlertRule) {
  return {
    id: r.id,
    orgId: r.orgId,
    patientId: r.patientId,
    metric: r.metric,
    comparison: r.comparison,
    value: r.value,
    durationSeconds: r.durationSeconds,
    severity: r.severity,
    enabled: r.enabled,
  };
}

export function alertBody(a: ClinicalAlert) {
  return {
    id: a.id,
    patientId: a.patientId,
    ruleId: a.ruleId,
    metric: a.metric,
    comparison: a.comparison,
    threshold: a.threshold,
    value: a.value,
    severity: a.severity,
    status: a.status,
    openedAt: a.openedAt,
    acknowledgedAt: a.acknowledgedAt,
    acknowledgedBy: a.acknowledgedBy,
    resolvedAt: a.resolvedAt,
    resolvedBy: a.resolvedBy,
  };
}

/** Alert bodies with the names the caller may see (patients under the PHI rule, audited). */
async function namedAlerts(deps: ClinicalAlertRoutesDeps, ctx: ReturnType<typeof requestContext>, alerts: readonly ClinicalAlert[]) {
  if (deps.labels === undefined) return alerts.map(alertBody);
  const [patients, users] = await Promise.all([
    deps.labels.labels(ctx, alerts.map((a) => a.patientId), { permission: 'clinical-alerts:read', purpose: 'clinical-alerts', careOnly: true }),
    deps.labels.userNames(ctx, alerts.flatMap((a) => [a.acknowledgedBy, a.resolvedBy].filter((id): id is string => id !== null))),
  ]);
  return alerts.map((a) => {
    const patient = patients.get(a.patientId);
    const ackName = a.acknowledgedBy === null ? undefined : users.get(a.acknowledgedBy);
    const resolvedName = a.resolvedBy === null ? undefined : users.get(a.resolvedBy);
    return {
      ...alertBody(a),
      ...(patient !== undefined ? { patientName: patient.displayName, patientMrn: patient.mrn } : {}),
      ...(ackName !== undefined ? { acknowledgedByName: ackName } : {}),
      ...(resolvedName !== undefined ? { resolvedByName: resolvedName } : {}),
    };
  });
}

/** Serializes one live event as an SSE frame (event name + one data line of JSON). */
export function sseFrame(event: ClinicalLiveEvent): string {
  if (event.kind === 'vital') {
    const v = event.vital;
    const data = { patientId: event.patientId, metric: v.metric, value: v.value, unit: v.unit, measuredAt: v.measuredAt, deviceId: v.deviceId };
    return `event: vital\ndata: ${JSON.stringify(data)}\n\n`;
  }
  return `event: alert\ndata: ${JSON.stringify(alertBody(event.alert))}\n\n`;
}

function openStream(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: ClinicalAlertRoutesDeps,
  orgId: string,
  accept: (event: ClinicalLiveEvent) => boolean,
): void {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-request-id': request.id,
    connection: 'keep-alive',
  });
  // retry: how long the browser waits before reconnecting after the server ends the stream.
  raw.write(`retry: 2000\n: stream open\n\n`);
  const unsubscribe = deps.bus.subscribe(orgId, (event) => {
    if (accept(event)) raw.write(sseFrame(event));
  });
  const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), deps.heartbeatMs ?? 15_000);
  const lifetime = setTimeout(() => raw.end(), deps.maxStreamMs ?? MAX_STREAM_MS);
  const stop = () => {
    unsubscribe();
    clearInterval(heartbeat);
    clearTimeout(lifetime);
  };
  raw.on('close', stop);
  raw.on('error', stop);
}

export function clinicalAlertRoutes(deps: ClinicalAlertRoutesDeps): HttpRoutes {
  return async (app) => {
    const tags = ['clinical'];
    app.get(
      '/api/v1/alert-rules',
      { config: { permission: 'alert-rules:read' }, schema: { summary: 'Clinical alert rules: the organization and, with patientId, that patient.', tags, querystring: RuleQuery, response: { 200: RuleList } } },
      async (request) => ({ rules: (await deps.alerts.listRules(requestContext(request), request.query.patientId)).map(ruleBody) }),
    );

    app.post(
      '/api/v1/alert-rules',
      { config: { permission: 'alert-rules:write' }, schema: { summary: 'Create a clinical alert rule.', tags, body: RuleBody, response: { 201: Rule } } },
      async (request, reply) => {
        const b = request.body;
        const rule = await deps.alerts.createRule(requestContext(request), { ...b, patientId: b.patientId ?? null, ...(b.enabled !== undefined ? { enabled: b.enabled } : {}) });
        return reply.code(201).send(ruleBody(rule));
      },
    );

    app.put(
      '/api/v1/alert-rules/:id',
      { config: { permission: 'alert-rules:write' }, schema: { summary: 'Replace a clinical alert rule.', tags, params: IdParams, body: RuleBody, response: { 200: Rule } } },
      async (request) => {
        const b = request.body;
        return ruleBody(await deps.alerts.updateRule(requestContext(request), request.params.id, { ...b, patientId: b.patientId ?? null, ...(b.enabled !== undefined ? { enabled: b.enabled } : {}) }));
      },
    );

    app.get(
      '/api/v1/clinical-alerts',
      { config: { permission: 'clinical-alerts:read' }, schema: { summary: 'Clinical alerts of the patients the caller may see (audited).', tags, querystring: AlertQuery, response: { 200: AlertList } } },
      async (request) => {
        const { status, patientId, severity, ...paging } = request.query;
        const ctx = requestContext(request);
        const severities = severity === undefined ? undefined : ([...new Set(severity.split(','))] as ClinicalSeverity[]);
        const page = await deps.alerts.pageAlerts(ctx, { status, patientId, severities }, paging);
        const summary = await deps.alerts.openSummary(ctx);
        return { alerts: await namedAlerts(deps, ctx, page.items), nextCursor: page.nextCursor, openOutsideCare: summary.outsideCare };
      },
    );

    app.post(
      '/api/v1/clinical-alerts/acknowledge',
      {
        config: { permission: 'clinical-alerts:manage' },
        schema: {
          summary: 'Acknowledge several open clinical alerts: each under the PHI rule, in its own transaction, audited per alert; one outcome per alert.',
          tags,
          body: BulkAcknowledgeBody,
          response: { 200: BulkAcknowledgeAnswer },
        },
      },
      async (request) => {
        const ctx = requestContext(request);
        const results = await deps.alerts.acknowledgeMany(ctx, request.body.ids);
        const named = await namedAlerts(deps, ctx, results.flatMap((r) => (r.alert === null ? [] : [r.alert])));
        const byId = new Map(named.map((a) => [a.id, a]));
        return { results: results.map((r) => ({ id: r.id, outcome: r.outcome, alert: byId.get(r.id) ?? null })) };
      },
    );

    app.post(
      '/api/v1/clinical-alerts/:id/acknowledge',
      { config: { permission: 'clinical-alerts:manage' }, schema: { summary: 'Acknowledge an open clinical alert.', tags, params: IdParams, response: { 200: Alert } } },
      async (request) => {
        const ctx = requestContext(request);
        return (await namedAlerts(deps, ctx, [await deps.alerts.acknowledge(ctx, request.params.id)]))[0];
      },
    );

    app.post(
      '/api/v1/clinical-alerts/:id/resolve',
      { config: { permission: 'clinical-alerts:manage' }, schema: { summary: 'Resolve a clinical alert.', tags, params: IdParams, response: { 200: Alert } } },
      async (request) => {
        const ctx = requestContext(request);
        return (await namedAlerts(deps, ctx, [await deps.alerts.resolve(ctx, request.params.id)]))[0];
      },
    );

    app.get(
      '/api/v1/ward',
      { config: { permission: 'vitals:read' }, schema: { summary: 'The ward board: patients in care, latest vitals, 30-minute trends, open alerts (PHI rule per patient, audited).', tags, response: { 200: BoardBody } } },
      async (request) => {
        const ctx = requestContext(request);
        const { patientIds } = await deps.alerts.readablePatients(ctx);
        const [board, summary, labels] = await Promise.all([
          deps.vitals.board(ctx, [...patientIds]),
          deps.alerts.openSummary(ctx),
          deps.labels === undefined ? Promise.resolve(new Map<string, { displayName: string; mrn: string }>()) : deps.labels.labels(ctx, [...patientIds], { permission: 'vitals:read', purpose: 'ward-board', careOnly: true }),
        ]);
        return {
          generatedAt: new Date().toISOString(),
          minutes: BOARD_MINUTES,
          patients: board.map((b) => {
            const open = summary.perPatient.get(b.patientId);
            const label = labels.get(b.patientId);
            return {
              id: b.patientId,
              displayName: label?.displayName ?? null,
              mrn: label?.mrn ?? null,
              basis: b.basis,
              openAlerts: open?.count ?? 0,
              highestSeverity: open?.highest ?? null,
              vitals: b.vitals.map((v) => ({ metric: v.metric, unit: v.unit, latest: v.latest, trend: [...v.trend] })),
            };
          }),
        };
      },
    );

    app.get(
      '/api/v1/clinical-alerts/stream',
      { config: { permission: 'clinical-alerts:read' }, schema: { summary: 'Server-Sent Events: `alert` for the patients the caller may see; with vitals=true also their `vital` readings.', tags, querystring: StreamQuery } },
      async (request, reply) => {
        const ctx = requestContext(request);
        const { orgId, patientIds } = await deps.alerts.readablePatients(ctx);
        const vitalsOf = new Set<string>();
        if (request.query.vitals === true) {
          // Vitals are PHI: each patient's vitals are authorized and audited like their own stream.
          for (const patientId of patientIds) {
            try {
              await deps.vitals.authorizeStream(ctx, patientId);
              vitalsOf.add(patientId);
            } catch {
              // Not readable now (training lapsed, grant ended): alerts only, as without vitals.
            }
          }
        }
        openStream(request, reply, deps, orgId, (e) => (e.kind === 'alert' ? patientIds.has(e.patientId) : vitalsOf.has(e.patientId)));
      },
    );

    app.get(
      '/api/v1/patients/:id/vitals/stream',
      { config: { permission: 'vitals:read' }, schema: { summary: "Server-Sent Events: the patient's `vital` readings and `alert` changes (PHI rule, audited at open).", tags, params: IdParams } },
      async (request, reply) => {
        const grant = await deps.vitals.authorizeStream(requestContext(request), request.params.id);
        openStream(request, reply, deps, grant.orgId, (e) => e.patientId === grant.patientId);
      },
    );
  };
}
