/**
 * Notification clocks of incidents (issue 15): the contact directory, the §164.402 assessment that
 * turns an incident into obligations, and notices with their proof.
 *
 * MUST: every route declares incidents:read or incidents:manage; the service re-checks the
 *       incident's organization (another tenant's incident answers 404).
 * MUST: the assessment's rationale is sealed by the service; responses never carry it.
 */
import Type from 'typebox';
import type { Notice, NotificationService, StoredObligation } from '../../incidents/index.js';
import { AppError } from '../../kernel/index.js';
import type { HttpRoutes } from './http-server.js';
import { requestContext } from './route-permissions.js';

export interface IncidentNoticeRoutesDeps {
  readonly notifications: () => NotificationService | undefined;
}

const tags = ['incidents'];
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Id = Type.String({ format: 'uuid', maxLength: 36 });
const Iso = Type.String({ format: 'date-time', maxLength: 40 });
const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
const ObligationParams = Type.Object({ id: Id, obligationId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const Level = Type.Union([Type.Literal('low'), Type.Literal('high')]);
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]+$' });
const ContactKind = Type.Union(['individuals', 'hhs', 'media', 'covered-entity', 'hospital', 'health-department', 'device-maker', 'fda', 'authority', 'other'].map((k) => Type.Literal(k)));

const ContactBody = Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String(), email: Nullable(Type.String()) }, { additionalProperties: false });
const ObligationBody = Type.Object(
  { id: Type.String(), obligationId: Type.String(), rule: Type.String(), recipient: Type.String(), dueAt: Nullable(Type.String()), status: Type.String(), reason: Nullable(Type.String()), openedAt: Type.String(), remindersSent: Type.Array(Type.Number()), overdueAlertedAt: Nullable(Type.String()) },
  { additionalProperties: false },
);
const NoticeBody = Type.Object({ id: Type.String(), obligationId: Type.String(), contactId: Type.String(), channel: Type.String(), sentAt: Type.String(), sha256: Type.String() }, { additionalProperties: false });
const AssessBody = Type.Object(
  {
    assessment: Nullable(Type.Object({ natureAndExtent: Level, unauthorizedPerson: Level, acquiredOrViewed: Level, mitigation: Level, securedPhi: Type.Boolean(), rationale: Text(4000) }, { additionalProperties: false })),
    residentsByState: Type.Record(Type.String({ pattern: '^[A-Z]{2}$' }), Type.Integer({ minimum: 0 })),
    missingContacts: Type.Integer({ minimum: 0 }),
    lawEnforcementDelay: Nullable(Type.Object({ from: Iso, until: Iso }, { additionalProperties: false })),
    fda: Nullable(
      Type.Object(
        { deviceMaker: Type.Boolean(), correctionOrRemoval: Type.Boolean(), cybersecurityPath: Type.Boolean(), deathOrSeriousInjury: Type.Boolean(), userFacility: Type.Boolean(), remedialAction: Type.Boolean() },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const obligationBody = (o: StoredObligation) => {
  const { orgId, incidentId, ...rest } = o;
  void orgId;
  void incidentId;
  return { ...rest, remindersSent: [...o.remindersSent] };
};
const noticeBody = (n: Notice) => ({ id: n.id, obligationId: n.obligationId, contactId: n.contactId, channel: n.channel, sentAt: n.sentAt, sha256: n.sha256 });

export function incidentNoticeRoutes(deps: IncidentNoticeRoutesDeps): HttpRoutes {
  const service = (): NotificationService => {
    const s = deps.notifications();
    if (!s) throw new AppError('INCIDENT_ACTION_UNAVAILABLE');
    return s;
  };
  return async (app) => {
    app.get(
      '/api/v1/incident-contacts',
      { config: { permission: 'incidents:read' }, schema: { summary: "The organization's contact directory for notices.", tags, response: { 200: Type.Object({ contacts: Type.Array(ContactBody) }, { additionalProperties: false }) } } },
      async (request) => ({ contacts: (await service().contacts(requestContext(request))).map((c) => ({ id: c.id, name: c.name, kind: c.kind, email: c.email })) }),
    );
    app.post(
      '/api/v1/incident-contacts',
      {
        config: { permission: 'incidents:manage' },
        schema: { summary: 'Add a contact (nearby hospital, health department, device maker, authority...).', tags, body: Type.Object({ name: Text(200), kind: ContactKind, email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })) }, { additionalProperties: false }), response: { 201: ContactBody } },
      },
      async (request, reply) => {
        const b = request.body;
        const c = await service().addContact(requestContext(request), { name: b.name, kind: b.kind as never, ...(b.email !== undefined ? { email: b.email } : {}) });
        return reply.code(201).send({ id: c.id, name: c.name, kind: c.kind, email: c.email });
      },
    );
    app.post(
      '/api/v1/incidents/:id/assessment',
      { config: { permission: 'incidents:manage' }, schema: { summary: 'Record the four-factor risk assessment (§164.402) and compute the notification obligations.', tags, params: IdParams, body: AssessBody, response: { 200: Type.Object({ obligations: Type.Array(ObligationBody) }, { additionalProperties: false }) } } },
      async (request) => ({ obligations: (await service().assess(requestContext(request), request.params.id, request.body)).map(obligationBody) }),
    );
    app.get(
      '/api/v1/incidents/:id/obligations',
      { config: { permission: 'incidents:read' }, schema: { summary: 'The incident notification obligations and their deadlines.', tags, params: IdParams, response: { 200: Type.Object({ obligations: Type.Array(ObligationBody) }, { additionalProperties: false }) } } },
      async (request) => ({ obligations: (await service().obligations(requestContext(request), request.params.id)).map(obligationBody) }),
    );
    app.post(
      '/api/v1/incidents/:id/obligations/:obligationId/not-applicable',
      { config: { permission: 'incidents:manage' }, schema: { summary: 'Mark an obligation not applicable, with a reason.', tags, params: ObligationParams, body: Type.Object({ reason: Text(500) }, { additionalProperties: false }), response: { 200: ObligationBody } } },
      async (request) => obligationBody(await service().notApplicable(requestContext(request), request.params.id, request.params.obligationId, request.body.reason)),
    );
    app.post(
      '/api/v1/incidents/:id/obligations/:obligationId/acknowledge',
      { config: { permission: 'incidents:manage' }, schema: { summary: 'Record that the recipient acknowledged a sent notice.', tags, params: ObligationParams, response: { 200: ObligationBody } } },
      async (request) => obligationBody(await service().acknowledge(requestContext(request), request.params.id, request.params.obligationId)),
    );
    app.post(
      '/api/v1/incidents/:id/obligations/:obligationId/notify',
      {
        config: { permission: 'incidents:manage' },
        schema: {
          summary: 'Render a notice from a template with the blast radius filled in, send it by email or export it, and record the proof (time, recipient, SHA-256).',
          tags,
          params: ObligationParams,
          body: Type.Object({ contactId: Id, channel: Type.Union([Type.Literal('email'), Type.Literal('export')]), template: Type.Optional(Type.String({ minLength: 1, maxLength: 20_000 })) }, { additionalProperties: false }),
          response: { 200: Type.Object({ notice: NoticeBody, message: Type.String() }, { additionalProperties: false }) },
        },
      },
      async (request) => {
        const b = request.body;
        const out = await service().notify(requestContext(request), request.params.id, request.params.obligationId, { contactId: b.contactId, channel: b.channel, ...(b.template !== undefined ? { template: b.template } : {}) });
        return { notice: noticeBody(out.notice), message: out.message };
      },
    );
  };
}
