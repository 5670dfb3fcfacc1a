/**
 * Principal: who is acting. Every service call takes one through a RequestContext.
 * The kinds grow with identity (users, service accounts) and devices; `system` is
 * Vigil itself (start-up, jobs), and `cli` an operator on the host with the data directory.
 */
export type Principal =
  | { readonly kind: 'system'; readonly id: 'system' }
  | { readonly kind: 'cli'; readonly id: string }
  | { readonly kind: 'anonymous'; readonly id: 'anonymous' };

export const SYSTEM_PRINCIPAL: Principal = { kind: 'system', id: 'system' };
export const ANONYMOUS_PRINCIPAL: Principal = { kind: 'anonymous', id: 'anonymous' };

/** The operator running the `vigil` CLI on the host, named by their OS user. */
export function cliPrincipal(osUser: string): Principal {
  return { kind: 'cli', id: osUser };
}
