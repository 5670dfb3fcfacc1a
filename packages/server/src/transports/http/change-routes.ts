/**
 * The change-control API (issue 14): change requests with two-person approval, emergency changes
 * and their review, and "what changed before this time" (GET /api/v1/changes?before=TIME).
 *
 * MUST: requesting, approving and reviewing carry a fresh second-factor code (stepUpCode); the
 *       service refuses self-approval and a missing or wrong code.
 * MUST: responses are allowlists (additionalProperties: false).
 */
import Type from 'typebox';
import { CHANGE_KINDS, type ChangeRequest, type ChangeService } from '../../compliance/index.js';
import type { HttpServer } from './http-server-type.js';
import { requestContext } from './route-permissions.js';

const tags = ['changes'];
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const IdParams = Type.Object({ id: Type.String({ format: 'uuid', maxLength: 36 }) }, { additionalProperties: false });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '^[^\\u0000-\\u001F\\u007F]+$' });
const StepUp = Type.String({ pattern: '^[0-9]{6}$', description: 'A current TOTP code: the caller passes MFA again.' });
const Kind = Type.Union(CHANGE_KINDS.map((k) => Type.Literal(k)));
const Status = Type.Union(['pending', 'approved', 'rejected', 'applied', 'failed'].map((k) => Type.Literal(k)));
const PayloadValue = Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean(), Type.Null(), Type.Array(Type.String({ maxLength: 128 }), { maxItems: 32 })]);

const ChangeBody = Type.Object(
  {
    id: Type.String(),
    orgId: Nullable(Type.String()),
    kind: Type.String(),
    target: Type.String(),
    payload: Type.Record(Type.String(), PayloadValue),
    summary: Type.String(),
    status: Type.String(),
    emergency: Type.Boolean(),
    requestedBy: Type.String(),
    requestedAt: Type.String(),
    decidedBy: Nullable(Type.String()),
    decidedAt: Nullable(Type.String()),
    decisionNote: Nullable(Type.String()),
    appliedAt: Nullable(Type.String()),
    reviewDueAt: Nullable(Type.String()),
    reviewedBy: Nullable(Type.String()),
    reviewedAt: Nullable(Type.String()),
    audit: Type.Object({ seqs: Type.Array(Type.Integer()), requestIds: Type.Array(Type.String()) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

function body(c: ChangeRequest) {
  const payload: Record<string, string | number | boolean | null | string[]> = {};
  for (const [key, value] of Object.entries(c.payload)) payload[key] = Array.isArray(value) ? [...(value as readonly string[])] : (value as string | number | boolean | null);
  return { ...c, payload, audit: { seqs: [...c.audit.seqs], requestIds: [...c.audit.requestIds] } };
}

export function registerChangeRoutes(app: HttpServer, changes: ChangeService): void {
  app.get(
    '/api/v1/changes',
    {
      config: { permission: 'changes:read' },
      schema: {
        summary: 'Change requests, newest first; ?before=TIME lists the changes applied before that time (what changed before an incident).',
        tags,
        querystring: Type.Object({ before: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })), status: Type.Optional(Status), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ changes: Type.Array(ChangeBody) }, { additionalProperties: false }) },
      },
    },
    async (request) => ({ changes: (await changes.list(requestContext(request), request.query as { before?: string; status?: ChangeRequest['status']; limit?: number })).map(body) }),
  );
  app.get(
    '/api/v1/changes/:id',
    { config: { permission: 'changes:read' }, schema: { summary: 'One change request with its decisions and audit links.', tags, params: IdParams, response: { 200: ChangeBody } } },
    async (request) => body(await changes.get(requestContext(request), request.params.id)),
  );
  app.post(
    '/api/v1/changes',
    {
      config: { permission: 'changes:request' },
      schema: {
        summary: 'Request a security-relevant change (a second person approves it); emergency: applied at once, reviewed within 72 h.',
        tags,
        body: Type.Object(
          { kind: Kind, target: Text(128), payload: Type.Record(Type.String({ maxLength: 64 }), PayloadValue, { maxProperties: 16 }), summary: Text(1000), emergency: Type.Optional(Type.Boolean()), stepUpCode: StepUp },
          { additionalProperties: false },
        ),
        response: { 200: ChangeBody },
      },
    },
    async (request) => body(await changes.request(requestContext(request), request.body as Parameters<ChangeService['request']>[1])),
  );
  app.post(
    '/api/v1/changes/:id/approve',
    {
      config: { permission: 'changes:approve' },
      schema: { summary: "Approve another person's change request (MFA again); it takes effect at once.", tags, params: IdParams, body: Type.Object({ stepUpCode: StepUp, note: Type.Optional(Text(1000)) }, { additionalProperties: false }), response: { 200: ChangeBody } },
    },
    async (request) => body(await changes.approve(requestContext(request), request.params.id, request.body)),
  );
  app.post(
    '/api/v1/changes/:id/reject',
    {
      config: { permission: 'changes:approve' },
      schema: { summary: 'Reject a pending change request.', tags, params: IdParams, body: Type.Object({ note: Text(1000) }, { additionalProperties: false }), response: { 200: ChangeBody } },
    },
    async (request) => body(await changes.reject(requestContext(request), request.params.id, request.body.note)),
  );
  app.post(
    '/api/v1/changes/:id/review',
    {
      config: { permission: 'changes:approve' },
      schema: { summary: "Review another person's emergency change (MFA again).", tags, params: IdParams, body: Type.Object({ stepUpCode: StepUp, note: Type.Optional(Text(1000)) }, { additionalProperties: false }), response: { 200: ChangeBody } },
    },
    async (request) => body(await changes.review(requestContext(request), request.params.id, request.body)),
  );
}
