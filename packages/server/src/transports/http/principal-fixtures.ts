/**
 * A test Authorizer until identity's authenticator is merged: the `x-test-principal` header names
 * a registered user Principal, and the route permission is checked with access.decide (deny by
 * default, cross-tenant not-found, like the real one). Imported by *.test.ts only.
 */
import { decide } from '../../access/index.js';
import { AppError, type Principal } from '../../kernel/index.js';
import type { Authorizer } from './route-permissions.js';

export const TEST_PRINCIPAL_HEADER = 'x-test-principal';

export class TestPrincipals {
  readonly #byName = new Map<string, Principal>();

  add(name: string, principal: Principal): Principal {
    this.#byName.set(name, principal);
    return principal;
  }

  readonly authorize: Authorizer = async (request, permission) => {
    const name = request.headers[TEST_PRINCIPAL_HEADER];
    const principal = typeof name === 'string' ? this.#byName.get(name) : undefined;
    if (principal === undefined) throw new AppError('UNAUTHENTICATED');
    const decision = decide(principal, permission);
    if (!decision.allow) throw new AppError(decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN', { detail: decision.reason });
    return principal;
  };
}
