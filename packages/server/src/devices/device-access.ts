/**
 * How the device registry authorizes a call: the organization it acts on, and the permission check.
 *
 * MUST: a principal of an organization acts only on its own (the explicit id is ignored); a
 *       principal without one (the CLI) must name it.
 * MUST: another organization's device is DEVICE_NOT_FOUND (404), never 403.
 */
import { decide, type Permission } from '../access/index.js';
import { AppError, principalOrg, type RequestContext } from '../kernel/index.js';

export function deviceOrg(ctx: RequestContext, explicit: string | undefined): string {
  const own = principalOrg(ctx.principal);
  if (own !== null) return own;
  if (explicit === undefined || explicit === '') {
    throw new AppError('VALIDATION_FAILED', { publicMessage: 'An organization id is required.', detail: 'an organization id is required (--org)' });
  }
  return explicit;
}

export function authorizeDevice(ctx: RequestContext, permission: Permission, orgId: string): void {
  const decision = decide(ctx.principal, permission, { orgId });
  if (decision.allow) return;
  if (decision.deny === 'not-found') throw new AppError('DEVICE_NOT_FOUND');
  throw new AppError(decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN', { detail: decision.reason });
}
