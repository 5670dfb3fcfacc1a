/**
 * Service accounts: scoped, expiring API tokens for machines.
 * Part of the identity module; `IdentityService` (identity-service.ts) is its one entry point.
 */
import { isPermission, PERMISSIONS } from '../access/index.js';
import { AppError, newId, type Principal, type RequestContext } from '../kernel/index.js';
import type { IdentityCore } from './identity-core.js';
import { newServiceToken, tokenHash } from './session-tokens.js';

export class ServiceAccounts {
  constructor(private readonly core: IdentityCore) {}

  async createServiceAccount(
    ctx: RequestContext,
    input: { name: string; scopes: readonly string[]; expiresInDays: number; orgId?: string },
  ): Promise<{ id: string; token: string; expiresAt: string }> {
    const orgId = this.core.targetOrg(ctx, input.orgId);
    this.core.authorize(ctx, 'service-accounts:manage', orgId);
    for (const scope of input.scopes) {
      if (!isPermission(scope) || !(PERMISSIONS[scope].roles as readonly string[]).includes('service')) throw new AppError('IDENTITY_SCOPE_INVALID');
    }
    const token = newServiceToken();
    const id = newId();
    const nowDate = this.core.clock.now();
    const expiresAt = new Date(nowDate.getTime() + input.expiresInDays * 86_400_000).toISOString();
    await this.core.uow.run(async (s) => {
      await s.identity.insertServiceAccount({ id, orgId, name: input.name, scopes: [...input.scopes], tokenHash: tokenHash(token), createdAt: nowDate.toISOString(), expiresAt, revokedAt: null });
      await s.audit.record(ctx, { action: 'identity.service_account.create', target: { type: 'service_account', id }, outcome: 'success', orgId, details: { scopes: input.scopes.join(','), expiresAt } });
    });
    return { id, token, expiresAt };
  }

  async resolveServiceToken(token: string): Promise<Principal> {
    const row = await this.core.read.findServiceAccountByTokenHash(tokenHash(token));
    if (!row || row.revokedAt !== null || row.expiresAt <= this.core.now()) throw new AppError('IDENTITY_SESSION_INVALID');
    return { kind: 'service', id: row.id, orgId: row.orgId, scopes: row.scopes, tokenId: row.id };
  }
}
