/**
 * The compliance API (issue 14): the check catalogue, audit runs, findings.
 * Change requests (change-routes.ts), risks (risk-routes.ts) and the SBOM and vulnerabilities
 * (vulnerability-routes.ts) are registered with them.
 *
 * MUST: every route declares compliance:read or compliance:manage; the service scopes findings to
 *       the caller's organization plus platform-wide ones (another tenant's finding answers 404).
 * MUST: responses are allowlists (additionalProperties: false).
 */
import Type from 'typebox';
import { describeCheck, MITIGATION_ACTIONS, type AuditRun, type AuditRunService, type ChangeService, type Finding, type MitigationService, type ReportService, type RiskService, type VulnerabilityService } from '../../compliance/index.js';
import { registerChangeRoutes } from './change-routes.js';
import { registerRiskRoutes } from './risk-routes.js';
import { registerVulnerabilityRoutes } from './vulnerability-routes.js';
import type { HttpRoutes } from './http-server.js';
import { requestContext } from './route-permissions.js';

export interface ComplianceRoutesDeps {
  readonly compliance: { readonly audits: AuditRunService; readonly changes: ChangeService; readonly risks: RiskService; readonly vulnerabilities: VulnerabilityService; readonly reports: ReportService; readonly mitigations: MitigationService };
}

const tags = ['compliance'];
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Id = Type.String({ format: 'uuid', maxLength: 36 });
const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
const Severity = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')]);
const FindingStatus = Type.Union([Type.Literal('open'), Type.Literal('mitigated'), Type.Literal('suppressed'), Type.Literal('resolved')]);
const Cadence = Type.Union([Type.Literal('full'), Type.Literal('daily')]);
const CheckId = Type.String({ pattern: '^[A-Z][A-Z0-9-]{2,63}$' });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '^[^\\u0000-\\u001F\\u007F]+$' });

const CheckBody = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    category: Type.String(),
    controls: Type.Array(Type.Object({ hipaa: Type.String(), fda: Type.String() }, { additionalProperties: false })),
    severity: Severity,
    remediation: Type.String(),
    cadence: Cadence,
  },
  { additionalProperties: false },
);

const RunBody = Type.Object(
  {
    id: Type.String(),
    cadence: Cadence,
    startedAt: Type.String(),
    finishedAt: Type.String(),
    actor: Type.String(),
    results: Type.Array(
      Type.Object({ checkId: Type.String(), status: Type.String(), detail: Type.String(), affected: Type.Integer(), durationMs: Type.Integer() }, { additionalProperties: false }),
    ),
    counts: Type.Object(
      { pass: Type.Integer(), fail: Type.Integer(), notApplicable: Type.Integer(), error: Type.Integer(), opened: Type.Integer(), reopened: Type.Integer(), resolved: Type.Integer() },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const FindingBody = Type.Object(
  {
    id: Type.String(),
    checkId: Type.String(),
    resourceType: Type.String(),
    resourceId: Type.String(),
    orgId: Nullable(Type.String()),
    severity: Severity,
    status: FindingStatus,
    detail: Type.String(),
    firstSeenAt: Type.String(),
    lastSeenAt: Type.String(),
    lastRunId: Type.String(),
    resolvedAt: Nullable(Type.String()),
    reopenedCount: Type.Integer(),
    suppression: Nullable(Type.Object({ reason: Type.String(), owner: Type.String(), expiresAt: Type.String(), by: Type.String(), at: Type.String() }, { additionalProperties: false })),
    mitigation: Nullable(Type.Object({ action: Type.String(), by: Type.String(), at: Type.String(), note: Type.String() }, { additionalProperties: false })),
    updatedAt: Type.String(),
  },
  { additionalProperties: false },
);

const FindingQuery = Type.Object(
  { status: Type.Optional(FindingStatus), severity: Type.Optional(Severity), checkId: Type.Optional(CheckId), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })) },
  { additionalProperties: false },
);

function runBody(r: AuditRun) {
  return { ...r, results: r.results.map((x) => ({ ...x })), counts: { ...r.counts } };
}

function findingBody(f: Finding) {
  return { ...f, suppression: f.suppression && { ...f.suppression }, mitigation: f.mitigation && { ...f.mitigation } };
}

export function complianceRoutes(deps: ComplianceRoutesDeps): HttpRoutes {
  const { audits } = deps.compliance;
  return async (app) => {
    registerChangeRoutes(app, deps.compliance.changes);
    registerRiskRoutes(app, deps.compliance.risks);
    registerVulnerabilityRoutes(app, deps.compliance.vulnerabilities);
    app.get(
      '/api/v1/compliance/report',
      {
        config: { permission: 'compliance:manage' },
        schema: {
          summary: 'Run a full audit and answer the signed compliance report (HIPAA and FDA controls, live evidence, provider questionnaire); check it with `vigil compliance verify-report`.',
          tags,
          querystring: Type.Object({ format: Type.Union([Type.Literal('html'), Type.Literal('json'), Type.Literal('pdf')]) }, { additionalProperties: false }),
        },
      },
      async (request, reply) => {
        const format = request.query.format;
        const file = await deps.compliance.reports.generate(requestContext(request), format);
        const type = format === 'pdf' ? 'application/pdf' : format === 'html' ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8';
        void reply.header('content-type', type);
        void reply.header('content-disposition', `attachment; filename="vigil-compliance-report.${format}"`);
        return reply.send(file);
      },
    );
    app.post(
      '/api/v1/compliance/report/verify',
      {
        config: { permission: 'compliance:read' },
        // a PDF report in base64 is larger than the default body limit
        bodyLimit: 12 * 1024 * 1024,
        schema: {
          summary: "Verify a signed compliance report file against the platform's audit-signing public keys (as `vigil compliance verify-report`): valid, or why not.",
          tags,
          body: Type.Object(
            { content: Type.String({ minLength: 1, maxLength: 12 * 1024 * 1024 }), encoding: Type.Union([Type.Literal('utf8'), Type.Literal('base64')]) },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ valid: Type.Boolean(), format: Nullable(Type.Union([Type.Literal('html'), Type.Literal('json'), Type.Literal('pdf')])), keyId: Nullable(Type.String()), detail: Type.String() }, { additionalProperties: false }) },
        },
      },
      async (request) => {
        const file = Buffer.from(request.body.content, request.body.encoding);
        return { ...(await deps.compliance.reports.verify(requestContext(request), file)) };
      },
    );
    app.get(
      '/api/v1/compliance/checks',
      { config: { permission: 'compliance:read' }, schema: { summary: 'The audit check catalogue: controls, severity, remediation, cadence.', tags, response: { 200: Type.Object({ checks: Type.Array(CheckBody) }, { additionalProperties: false }) } } },
      () => Promise.resolve({ checks: audits.checks.map((c) => ({ ...describeCheck(c), controls: c.controls.map((x) => ({ ...x })) })) }),
    );
    app.post(
      '/api/v1/compliance/audits',
      {
        config: { permission: 'compliance:manage' },
        schema: { summary: "Run an audit now ('full': every check; 'daily': the cheap ones) and reconcile findings.", tags, body: Type.Object({ cadence: Cadence }, { additionalProperties: false }), response: { 200: RunBody } },
      },
      async (request) => runBody(await audits.run(requestContext(request), request.body.cadence)),
    );
    app.get(
      '/api/v1/compliance/audits',
      {
        config: { permission: 'compliance:read' },
        schema: { summary: 'Audit runs, newest first.', tags, querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }, { additionalProperties: false }), response: { 200: Type.Object({ runs: Type.Array(RunBody) }, { additionalProperties: false }) } },
      },
      async (request) => ({ runs: (await audits.listRuns(requestContext(request), request.query.limit ?? 50)).map(runBody) }),
    );
    app.get(
      '/api/v1/compliance/audits/:id',
      { config: { permission: 'compliance:read' }, schema: { summary: 'One audit run with its check results.', tags, params: IdParams, response: { 200: RunBody } } },
      async (request) => runBody(await audits.getRun(requestContext(request), request.params.id)),
    );
    app.get(
      '/api/v1/compliance/findings',
      { config: { permission: 'compliance:read' }, schema: { summary: 'Findings, filtered by status, severity and check.', tags, querystring: FindingQuery, response: { 200: Type.Object({ findings: Type.Array(FindingBody) }, { additionalProperties: false }) } } },
      async (request) => ({ findings: (await audits.listFindings(requestContext(request), request.query)).map(findingBody) }),
    );
    app.get(
      '/api/v1/compliance/findings/:id',
      { config: { permission: 'compliance:read' }, schema: { summary: 'One finding.', tags, params: IdParams, response: { 200: FindingBody } } },
      async (request) => findingBody(await audits.getFinding(requestContext(request), request.params.id)),
    );
    app.post(
      '/api/v1/compliance/findings/:id/actions',
      {
        config: { permission: 'compliance:manage' },
        schema: {
          summary: 'Take a mitigation action from a finding through the owning module (quarantine or revoke a device, disable a user, require MFA); the finding becomes mitigated.',
          tags,
          params: IdParams,
          body: Type.Object({ action: Type.Union(MITIGATION_ACTIONS.map((a) => Type.Literal(a))), note: Type.Optional(Text(500)) }, { additionalProperties: false }),
          response: { 200: FindingBody },
        },
      },
      async (request) => findingBody(await deps.compliance.mitigations.act(requestContext(request), request.params.id, request.body.action, request.body.note)),
    );
    app.post(
      '/api/v1/compliance/findings/:id/suppress',
      {
        config: { permission: 'compliance:manage' },
        schema: {
          summary: 'Suppress a finding with a reason, an owner and an expiry (at most a year); it reopens at the expiry.',
          tags,
          params: IdParams,
          body: Type.Object({ reason: Text(500), owner: Text(128), expiresAt: Type.String({ format: 'date-time', maxLength: 40 }) }, { additionalProperties: false }),
          response: { 200: FindingBody },
        },
      },
      async (request) => findingBody(await audits.suppress(requestContext(request), request.params.id, request.body)),
    );
  };
}
