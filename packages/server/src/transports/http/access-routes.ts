/**
 * GET /api/v1/access/explain: which rule allows or denies a request, for the caller or for another
 * user of the caller's organization.
 *
 * MUST: the permission is the one the route table declares for the method and path (the same
 *       table the guard enforces), and the decision comes from access.explain() -> decide().
 * MUST: a userId of another organization answers 404, like any cross-tenant read.
 * MUST: after the declared permission, explain runs what the route's handler runs (InnerChecks):
 *       a second permission, HIPAA training, the patient's organization and the PHI rule, and
 *       answers as the route does (403 on the record, 404 on vitals). Before, explain said
 *       "allow" for an admin on GET /patients/:id, which answered 403 (issue 11). The access
 *       matrix compares explain with the real answer in every cell. Change control (issue 14)
 *       too: a route that acts only as an approved change is denied, and a change's approval
 *       needs the owning module's permission for its kind.
 */
import { Type } from 'typebox';
import { decide, explain, type Permission } from '../../access/index.js';
import type { IdentityService } from '../../identity/index.js';
import { AppError, type Principal } from '../../kernel/index.js';
import type { HttpRoutes } from './http-server.js';
import type { HttpServer } from './http-server-type.js';
import { requestContext, type DeclaredRoute } from './route-permissions.js';

const closed = { additionalProperties: false } as const;

/** Splits a path into its segments, without the query string. */
function segments(path: string): string[] {
  return (path.split('?')[0] ?? '').split('/').filter((s) => s.length > 0);
}

/**
 * The declared route that serves `method path`, as fastify's router would choose it: static
 * segments before parameters, parameters before a wildcard.
 */
export function matchRoute(routes: readonly DeclaredRoute[], method: string, path: string): DeclaredRoute | undefined {
  const wanted = segments(path);
  let best: { route: DeclaredRoute; score: number } | undefined;
  for (const route of routes) {
    if (route.method !== method.toUpperCase()) continue;
    const pattern = segments(route.url);
    let score = 0;
    let ok = true;
    for (let i = 0; i < Math.max(pattern.length, wanted.length); i += 1) {
      const p = pattern[i];
      const w = wanted[i];
      if (p === '*') {
        score += 0;
        break;
      }
      if (p === undefined || w === undefined) {
        ok = false;
        break;
      }
      if (p.startsWith(':')) score += 1;
      else if (p === w) score += 2;
      else {
        ok = false;
        break;
      }
    }
    if (ok && (best === undefined || score > best.score)) best = { route, score };
  }
  return best?.route;
}

/** The PHI rule as the patients module runs it, read-only (PatientService.explainPhiAccess). */
export interface PhiExplainer {
  explainPhiAccess(subject: Principal, patientId: string): Promise<{ readonly found: boolean; readonly allow: boolean; readonly reason: string }>;
  explainTraining(subject: Principal): Promise<boolean>;
}

type Deny = 'unauthenticated' | 'forbidden' | 'not-found';

/**
 * What a route's handler checks after its declared permission, in order: a second permission
 * (FHIR reads delegate to the patients and devices modules), current HIPAA training (patient
 * lists), the patient named by `:id` (its organization, then the PHI rule, answering a training
 * and a care-relationship refusal as the route does).
 */
interface InnerChecks {
  /** Change control (issue 14): the route acts only as an approved change's application. */
  readonly changeControl?: true;
  /** A change request's approval: the owning module's permission for the change's kind. */
  readonly changeApproval?: true;
  readonly permission?: Permission;
  readonly training?: boolean;
  readonly patient?: { readonly trainingRefusal: Deny; readonly careRefusal: Deny } | 'exists';
  /**
   * The disclosures module's rule (disclosures/disclosure-service.ts): the patient exists, then
   * current training, then a care relationship or patients:disclosures; refusals are 403.
   */
  readonly disclosures?: true;
}
const PHI = { trainingRefusal: 'forbidden', careRefusal: 'forbidden' } as const;
const VITALS = { trainingRefusal: 'not-found', careRefusal: 'not-found' } as const;
const INNER_CHECKS: Readonly<Record<string, InnerChecks>> = {
  'GET /api/v1/patients': { training: true },
  'GET /api/v1/patients/:id': { patient: PHI },
  'GET /api/v1/patients/:id/vitals/latest': { patient: VITALS },
  'GET /api/v1/patients/:id/vitals': { patient: VITALS },
  'GET /api/v1/patients/:id/vitals/stream': { patient: VITALS },
  'GET /fhir/R4/Patient': { permission: 'patients:read', training: true },
  'GET /fhir/R4/Patient/:id': { permission: 'patients:read', patient: { trainingRefusal: 'forbidden', careRefusal: 'not-found' } },
  'GET /fhir/R4/Device/:id': { permission: 'devices:read' },
  'POST /api/v1/patients/:id/disclosures/records': { disclosures: true },
  'GET /api/v1/patients/:id/disclosures/records': { disclosures: true },
  'GET /api/v1/patients/:id/disclosures/accounting': { disclosures: true },
  'POST /api/v1/patients/:id/disclosures/suspensions': { disclosures: true },
  'GET /api/v1/patients/:id/disclosures/suspensions': { disclosures: true },
  'POST /api/v1/keys/kek/rotate': { changeControl: true },
  'POST /api/v1/changes/:id/approve': { changeApproval: true },
};

/** The change-control rules as ChangeService runs them, read-only (issue 14). */
export interface ChangeExplainer {
  explainApproval(subject: Principal, id: string): Promise<{ readonly found: boolean; readonly allow: boolean; readonly reason: string }>;
}
const PATIENT_ROUTE = /^\/api\/v1\/patients\/:id(\/|$)/;

type Answer = { allow: boolean; rule: string; permission: string; reason: string; steps: string[]; deny?: Deny };

function denied(answer: Answer, deny: Deny, rule: string, reason: string): Answer {
  return { ...answer, allow: false, deny, rule, reason, steps: [...answer.steps, `${rule}: ${reason}`, `decision: deny (${deny})`] };
}

/** After the declared permission allowed: the checks the route's handler runs (InnerChecks). */
async function explainInner(phi: PhiExplainer, subject: Principal, route: DeclaredRoute, path: string, answer: Answer, changes?: ChangeExplainer): Promise<Answer> {
  const checks: InnerChecks = INNER_CHECKS[`${route.method} ${route.url}`] ?? (PATIENT_ROUTE.test(route.url) ? { patient: 'exists' } : {});
  if (checks.changeControl === true) return denied(answer, 'forbidden', 'change-control', 'this acts only as the application of an approved change request (POST /api/v1/changes)');
  if (checks.changeApproval === true && changes) {
    const result = await changes.explainApproval(subject, segments(path)[3] ?? '');
    if (!result.found) return denied(answer, 'not-found', 'resource-not-found', result.reason);
    if (!result.allow) return denied(answer, 'forbidden', 'change-control', result.reason);
  }
  if (checks.permission !== undefined) {
    const inner = decide(subject, checks.permission);
    if (!inner.allow) return denied(answer, inner.deny ?? 'forbidden', inner.rule, `the handler also needs ${checks.permission}: ${inner.reason}`);
  }
  if (checks.disclosures === true) return explainDisclosures(phi, subject, path, answer);
  if (checks.training === true && !(await phi.explainTraining(subject))) return denied(answer, 'forbidden', 'phi-rule', 'current HIPAA training is required');
  if (checks.patient !== undefined) {
    const result = await phi.explainPhiAccess(subject, segments(path)[3] ?? '');
    if (!result.found) return denied(answer, 'not-found', 'resource-not-found', 'no such patient in the organization');
    if (checks.patient !== 'exists') {
      if (!result.allow) {
        const deny = result.reason === 'training-required' ? checks.patient.trainingRefusal : checks.patient.careRefusal;
        return denied(answer, deny, 'phi-rule', result.reason);
      }
      return { ...answer, rule: 'phi-rule', reason: `PHI rule: ${result.reason}`, steps: [...answer.steps, `phi-rule: allow (${result.reason})`] };
    }
  }
  return answer;
}

/** The disclosures rule, read-only: found, trained, then care team or patients:disclosures. */
async function explainDisclosures(phi: PhiExplainer, subject: Principal, path: string, answer: Answer): Promise<Answer> {
  const result = await phi.explainPhiAccess(subject, segments(path)[3] ?? '');
  if (!result.found) return denied(answer, 'not-found', 'resource-not-found', 'no such patient in the organization');
  if (subject.kind !== 'user') return answer;
  if (!(await phi.explainTraining(subject))) return denied(answer, 'forbidden', 'phi-rule', 'training-required');
  if (decide(subject, 'patients:disclosures').allow) return { ...answer, rule: 'phi-rule', reason: 'PHI rule: trained, privacy function (patients:disclosures)', steps: [...answer.steps, 'phi-rule: allow (trained, patients:disclosures)'] };
  if (result.allow && result.reason === 'basis care-team') return { ...answer, rule: 'phi-rule', reason: 'PHI rule: trained, care team', steps: [...answer.steps, 'phi-rule: allow (trained, care team)'] };
  return denied(answer, 'forbidden', 'phi-rule', 'care-relationship-required');
}

export function accessRoutes(identity: IdentityService, phi?: PhiExplainer, changes?: ChangeExplainer): HttpRoutes {
  return async (app) => {
    app.get(
      '/api/v1/access/explain',
      {
        config: { permission: 'access:explain' },
        schema: {
          summary: 'Explains which rule allows or denies a request (method + path), for the caller or a user of the same organization.',
          tags: ['access'],
          querystring: Type.Object(
            {
              method: Type.Union(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => Type.Literal(m))),
              path: Type.String({ minLength: 1, maxLength: 512, pattern: '^/' }),
              userId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            },
            closed,
          ),
          response: {
            200: Type.Object(
              {
                allow: Type.Boolean(),
                deny: Type.Optional(Type.Union([Type.Literal('unauthenticated'), Type.Literal('forbidden'), Type.Literal('not-found')])),
                rule: Type.String(),
                permission: Type.String(),
                reason: Type.String(),
                steps: Type.Array(Type.String()),
              },
              closed,
            ),
          },
        },
      },
      async (request) => {
        const { method, path, userId } = request.query;
        const server = request.server as unknown as HttpServer;
        const route = matchRoute(server.declaredRoutes(), method, path);
        if (!route) throw new AppError('ACCESS_ROUTE_UNKNOWN');
        const ctx = requestContext(request);
        const principal = userId === undefined ? ctx.principal : await identity.principalOf(ctx, userId);
        const explanation = explain(principal, route.permission);
        const answer: Answer = {
          ...explanation,
          ...(explanation.deny !== undefined ? { deny: explanation.deny } : {}),
          steps: [`route: ${route.method} ${route.url} declares permission ${route.permission}`, ...explanation.steps],
        };
        if (answer.allow && phi !== undefined) return explainInner(phi, principal, route, path, answer, changes);
        return answer;
      },
    );
  };
}
