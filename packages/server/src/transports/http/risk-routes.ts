/**
 * The risk register API (issue 14): the register with current scores, its export, updates.
 *
 * MUST: risks:read to read and export, risks:manage to change; responses are allowlists.
 */
import Type from 'typebox';
import type { RiskService, RiskView } from '../../compliance/index.js';
import type { HttpServer } from './http-server-type.js';
import { requestContext } from './route-permissions.js';

const tags = ['risks'];
const Score = Type.Integer({ minimum: 1, maximum: 5 });
const RiskBody = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    threat: Type.String(),
    assets: Type.Array(Type.String()),
    likelihood: Type.Integer(),
    impact: Type.Integer(),
    residualLikelihood: Type.Integer(),
    residualImpact: Type.Integer(),
    controls: Type.Array(Type.Object({ description: Type.String(), checks: Type.Array(Type.String()) }, { additionalProperties: false })),
    owner: Type.String(),
    reviewAt: Type.String(),
    source: Type.String(),
    updatedAt: Type.String(),
    inherentScore: Type.Integer(),
    residualScore: Type.Integer(),
    currentLikelihood: Type.Integer(),
    currentScore: Type.Integer(),
    failingChecks: Type.Array(Type.String()),
    needsReview: Type.Boolean(),
    reviewReasons: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);

function body(r: RiskView) {
  return { ...r, assets: [...r.assets], controls: r.controls.map((c) => ({ description: c.description, checks: [...c.checks] })), failingChecks: [...r.failingChecks], reviewReasons: [...r.reviewReasons] };
}

export function registerRiskRoutes(app: HttpServer, risks: RiskService): void {
  app.get(
    '/api/v1/risks',
    { config: { permission: 'risks:read' }, schema: { summary: 'The risk register, highest current score first.', tags, response: { 200: Type.Object({ risks: Type.Array(RiskBody) }, { additionalProperties: false }) } } },
    async (request) => ({ risks: (await risks.list(requestContext(request))).map(body) }),
  );
  app.get(
    '/api/v1/risks/export',
    {
      config: { permission: 'risks:read' },
      schema: { summary: 'The risk register as CSV (RFC 4180) or JSON.', tags, querystring: Type.Object({ format: Type.Union([Type.Literal('csv'), Type.Literal('json')]) }, { additionalProperties: false }) },
    },
    async (request, reply) => {
      const format = request.query.format;
      const text = await risks.export(requestContext(request), format);
      void reply.header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
      void reply.header('content-disposition', `attachment; filename="vigil-risks.${format}"`);
      return reply.send(text);
    },
  );
  app.patch(
    '/api/v1/risks/:id',
    {
      config: { permission: 'risks:manage' },
      schema: {
        summary: "Update a risk's scores, owner or review date.",
        tags,
        params: Type.Object({ id: Type.String({ pattern: '^RISK-[A-Z0-9-]{1,60}$' }) }, { additionalProperties: false }),
        body: Type.Object(
          {
            title: Type.Optional(Type.String({ minLength: 3, maxLength: 200 })),
            likelihood: Type.Optional(Score),
            impact: Type.Optional(Score),
            residualLikelihood: Type.Optional(Score),
            residualImpact: Type.Optional(Score),
            owner: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            reviewAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: RiskBody },
      },
    },
    async (request) => body(await risks.update(requestContext(request), request.params.id, request.body)),
  );
}
