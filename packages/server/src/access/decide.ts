/**
 * decide(principal, permission, resource) -> Decision: the one pure access rule. No I/O.
 *
 * MUST: deny by default; every Decision names the rule that produced it (explain()).
 * MUST: a resource in another organization is reported as `not-found` (the transport answers
 *       404, never 403: ARCHITECTURE §2.4), so a cross-tenant probe learns nothing.
 */
import type { Principal } from '../kernel/index.js';
import { isPermission, PERMISSIONS } from './permissions.js';

export interface ResourceRef {
  readonly orgId: string;
}

export type DecisionRule =
  | 'role-grants-permission'
  | 'service-scope'
  | 'system-principal'
  | 'unknown-permission'
  | 'anonymous'
  | 'no-role-grants-permission'
  | 'scope-missing'
  | 'other-organization'
  | 'device-principal';

export interface Decision {
  readonly allow: boolean;
  /** Deny outcome as the client sees it: unauthenticated (401), forbidden (403) or not-found (404). */
  readonly deny?: 'unauthenticated' | 'forbidden' | 'not-found';
  readonly rule: DecisionRule;
  readonly permission: string;
  /** Human-readable reason, for explain() and the audit reason. */
  readonly reason: string;
}

function allow(permission: string, rule: DecisionRule, reason: string): Decision {
  return { allow: true, rule, permission, reason };
}
function deny(permission: string, deny: NonNullable<Decision['deny']>, rule: DecisionRule, reason: string): Decision {
  return { allow: false, deny, rule, permission, reason };
}

export function decide(principal: Principal, permission: string, resource?: ResourceRef): Decision {
  if (!isPermission(permission)) return deny(permission, 'forbidden', 'unknown-permission', `permission ${permission} is not in the table`);
  switch (principal.kind) {
    case 'system':
    case 'cli':
      return allow(permission, 'system-principal', `${principal.kind} acts on the host with the data directory`);
    case 'anonymous':
      return deny(permission, 'unauthenticated', 'anonymous', 'not signed in');
    case 'device':
      return deny(permission, 'forbidden', 'device-principal', 'devices hold no API permissions');
    case 'service': {
      if (resource && resource.orgId !== principal.orgId) return deny(permission, 'not-found', 'other-organization', 'resource belongs to another organization');
      const roles: readonly string[] = PERMISSIONS[permission].roles;
      if (!roles.includes('service')) return deny(permission, 'forbidden', 'no-role-grants-permission', `role service does not hold ${permission}`);
      if (!principal.scopes.includes(permission)) return deny(permission, 'forbidden', 'scope-missing', `token scopes do not include ${permission}`);
      return allow(permission, 'service-scope', `token scope ${permission}`);
    }
    case 'user': {
      const platformAdmin = principal.roles.includes('platform-admin');
      if (resource && resource.orgId !== principal.orgId && !platformAdmin) {
        return deny(permission, 'not-found', 'other-organization', 'resource belongs to another organization');
      }
      const roles: readonly string[] = PERMISSIONS[permission].roles;
      const granting = principal.roles.find((role) => roles.includes(role));
      if (granting === undefined) return deny(permission, 'forbidden', 'no-role-grants-permission', `no role of the user holds ${permission}`);
      return allow(permission, 'role-grants-permission', `role ${granting} holds ${permission}`);
    }
  }
}
