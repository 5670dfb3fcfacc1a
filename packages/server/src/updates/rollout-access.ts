/**
 * Who may act on a rollout and in which organization: shared by the rollout service and the
 * organization's maintenance windows.
 *
 * MUST: a campaign or window of another organization answers 404, never 403 (no oracle), except
 *       for a platform admin naming the organization.
 */
import { decide, type Permission } from '../access/index.js';
import { AppError, principalOrg, type RequestContext } from '../kernel/index.js';

/** The organization a request acts in: the caller's own, or the one a platform admin (or the host) names. */
export function rolloutOrg(ctx: RequestContext, orgId: string | undefined): string {
  const own = principalOrg(ctx.principal);
  const org = own ?? orgId;
  if (org === undefined) throw invalidRollout('Name the organization.');
  if (own !== null && orgId !== undefined && orgId !== own && !(ctx.principal.kind === 'user' && ctx.principal.roles.includes('platform-admin'))) throw new AppError('UPDATES_ROLLOUT_NOT_FOUND');
  return orgId ?? org;
}

export function authorizeRollout(ctx: RequestContext, permission: Permission, orgId: string): void {
  const decision = decide(ctx.principal, permission, { orgId });
  if (!decision.allow) throw new AppError(decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : decision.deny === 'not-found' ? 'UPDATES_ROLLOUT_NOT_FOUND' : 'FORBIDDEN', { detail: decision.reason });
}

export function invalidRollout(message: string): AppError {
  return new AppError('UPDATES_ROLLOUT_INVALID', { publicMessage: message });
}
