/**
 * explain(): why a principal may or may not use a permission, as a list of steps a person can
 * read. It runs the same decide() the guard runs, so the explanation cannot drift from the rule.
 */
import type { Principal } from '../kernel/index.js';
import { decide, type DecisionRule, type ResourceRef } from './decide.js';
import { isPermission, PERMISSIONS } from './permissions.js';

export interface Explanation {
  readonly allow: boolean;
  readonly rule: DecisionRule | 'public';
  readonly permission: string;
  readonly reason: string;
  /** Set on a denial: what the client sees (401, 403 or 404). */
  readonly deny?: 'unauthenticated' | 'forbidden' | 'not-found';
  readonly steps: string[];
}

function describePrincipal(principal: Principal): string {
  switch (principal.kind) {
    case 'user':
      return `user ${principal.username} (${principal.id}) in organization ${principal.orgId} with roles [${principal.roles.join(', ')}]`;
    case 'service':
      return `service account ${principal.id} in organization ${principal.orgId} with scopes [${principal.scopes.join(', ')}]`;
    case 'device':
      return `device ${principal.id}`;
    case 'system':
    case 'cli':
    case 'anonymous':
      return principal.kind;
  }
}

export function explain(principal: Principal, permission: string, resource?: ResourceRef): Explanation {
  const steps = [`principal: ${describePrincipal(principal)}`];
  if (permission === 'public') {
    steps.push('permission: public (anyone, signed in or not)');
    return { allow: true, rule: 'public', permission, reason: 'the route is public', steps };
  }
  if (isPermission(permission)) {
    steps.push(`permission: ${permission}, held by roles [${PERMISSIONS[permission].roles.join(', ')}]`);
  } else {
    steps.push(`permission: ${permission} is not in the permission table (deny by default)`);
  }
  if (resource) steps.push(`resource organization: ${resource.orgId}`);
  const decision = decide(principal, permission, resource);
  steps.push(`rule ${decision.rule}: ${decision.reason}`);
  steps.push(decision.allow ? 'decision: allow' : `decision: deny (${decision.deny ?? 'forbidden'})`);
  return { allow: decision.allow, rule: decision.rule, permission, reason: decision.reason, steps, ...(decision.allow ? {} : { deny: decision.deny ?? 'forbidden' }) };
}
