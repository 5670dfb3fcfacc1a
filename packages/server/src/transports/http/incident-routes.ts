/**
 * The incident response API (issue 15) under /api/v1/incidents, plus the organization's incident
 * settings and playbooks.
 *
 * MUST: every route declares incidents:read or incidents:manage; the service re-checks the
 *       incident's organization (another tenant's incident answers 404).
 * MUST: responses are allowlists (additionalProperties: false); sealed notes never leave here
 *       (the body carries only whether notes exist).
 */
import Type from 'typebox';
import { PlaybookSchema, type IncidentSettings, type ContainmentAction, type ContainmentService, type Incident, type IncidentService, type IncidentTimeline } from '../../incidents/index.js';
import { AppError } from '../../kernel/index.js';
import type { HttpRoutes } from './http-server.js';
import { requestContext } from './route-permissions.js';

export interface IncidentRoutesDeps {
  readonly incidents: IncidentService;
  /** Containment; undefined answers INCIDENT_ACTION_UNAVAILABLE. */
  readonly containment: () => ContainmentService | undefined;
}

const tags = ['incidents'];
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Id = Type.String({ format: 'uuid', maxLength: 36 });
const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
const Iso = Type.String({ format: 'date-time', maxLength: 40 });
const Status = Type.Union([Type.Literal('triage'), Type.Literal('contained'), Type.Literal('eradicated'), Type.Literal('recovered'), Type.Literal('closed')]);
const Severity = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')]);
const IncidentTypeSchema = Type.Union([Type.Literal('device-compromise'), Type.Literal('malware-in-firmware'), Type.Literal('credential-compromise'), Type.Literal('phi-breach'), Type.Literal('ransomware-data-loss'), Type.Literal('availability')]);
const DeviceId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' });
const Address = Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$' });
const Text = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001F\\u007F]+$' });

const Seeds = Type.Object(
  { deviceIds: Type.Array(DeviceId, { maxItems: 100 }), userIds: Type.Array(Id, { maxItems: 100 }), sources: Type.Array(Address, { maxItems: 100 }) },
  { additionalProperties: false },
);
const Step = Type.Object(
  { id: Type.String(), title: Type.String(), ownerRole: Type.String(), dueAt: Type.String(), actions: Type.Array(Type.String()), doneAt: Nullable(Type.String()), doneBy: Nullable(Type.String()) },
  { additionalProperties: false },
);
const IncidentBody = Type.Object(
  {
    id: Type.String(),
    orgId: Type.String(),
    title: Type.String(),
    type: IncidentTypeSchema,
    severity: Severity,
    status: Status,
    origin: Type.String(),
    commanderId: Nullable(Type.String()),
    responderIds: Type.Array(Type.String()),
    alertIds: Type.Array(Type.String()),
    seeds: Seeds,
    discoveredAt: Type.String(),
    openedAt: Type.String(),
    updatedAt: Type.String(),
    closedAt: Nullable(Type.String()),
    playbook: Type.Object({ id: Type.String(), version: Type.Integer() }, { additionalProperties: false }),
    checklist: Type.Array(Step),
    hasNotes: Type.Boolean(),
  },
  { additionalProperties: false },
);
const Entry = Type.Object(
  {
    time: Type.String(),
    source: Type.String(),
    kind: Type.String(),
    outcome: Nullable(Type.String()),
    ref: Type.String(),
    userId: Nullable(Type.String()),
    deviceId: Nullable(Type.String()),
    patientId: Nullable(Type.String()),
    address: Nullable(Type.String()),
  },
  { additionalProperties: false },
);
const Link = Type.Object({ kind: Type.String(), time: Type.String(), subject: Type.String(), evidence: Type.Array(Type.String()) }, { additionalProperties: false });
const Item = Type.Object({ id: Type.String(), why: Type.Array(Type.String()), evidence: Type.Array(Type.String()) }, { additionalProperties: false });
const TimelineBody = Type.Object(
  {
    from: Type.String(),
    to: Type.String(),
    truncated: Type.Boolean(),
    entries: Type.Array(Entry),
    pointOfFailure: Type.Object({ earliest: Nullable(Link), chain: Type.Array(Link) }, { additionalProperties: false }),
    blastRadius: Type.Object({ devices: Type.Array(Item), users: Type.Array(Item), patients: Type.Array(Item), organizations: Type.Array(Item) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
const SettingsBody = Type.Object(
  {
    autoOpenDetectors: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9-]{0,47}$' }), { maxItems: 50 }),
    autoOpenMinSeverity: Type.Union([Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')]),
    joinWindowHours: Type.Integer({ minimum: 0, maximum: 24 * 30 }),
    businessAssociate: Type.Optional(Type.Boolean()),
    holidays: Type.Optional(Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), { maxItems: 400 })),
    careContinuityHours: Type.Optional(Type.Number({ minimum: 0, maximum: 24 * 30 })),
    /** IANA time zone of the clocks' calendar rules (working days, calendar days, year end); default UTC. */
    timeZone: Type.Optional(Type.String({ minLength: 3, maxLength: 64 })),
    customClocks: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Type.String({ pattern: '^[a-z][a-z0-9-]{0,47}$' }),
            recipient: Type.String({ minLength: 1, maxLength: 200 }),
            hours: Type.Optional(Type.Number({ minimum: 1, maximum: 24 * 366 })),
            workingDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })),
            months: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 20 },
      ),
    ),
  },
  { additionalProperties: false },
);
const OpenBody = Type.Object(
  {
    title: Text,
    type: Type.Optional(IncidentTypeSchema),
    severity: Type.Optional(Severity),
    discoveredAt: Type.Optional(Iso),
    playbookId: Type.Optional(Type.String({ minLength: 1, maxLength: 48 })),
    commanderId: Type.Optional(Id),
    responderIds: Type.Optional(Type.Array(Id, { maxItems: 50 })),
    alertIds: Type.Optional(Type.Array(Id, { maxItems: 100 })),
    seeds: Type.Optional(Type.Partial(Seeds)),
    notes: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: false },
);

const ActionBody = Type.Object(
  {
    id: Type.String(),
    incidentId: Type.String(),
    kind: Type.String(),
    targets: Type.Array(Type.String()),
    status: Type.String(),
    requestedBy: Type.String(),
    approvedBy: Nullable(Type.String()),
    createdAt: Type.String(),
    completedAt: Nullable(Type.String()),
    results: Type.Array(Type.Object({ target: Type.String(), outcome: Type.String(), code: Nullable(Type.String()) }, { additionalProperties: false })),
    /** Whether the requester gave a reason (stored sealed; not returned). */
    hasReason: Type.Boolean(),
    options: Type.Object({ hours: Type.Optional(Type.Number()), group: Type.Optional(Type.String()) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
const ContainBody = Type.Object(
  {
    kind: Type.Union([
      Type.Literal('quarantine-devices'),
      Type.Literal('revoke-devices'),
      Type.Literal('disable-users'),
      Type.Literal('force-password-reset'),
      Type.Literal('rotate-keys'),
      Type.Literal('block-source'),
      Type.Literal('pause-rollouts'),
      Type.Literal('remediation-update'),
    ]),
    targets: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$' }), { maxItems: 1000 })),
    blastRadius: Type.Optional(Type.Boolean()),
    hours: Type.Optional(Type.Number({ minimum: 1, maximum: 720 })),
    group: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' })),
    reason: Type.Optional(Type.String({ maxLength: 1000 })),
    stepUpCode: Type.Optional(Type.String({ minLength: 6, maxLength: 10, pattern: '^[0-9]{6,10}$' })),
  },
  { additionalProperties: false },
);
const ApproveBody = Type.Object({ stepUpCode: Type.Optional(Type.String({ minLength: 6, maxLength: 10, pattern: '^[0-9]{6,10}$' })) }, { additionalProperties: false });
const ContainAnswer = Type.Object({ action: ActionBody, oneTimePasswords: Type.Optional(Type.Record(Type.String(), Type.String())) }, { additionalProperties: false });

function actionBody(a: ContainmentAction) {
  const { orgId, reasonSealed, ...rest } = a;
  void orgId;
  return { ...rest, targets: [...a.targets], results: a.results.map((r) => ({ ...r })), hasReason: reasonSealed !== null, options: { ...a.options } };
}

function settingsBody(s: IncidentSettings) {
  return {
    autoOpenDetectors: [...s.autoOpenDetectors],
    autoOpenMinSeverity: s.autoOpenMinSeverity,
    joinWindowHours: s.joinWindowHours,
    ...(s.businessAssociate !== undefined ? { businessAssociate: s.businessAssociate } : {}),
    ...(s.holidays !== undefined ? { holidays: [...s.holidays] } : {}),
    ...(s.careContinuityHours !== undefined ? { careContinuityHours: s.careContinuityHours } : {}),
    ...(s.timeZone !== undefined ? { timeZone: s.timeZone } : {}),
    ...(s.customClocks !== undefined ? { customClocks: s.customClocks.map((c) => ({ ...c })) } : {}),
  };
}

export function incidentBody(i: Incident) {
  const { notesSealed, ...rest } = i;
  return {
    ...rest,
    responderIds: [...i.responderIds],
    alertIds: [...i.alertIds],
    seeds: { deviceIds: [...i.seeds.deviceIds], userIds: [...i.seeds.userIds], sources: [...i.seeds.sources] },
    playbook: { ...i.playbook },
    checklist: i.checklist.map((s) => ({ ...s, actions: [...s.actions] })),
    hasNotes: notesSealed !== null,
  };
}

export function timelineBody(t: IncidentTimeline) {
  const link = (l: IncidentTimeline['pointOfFailure']['chain'][number]) => ({ ...l, evidence: [...l.evidence] });
  const items = (list: IncidentTimeline['blastRadius']['devices']) => list.map((x) => ({ id: x.id, why: [...x.why], evidence: [...x.evidence] }));
  return {
    from: t.from,
    to: t.to,
    truncated: t.truncated,
    entries: t.entries.map((e) => ({ ...e })),
    pointOfFailure: { earliest: t.pointOfFailure.earliest ? link(t.pointOfFailure.earliest) : null, chain: t.pointOfFailure.chain.map(link) },
    blastRadius: { devices: items(t.blastRadius.devices), users: items(t.blastRadius.users), patients: items(t.blastRadius.patients), organizations: items(t.blastRadius.organizations) },
  };
}

export function incidentRoutes(deps: IncidentRoutesDeps): HttpRoutes {
  const { incidents } = deps;
  return async (app) => {
    app.get(
      '/api/v1/incidents',
      {
        config: { permission: 'incidents:read' },
        schema: { summary: "The organization's incidents, newest first.", tags, querystring: Type.Object({ status: Type.Optional(Status), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }, { additionalProperties: false }), response: { 200: Type.Object({ incidents: Type.Array(IncidentBody) }, { additionalProperties: false }) } },
      },
      async (request) => {
        const q = request.query;
        const list = await incidents.list(requestContext(request), { ...(q.status !== undefined ? { status: q.status } : {}), ...(q.limit !== undefined ? { limit: q.limit } : {}) });
        return { incidents: list.map(incidentBody) };
      },
    );
    app.post(
      '/api/v1/incidents',
      { config: { permission: 'incidents:manage' }, schema: { summary: 'Open an incident by hand or from alerts; its playbook becomes its checklist.', tags, body: OpenBody, response: { 201: IncidentBody } } },
      async (request, reply) => {
        const b = request.body;
        const incident = await incidents.open(requestContext(request), {
          title: b.title,
          ...(b.type !== undefined ? { type: b.type } : {}),
          ...(b.severity !== undefined ? { severity: b.severity } : {}),
          ...(b.discoveredAt !== undefined ? { discoveredAt: new Date(b.discoveredAt).toISOString() } : {}),
          ...(b.playbookId !== undefined ? { playbookId: b.playbookId } : {}),
          ...(b.commanderId !== undefined ? { commanderId: b.commanderId } : {}),
          ...(b.responderIds !== undefined ? { responderIds: b.responderIds } : {}),
          ...(b.alertIds !== undefined ? { alertIds: b.alertIds } : {}),
          ...(b.seeds !== undefined ? { seeds: { ...(b.seeds.deviceIds ? { deviceIds: b.seeds.deviceIds } : {}), ...(b.seeds.userIds ? { userIds: b.seeds.userIds } : {}), ...(b.seeds.sources ? { sources: b.seeds.sources } : {}) } } : {}),
          ...(b.notes !== undefined ? { notes: b.notes } : {}),
        });
        return reply.code(201).send(incidentBody(incident));
      },
    );
    app.get(
      '/api/v1/incidents/:id',
      { config: { permission: 'incidents:read' }, schema: { summary: 'One incident with its checklist.', tags, params: IdParams, response: { 200: IncidentBody } } },
      async (request) => incidentBody(await incidents.get(requestContext(request), request.params.id)),
    );
    app.get(
      '/api/v1/incidents/:id/timeline',
      { config: { permission: 'incidents:read' }, schema: { summary: 'The forensic timeline, point of failure and blast radius, each item with its evidence.', tags, params: IdParams, response: { 200: TimelineBody } } },
      async (request) => timelineBody(await incidents.timeline(requestContext(request), request.params.id)),
    );
    app.post(
      '/api/v1/incidents/:id/status',
      { config: { permission: 'incidents:manage' }, schema: { summary: 'Move the incident along its state machine.', tags, params: IdParams, body: Type.Object({ status: Status }, { additionalProperties: false }), response: { 200: IncidentBody } } },
      async (request) => incidentBody(await incidents.transition(requestContext(request), request.params.id, request.body.status)),
    );
    app.post(
      '/api/v1/incidents/:id/team',
      {
        config: { permission: 'incidents:manage' },
        schema: { summary: 'Set the incident commander and add responders.', tags, params: IdParams, body: Type.Object({ commanderId: Type.Optional(Id), responderIds: Type.Optional(Type.Array(Id, { maxItems: 50 })) }, { additionalProperties: false }), response: { 200: IncidentBody } },
      },
      async (request) => {
        const b = request.body;
        return incidentBody(await incidents.assign(requestContext(request), request.params.id, { ...(b.commanderId !== undefined ? { commanderId: b.commanderId } : {}), ...(b.responderIds !== undefined ? { responderIds: b.responderIds } : {}) }));
      },
    );
    app.post(
      '/api/v1/incidents/:id/alerts',
      { config: { permission: 'incidents:manage' }, schema: { summary: 'Link security alerts to the incident.', tags, params: IdParams, body: Type.Object({ alertIds: Type.Array(Id, { maxItems: 100 }) }, { additionalProperties: false }), response: { 200: IncidentBody } } },
      async (request) => incidentBody(await incidents.linkAlerts(requestContext(request), request.params.id, request.body.alertIds)),
    );
    app.post(
      '/api/v1/incidents/:id/steps/:stepId/done',
      {
        config: { permission: 'incidents:manage' },
        schema: { summary: 'Mark a checklist step done (who and when are recorded).', tags, params: Type.Object({ id: Id, stepId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }), response: { 200: IncidentBody } },
      },
      async (request) => incidentBody(await incidents.completeStep(requestContext(request), request.params.id, request.params.stepId)),
    );
    const containment = (): ContainmentService => {
      const service = deps.containment();
      if (!service) throw new AppError('INCIDENT_ACTION_UNAVAILABLE');
      return service;
    };
    app.post(
      '/api/v1/incidents/:id/contain',
      {
        config: { permission: 'incidents:manage' },
        schema: {
          summary: 'Run a containment action through its owning module (devices, identity, keys, block list, updates); more than 10 devices or a whole group waits for a second approver (both with a step-up code).',
          tags,
          params: IdParams,
          body: ContainBody,
          response: { 200: ContainAnswer },
        },
      },
      async (request) => {
        const b = request.body;
        const outcome = await containment().contain(requestContext(request), request.params.id, {
          kind: b.kind,
          ...(b.targets !== undefined ? { targets: b.targets } : {}),
          ...(b.blastRadius !== undefined ? { blastRadius: b.blastRadius } : {}),
          ...(b.hours !== undefined ? { hours: b.hours } : {}),
          ...(b.group !== undefined ? { group: b.group } : {}),
          ...(b.reason !== undefined ? { reason: b.reason } : {}),
          ...(b.stepUpCode !== undefined ? { stepUpCode: b.stepUpCode } : {}),
        });
        return { action: actionBody(outcome.action), ...(outcome.oneTimePasswords ? { oneTimePasswords: { ...outcome.oneTimePasswords } } : {}) };
      },
    );
    app.get(
      '/api/v1/incidents/:id/actions',
      { config: { permission: 'incidents:read' }, schema: { summary: 'The containment actions of an incident.', tags, params: IdParams, response: { 200: Type.Object({ actions: Type.Array(ActionBody) }, { additionalProperties: false }) } } },
      async (request) => ({ actions: (await containment().list(requestContext(request), request.params.id)).map(actionBody) }),
    );
    app.post(
      '/api/v1/incidents/:id/actions/:actionId/approve',
      {
        config: { permission: 'incidents:manage' },
        schema: { summary: 'A second person (MFA session, fresh stepUpCode) approves a pending bulk action; it runs at once.', tags, params: Type.Object({ id: Id, actionId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }), body: ApproveBody, response: { 200: ContainAnswer } },
      },
      async (request) => {
        const outcome = await containment().approve(requestContext(request), request.params.id, request.params.actionId, request.body?.stepUpCode);
        return { action: actionBody(outcome.action), ...(outcome.oneTimePasswords ? { oneTimePasswords: { ...outcome.oneTimePasswords } } : {}) };
      },
    );
    app.get(
      '/api/v1/incident-settings',
      { config: { permission: 'incidents:read' }, schema: { summary: 'Which alert detectors open incidents by themselves.', tags, response: { 200: SettingsBody } } },
      async (request) => {
        return settingsBody(await incidents.settings(requestContext(request)));
      },
    );
    app.put(
      '/api/v1/incident-settings',
      { config: { permission: 'incidents:manage' }, schema: { summary: 'Choose the alert detectors that open incidents by themselves.', tags, body: SettingsBody, response: { 200: SettingsBody } } },
      async (request) => {
        const b = request.body;
        const s = await incidents.putSettings(requestContext(request), {
          autoOpenDetectors: b.autoOpenDetectors,
          autoOpenMinSeverity: b.autoOpenMinSeverity,
          joinWindowHours: b.joinWindowHours,
          ...(b.businessAssociate !== undefined ? { businessAssociate: b.businessAssociate } : {}),
          ...(b.holidays !== undefined ? { holidays: b.holidays } : {}),
          ...(b.careContinuityHours !== undefined ? { careContinuityHours: b.careContinuityHours } : {}),
          ...(b.timeZone !== undefined ? { timeZone: b.timeZone } : {}),
          ...(b.customClocks !== undefined ? { customClocks: b.customClocks.map((c) => ({ id: c.id, recipient: c.recipient, ...(c.hours !== undefined ? { hours: c.hours } : {}), ...(c.workingDays !== undefined ? { workingDays: c.workingDays } : {}), ...(c.months !== undefined ? { months: c.months } : {}) })) } : {}),
        });
        return settingsBody(s);
      },
    );
    app.get(
      '/api/v1/incident-playbooks/:playbookId',
      { config: { permission: 'incidents:read' }, schema: { summary: "The organization's current version of a playbook.", tags, params: Type.Object({ playbookId: Type.String({ minLength: 1, maxLength: 48 }) }, { additionalProperties: false }), response: { 200: PlaybookSchema } } },
      async (request) => incidents.playbook(requestContext(request), request.params.playbookId),
    );
    app.put(
      '/api/v1/incident-playbooks',
      { config: { permission: 'incidents:manage' }, schema: { summary: 'Edit a playbook for the organization (stored as its next version).', tags, body: PlaybookSchema, response: { 200: PlaybookSchema } } },
      async (request) => incidents.putPlaybook(requestContext(request), request.body),
    );
  };
}
