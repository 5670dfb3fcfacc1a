/**
 * Who is acting, and may they use this permission: the first check of every patients use case.
 *
 * MUST: the route permission is checked again here with access.decide (ARCHITECTURE §2.5), with
 *       the resource's organization when there is one, so a cross-tenant resource is not-found.
 * MUST: PHI paths accept only a `user` principal (a person who can hold training and a care
 *       relationship); other principals get PATIENTS_PHI_PRINCIPAL_REQUIRED.
 */
import { decide, type Permission } from '../access/index.js';
import { AppError, principalOrg, type ErrorCode, type Principal, type RequestContext } from '../kernel/index.js';

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

export function actingUser(ctx: RequestContext): UserPrincipal {
  if (ctx.principal.kind !== 'user') throw new AppError('PATIENTS_PHI_PRINCIPAL_REQUIRED', { detail: `principal kind ${ctx.principal.kind}` });
  return ctx.principal;
}

/** The organization the principal acts in; host principals (system, cli) have none here. */
export function actingOrg(ctx: RequestContext): string {
  const org = principalOrg(ctx.principal);
  if (org === null) throw new AppError('FORBIDDEN', { detail: `a ${ctx.principal.kind} principal acts in no organization` });
  return org;
}

/**
 * Throws unless decide() allows. A not-found denial (another tenant) becomes `notFound`, so the
 * caller chooses the module's 404 code.
 */
export function requirePermission(ctx: RequestContext, permission: Permission, resourceOrgId?: string, notFound: ErrorCode = 'NOT_FOUND'): void {
  const decision = decide(ctx.principal, permission, resourceOrgId === undefined ? undefined : { orgId: resourceOrgId });
  if (decision.allow) return;
  const code: ErrorCode = decision.deny === 'not-found' ? notFound : decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN';
  throw new AppError(code, { detail: `access: ${decision.rule}: ${decision.reason}` });
}

export function allows(ctx: RequestContext, permission: Permission, resourceOrgId: string): boolean {
  return decide(ctx.principal, permission, { orgId: resourceOrgId }).allow;
}
