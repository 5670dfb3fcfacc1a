/**
 * Principal: who is acting. Every service call takes one through a RequestContext.
 * `system` is Vigil itself (start-up, jobs), `cli` an operator on the host with the data
 * directory, `user` a signed-in person, `service` a service account's API token, and `device`
 * a device authenticated by its client certificate.
 *
 * MUST: a user's or service's `orgId` is the only tenant it may act in (platform-admin aside,
 *       which access/ decides); stores query by it.
 */

/** Roles are scoped to an organization (ARCHITECTURE; issue "identity and access"). */
export const ROLES = ['platform-admin', 'org-admin', 'security-officer', 'clinician', 'technician', 'auditor', 'service'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export type Principal =
  | { readonly kind: 'system'; readonly id: 'system' }
  | { readonly kind: 'cli'; readonly id: string }
  | { readonly kind: 'anonymous'; readonly id: 'anonymous' }
  | {
      readonly kind: 'user';
      readonly id: string;
      readonly orgId: string;
      readonly username: string;
      readonly roles: readonly Role[];
      /** The session the request came in on (for revocation and audit). */
      readonly sessionId: string;
      /** True when this session completed a second factor. */
      readonly mfa: boolean;
    }
  | {
      readonly kind: 'service';
      readonly id: string;
      readonly orgId: string;
      /** The token's scopes: permission names it may use, within the service role. */
      readonly scopes: readonly string[];
      readonly tokenId: string;
    }
  | { readonly kind: 'device'; readonly id: string; readonly orgId: string };

export const SYSTEM_PRINCIPAL: Principal = { kind: 'system', id: 'system' };
export const ANONYMOUS_PRINCIPAL: Principal = { kind: 'anonymous', id: 'anonymous' };

/** The operator running the `vigil` CLI on the host, named by their OS user. */
export function cliPrincipal(osUser: string): Principal {
  return { kind: 'cli', id: osUser };
}

/** The organization a principal acts in, or null for host-level principals (system, cli, anonymous). */
export function principalOrg(principal: Principal): string | null {
  switch (principal.kind) {
    case 'user':
    case 'service':
    case 'device':
      return principal.orgId;
    case 'system':
    case 'cli':
    case 'anonymous':
      return null;
  }
}
