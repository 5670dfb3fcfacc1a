/**
 * HTTP routes of the patients module: records, care teams, break-glass and training.
 *
 *   GET  /api/v1/patients?scope=care|all&q=&inCareTeam=&sort=&cursor=&limit=
 *                                               patients:read        -> {patients: PatientSummary[], nextCursor, openAlertsOutsideCare}
 *   GET  /api/v1/patients/lookup?q=             patients:disclosures -> {patients: [{id, displayName, mrn}]} (pickers; audited)
 *   GET  /api/v1/patients/:id/care-team         patients:care-team   -> {patientId, patient, careTeam} (no record)
 *   POST /api/v1/patients                       patients:write       -> Patient
 *   GET  /api/v1/patients/:id                   patients:read        -> Patient (PHI rule)
 *   PUT  /api/v1/patients/:id/care-team         patients:care-team   -> {careTeam}
 *   POST /api/v1/patients/:id/break-glass       patients:break-glass -> {grant}
 *   GET  /api/v1/break-glass?status=            break-glass:review   -> {grants}
 *   POST /api/v1/break-glass/:id/review         break-glass:review   -> {grant}
 *   GET  /api/v1/users/:id/training             training:read        -> {records}
 *   POST /api/v1/users/:id/training             training:write       -> {record}
 *
 * MUST: bodies, params and queries are validated (unknown keys refused); response schemas are
 *       allowlists, so a field added to a service result cannot leak PHI by accident.
 * MUST: handlers only translate: the services authorize (access.decide and the PHI rule) and audit.
 */
import Type from 'typebox';
import type { OpenAlertSummary } from '../../alerts/index.js';
import {
  PATIENT_SORT,
  type BreakGlassGrantView,
  type BreakGlassService,
  type PatientLabels,
  type PatientRecord,
  type PatientService,
  type TrainingRecord,
  type TrainingService,
} from '../../patients/index.js';
import type { HttpRoutes } from './http-server.js';
import { listPageQuery, NextCursor } from './list-query.js';
import { requestContext } from './route-permissions.js';

export interface PatientRoutesDeps {
  readonly patients: PatientService;
  readonly breakGlass: BreakGlassService;
  readonly training: TrainingService;
  readonly labels: PatientLabels;
  /** Open clinical alerts per readable patient (absent: no counts are shown). */
  readonly openAlerts?: (ctx: ReturnType<typeof requestContext>) => Promise<OpenAlertSummary | null>;
}

const Id = Type.String({ format: 'uuid', maxLength: 36 });
const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
const Iso = Type.String({ format: 'date-time', maxLength: 40 });

const Sex = Type.Union([Type.Literal('female'), Type.Literal('male'), Type.Literal('other'), Type.Literal('unknown')]);
const CareTeamRole = Type.Union([Type.Literal('primary'), Type.Literal('member')]);
const CareTeamMember = Type.Object({ userId: Id, role: CareTeamRole }, { additionalProperties: false });

const CreatePatientBody = Type.Object(
  {
    mrn: Type.String({ minLength: 1, maxLength: 64 }),
    givenName: Type.String({ minLength: 1, maxLength: 200 }),
    familyName: Type.String({ minLength: 1, maxLength: 200 }),
    birthDate: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', maxLength: 10 }),
    sex: Sex,
  },
  { additionalProperties: false },
);

const PatientBody = Type.Object(
  {
    id: Type.String(),
    orgId: Type.String(),
    mrn: Type.String(),
    givenName: Type.String(),
    familyName: Type.String(),
    birthDate: Type.String(),
    sex: Sex,
    careTeam: Type.Array(Type.Object({ userId: Type.String(), role: CareTeamRole, displayName: Type.Optional(Type.String()) }, { additionalProperties: false })),
    access: Type.Object(
      {
        basis: Type.Union([Type.Literal('care-team'), Type.Literal('break-glass'), Type.Literal('registration')]),
        grantId: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const Severity = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]);
const PatientListBody = Type.Object(
  {
    patients: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          mrn: Type.String(),
          displayName: Type.String(),
          inCareTeam: Type.Boolean(),
          openAlerts: Type.Union([Type.Integer(), Type.Null()], { description: 'Open clinical alerts; null when the caller may not read this patient’s alerts.' }),
          highestSeverity: Type.Union([Severity, Type.Null()]),
        },
        { additionalProperties: false },
      ),
    ),
    nextCursor: NextCursor,
    openAlertsOutsideCare: Type.Union([Type.Integer(), Type.Null()], { description: 'Open alerts of patients whose alerts the caller may not read (a count only).' }),
  },
  { additionalProperties: false },
);
const PatientListQuery = Type.Object(
  {
    scope: Type.Optional(Type.Union([Type.Literal('care'), Type.Literal('all')], { description: 'care: your care team and break-glass grants; all: the organization’s directory.' })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Part of the name or MRN (case-insensitive). Only the page returned is disclosed and audited.' })),
    inCareTeam: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { description: 'Only patients in (true) or outside (false) your care team.' })),
    ...listPageQuery(PATIENT_SORT),
  },
  { additionalProperties: false },
);
const LookupQuery = Type.Object({ q: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const LookupBody = Type.Object(
  { patients: Type.Array(Type.Object({ id: Type.String(), displayName: Type.String(), mrn: Type.String() }, { additionalProperties: false }), { maxItems: 20 }) },
  { additionalProperties: false },
);
const CareTeamViewBody = Type.Object(
  {
    patientId: Type.String(),
    patient: Type.Union([Type.Object({ displayName: Type.String(), mrn: Type.String() }, { additionalProperties: false }), Type.Null()]),
    careTeam: Type.Array(Type.Object({ userId: Type.String(), role: CareTeamRole, displayName: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

const CareTeamBody = Type.Object({ members: Type.Array(CareTeamMember, { maxItems: 50 }) }, { additionalProperties: false });
const CareTeamResponse = Type.Object(
  { careTeam: Type.Array(Type.Object({ userId: Type.String(), role: CareTeamRole }, { additionalProperties: false })) },
  { additionalProperties: false },
);

const BreakGlassBody = Type.Object({ reason: Type.String({ minLength: 10, maxLength: 2000 }) }, { additionalProperties: false });
const ReviewOutcome = Type.Union([Type.Literal('justified'), Type.Literal('unjustified')]);
const Grant = Type.Object(
  {
    id: Type.String(),
    patientId: Type.String(),
    userId: Type.String(),
    reason: Type.String(),
    grantedAt: Type.String(),
    expiresAt: Type.String(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('reviewed')]),
    review: Type.Union([
      Type.Object(
        { outcome: ReviewOutcome, note: Type.String(), reviewedBy: Type.String(), reviewedByName: Type.Optional(Type.String()), reviewedAt: Type.String() },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    userName: Type.Optional(Type.String({ description: 'Display name of the user who took the grant.' })),
    patientName: Type.Optional(Type.String({ description: 'PHI: present for a reviewer with current training (audited).' })),
    patientMrn: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const GrantResponse = Type.Object({ grant: Grant }, { additionalProperties: false });
const GrantListQuery = Type.Object({ status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('reviewed')])) }, { additionalProperties: false });
const GrantListResponse = Type.Object({ grants: Type.Array(Grant) }, { additionalProperties: false });
const ReviewBody = Type.Object({ outcome: ReviewOutcome, note: Type.String({ minLength: 1, maxLength: 4000 }) }, { additionalProperties: false });

const TrainingBody = Type.Object(
  { course: Type.String({ minLength: 1, maxLength: 64 }), completedAt: Iso, expiresAt: Iso },
  { additionalProperties: false },
);
const TrainingRecordBody = Type.Object(
  { id: Type.String(), course: Type.String(), completedAt: Type.String(), expiresAt: Type.String() },
  { additionalProperties: false },
);
const TrainingListResponse = Type.Object({ records: Type.Array(TrainingRecordBody) }, { additionalProperties: false });
const TrainingResponse = Type.Object({ record: TrainingRecordBody }, { additionalProperties: false });

function patientBody(p: PatientRecord, names: ReadonlyMap<string, string> = new Map()) {
  return {
    id: p.id,
    orgId: p.orgId,
    mrn: p.mrn,
    givenName: p.givenName,
    familyName: p.familyName,
    birthDate: p.birthDate,
    sex: p.sex,
    careTeam: p.careTeam.map((m) => {
      const displayName = names.get(m.userId);
      return displayName === undefined ? { userId: m.userId, role: m.role } : { userId: m.userId, role: m.role, displayName };
    }),
    access: p.access.grantId === undefined ? { basis: p.access.basis } : { basis: p.access.basis, grantId: p.access.grantId },
  };
}

interface GrantNames {
  readonly users: ReadonlyMap<string, string>;
  readonly patients: ReadonlyMap<string, { readonly displayName: string; readonly mrn: string }>;
}

function grantBody(g: BreakGlassGrantView, names?: GrantNames) {
  const userName = names?.users.get(g.userId);
  const patient = names?.patients.get(g.patientId);
  const reviewedByName = g.review === null ? undefined : names?.users.get(g.review.reviewedBy);
  return {
    ...(userName !== undefined ? { userName } : {}),
    ...(patient !== undefined ? { patientName: patient.displayName, patientMrn: patient.mrn } : {}),
    id: g.id,
    patientId: g.patientId,
    userId: g.userId,
    reason: g.reason,
    grantedAt: g.grantedAt,
    expiresAt: g.expiresAt,
    status: g.status,
    review:
      g.review === null
        ? null
        : { outcome: g.review.outcome, note: g.review.note, reviewedBy: g.review.reviewedBy, ...(reviewedByName !== undefined ? { reviewedByName } : {}), reviewedAt: g.review.reviewedAt },
  };
}

function trainingBody(r: TrainingRecord) {
  return { id: r.id, course: r.course, completedAt: r.completedAt, expiresAt: r.expiresAt };
}

export function patientRoutes(deps: PatientRoutesDeps): HttpRoutes {
  return async (app) => {
    const tags = ['patients'];
    app.get(
      '/api/v1/patients',
      {
        config: { permission: 'patients:read' },
        schema: { summary: 'Patients the caller may see (audited PHI read), with open clinical alert counts where the caller may read them.', tags, querystring: PatientListQuery, response: { 200: PatientListBody } },
      },
      async (request) => {
        const ctx = requestContext(request);
        const { scope, q, inCareTeam, ...paging } = request.query;
        const page = await deps.patients.page(ctx, { scope, q, inCareTeam: inCareTeam === undefined ? undefined : inCareTeam === 'true' }, paging);
        const open = deps.openAlerts === undefined ? null : await deps.openAlerts(ctx);
        return {
          nextCursor: page.nextCursor,
          patients: page.items.map((p) => {
            const counted = open?.perPatient.get(p.id);
            const readable = open !== null && (p.inCareTeam || counted !== undefined);
            return { ...p, openAlerts: readable ? (counted?.count ?? 0) : null, highestSeverity: counted?.highest ?? null };
          }),
          openAlertsOutsideCare: open?.outsideCare ?? null,
        };
      },
    );

    app.get(
      '/api/v1/patients/lookup',
      {
        config: { permission: 'patients:disclosures' },
        schema: { summary: 'Find patients by name or MRN for a picker (accounting of disclosures, alert rules); needs training; each match audited.', tags, querystring: LookupQuery, response: { 200: LookupBody } },
      },
      async (request) => ({ patients: await deps.labels.search(requestContext(request), request.query.q, { permission: 'patients:disclosures', purpose: 'lookup', limit: 20 }) }),
    );

    app.get(
      '/api/v1/patients/:id/care-team',
      {
        config: { permission: 'patients:care-team' },
        schema: { summary: "A patient's care team with names, for care-team management (not the record).", tags, params: IdParams, response: { 200: CareTeamViewBody } },
      },
      async (request) => {
        const view = await deps.labels.careTeam(requestContext(request), request.params.id);
        return { ...view, careTeam: [...view.careTeam] };
      },
    );

    app.post(
      '/api/v1/patients',
      { config: { permission: 'patients:write' }, schema: { summary: 'Register a patient.', tags, body: CreatePatientBody, response: { 201: PatientBody } } },
      async (request, reply) => {
        const created = await deps.patients.create(requestContext(request), request.body);
        return reply.code(201).send(patientBody(created));
      },
    );

    app.get(
      '/api/v1/patients/:id',
      {
        config: { permission: 'patients:read' },
        schema: { summary: "Open a patient's record under the PHI rule.", tags, params: IdParams, response: { 200: PatientBody } },
      },
      async (request) => {
        const ctx = requestContext(request);
        const record = await deps.patients.get(ctx, request.params.id);
        return patientBody(record, await deps.labels.userNames(ctx, record.careTeam.map((m) => m.userId)));
      },
    );

    app.put(
      '/api/v1/patients/:id/care-team',
      {
        config: { permission: 'patients:care-team' },
        schema: { summary: "Replace a patient's care team.", tags, params: IdParams, body: CareTeamBody, response: { 200: CareTeamResponse } },
      },
      async (request) => ({ careTeam: await deps.patients.updateCareTeam(requestContext(request), request.params.id, request.body.members) }),
    );

    app.post(
      '/api/v1/patients/:id/break-glass',
      {
        config: { permission: 'patients:break-glass' },
        schema: { summary: 'Take a time-boxed emergency grant to one patient.', tags, params: IdParams, body: BreakGlassBody, response: { 201: GrantResponse } },
      },
      async (request, reply) => {
        const grant = await deps.breakGlass.grant(requestContext(request), request.params.id, request.body.reason);
        return reply.code(201).send({ grant: grantBody(grant) });
      },
    );

    app.get(
      '/api/v1/break-glass',
      {
        config: { permission: 'break-glass:review' },
        schema: { summary: 'Break-glass grants: the review queue (pending) or reviewed ones.', tags, querystring: GrantListQuery, response: { 200: GrantListResponse } },
      },
      async (request) => {
        const ctx = requestContext(request);
        const grants = await deps.breakGlass.list(ctx, request.query.status ?? 'pending');
        const [users, patients] = await Promise.all([
          deps.labels.userNames(ctx, grants.flatMap((g) => (g.review === null ? [g.userId] : [g.userId, g.review.reviewedBy]))),
          deps.labels.labels(ctx, grants.map((g) => g.patientId), { permission: 'break-glass:review', purpose: 'break-glass-review', careOnly: false }),
        ]);
        return { grants: grants.map((g) => grantBody(g, { users, patients })) };
      },
    );

    app.post(
      '/api/v1/break-glass/:id/review',
      {
        config: { permission: 'break-glass:review' },
        schema: { summary: 'Review a break-glass grant.', tags, params: IdParams, body: ReviewBody, response: { 200: GrantResponse } },
      },
      async (request) => ({ grant: grantBody(await deps.breakGlass.review(requestContext(request), request.params.id, request.body.outcome, request.body.note)) }),
    );

    app.get(
      '/api/v1/users/:id/training',
      { config: { permission: 'training:read' }, schema: { summary: "A user's training attestations.", tags, params: IdParams, response: { 200: TrainingListResponse } } },
      async (request) => ({ records: (await deps.training.list(requestContext(request), request.params.id)).map(trainingBody) }),
    );

    app.post(
      '/api/v1/users/:id/training',
      {
        config: { permission: 'training:write' },
        schema: { summary: 'Record a training attestation.', tags, params: IdParams, body: TrainingBody, response: { 201: TrainingResponse } },
      },
      async (request, reply) => {
        const record = await deps.training.record(requestContext(request), request.params.id, request.body);
        return reply.code(201).send({ record: trainingBody(record) });
      },
    );
  };
}
