/**
 * Users as an admin manages them: create, list, disable, reset password or MFA, roles (change-controlled when privileged).
 * Part of the identity module; `IdentityService` (identity-service.ts) is its one entry point.
 */
import { AppError, newId, newToken, type Principal, type RequestContext, type Role } from '../kernel/index.js';
import { type IdentityCore, orgOf, isPlatformAdmin, MFA_REQUIRED_ROLES, type IdentityScope, type PrivilegedRoleGate, type UserView } from './identity-core.js';
import { UNLOCKED } from './lockout.js';
import { usernameKey } from './password-policy.js';
import type { UserRow } from './store.js';
import { usernameSkeleton } from './username-rules.js';

export class UserAdmin {
  constructor(private readonly core: IdentityCore) {}

  /** Creates a user with a one-time password that must change at first login. */
  async createUser(
    ctx: RequestContext,
    input: { orgId?: string; username: string; displayName: string; roles: readonly string[]; password?: string },
  ): Promise<{ user: UserView; oneTimePassword: string | null }> {
    const orgId = this.core.targetOrg(ctx, input.orgId);
    this.core.authorize(ctx, 'users:manage', orgId);
    const roles = this.core.grantableRoles(ctx, input.roles);
    this.core.assertUsername(input.username);
    const org = await this.core.read.findOrganization(orgId);
    if (!org) throw new AppError('IDENTITY_ORGANIZATION_NOT_FOUND');
    if (input.password !== undefined) this.core.assertPassword(input.password, input.username, org.name, false);
    const oneTimePassword = input.password === undefined ? newToken(18) : null;
    const passwordHash = await this.core.hasher.hash(input.password ?? oneTimePassword ?? '');
    const user = await this.core.uow.run((s) =>
      this.insertUser(s, ctx, {
        orgId,
        username: input.username,
        displayName: input.displayName,
        roles,
        passwordHash,
        mustChangePassword: oneTimePassword !== null,
        now: this.core.now(),
      }),
    );
    return { user: this.core.userView(user, false), oneTimePassword };
  }

  async insertUser(
    s: IdentityScope,
    ctx: RequestContext,
    input: { orgId: string; username: string; displayName: string; roles: readonly Role[]; passwordHash: string; mustChangePassword: boolean; now: string },
  ): Promise<UserRow> {
    const key = usernameKey(input.username);
    // Usernames are unique per organization (migration 0022): another tenant's names are not
    // looked at, so a 409 says nothing about them.
    if (await s.identity.findUserByKey(input.orgId, key)) throw new AppError('IDENTITY_USERNAME_TAKEN');
    // A look-alike of an existing username of the organization (UTS #39 skeleton) is as taken as the name itself.
    const skeleton = usernameSkeleton(input.username);
    if ((await s.identity.listUsernameKeys(input.orgId)).some((existing) => usernameSkeleton(existing) === skeleton)) throw new AppError('IDENTITY_USERNAME_TAKEN');
    const row: UserRow = {
      id: newId(),
      orgId: input.orgId,
      username: input.username.normalize('NFKC'),
      usernameKey: key,
      displayName: input.displayName.trim() || input.username,
      roles: input.roles,
      status: 'active',
      passwordHash: input.passwordHash,
      passwordChangedAt: input.now,
      mustChangePassword: input.mustChangePassword,
      ...UNLOCKED,
      lastLoginAt: null,
      createdAt: input.now,
      totpSecretSealed: null,
      totpConfirmedAt: null,
      totpLastStep: null,
    };
    await s.identity.insertUser(row);
    await s.identity.insertPasswordHistory(row.id, row.orgId, row.passwordHash, input.now);
    await s.audit.record(ctx, {
      action: 'identity.user.create',
      target: { type: 'user', id: row.id },
      outcome: 'success',
      orgId: row.orgId,
      details: { roles: row.roles.join(','), oneTimePassword: input.mustChangePassword },
    });
    return row;
  }

  async listUsers(ctx: RequestContext, orgId?: string): Promise<UserView[]> {
    const org = this.core.targetOrg(ctx, orgId);
    this.core.authorize(ctx, 'users:read', org);
    const users = await this.core.read.listUsers(org);
    return Promise.all(users.map(async (u) => this.core.userView(u, await this.core.mfaEnrolled(u))));
  }

  async getUser(ctx: RequestContext, userId: string): Promise<UserRow> {
    const orgId = this.core.targetOrg(ctx);
    const user = await this.core.read.findUser(orgId, userId);
    if (!user) throw new AppError('IDENTITY_USER_NOT_FOUND');
    return user;
  }

  /**
   * Looks a user up by username within the caller's organization, or within `orgId` (host
   * principals and platform admins). A host principal may leave the organization out while the
   * name is unique across organizations; otherwise it must name one.
   */
  async findUserByUsername(ctx: RequestContext, username: string, orgId?: string): Promise<UserRow> {
    const key = usernameKey(username);
    const own = orgOf(ctx);
    const org = orgId !== undefined && (own === null || isPlatformAdmin(ctx.principal)) ? orgId : own;
    if (org !== null) {
      const user = await this.core.read.findUserByKey(org, key);
      if (!user) throw new AppError('IDENTITY_USER_NOT_FOUND');
      return user;
    }
    const users = await this.core.read.findUsersForLogin(key, 2);
    if (users.length > 1) throw new AppError('IDENTITY_USER_NOT_FOUND', { detail: `identity: ${JSON.stringify(username)} exists in several organizations: name one (--org)` });
    const [user] = users;
    if (!user) throw new AppError('IDENTITY_USER_NOT_FOUND');
    return user;
  }

  async setUserStatus(ctx: RequestContext, userId: string, status: 'active' | 'disabled', orgId?: string): Promise<UserView> {
    const org = this.core.targetOrg(ctx, orgId);
    this.core.authorize(ctx, 'users:manage', org);
    const user = await this.core.uow.run(async (s) => {
      const found = await s.identity.findUser(org, userId);
      if (!found) throw new AppError('IDENTITY_USER_NOT_FOUND');
      this.core.protectPlatformAdmin(ctx, found);
      const now = this.core.now();
      const patch = status === 'active' ? { status, ...UNLOCKED } : { status };
      await s.identity.updateUser(org, userId, patch);
      let revoked = 0;
      if (status === 'disabled') revoked = await s.identity.revokeUserSessions(org, userId, now, 'user-disabled');
      await s.audit.record(ctx, {
        action: status === 'disabled' ? 'identity.user.disable' : 'identity.user.enable',
        target: { type: 'user', id: userId },
        outcome: 'success',
        orgId: org,
        details: { sessionsRevoked: revoked },
      });
      return { ...found, ...patch };
    });
    return this.core.userView(user, await this.core.mfaEnrolled(user));
  }

  /** Admin reset: a one-time password that must change at the next login; every session ends. */
  async resetPassword(ctx: RequestContext, userId: string, orgId?: string): Promise<{ oneTimePassword: string }> {
    const org = this.core.targetOrg(ctx, orgId);
    this.core.authorize(ctx, 'users:manage', org);
    const target = await this.core.read.findUser(org, userId);
    if (!target) throw new AppError('IDENTITY_USER_NOT_FOUND');
    this.core.protectPlatformAdmin(ctx, target);
    const oneTimePassword = newToken(18);
    const passwordHash = await this.core.hasher.hash(oneTimePassword);
    await this.core.uow.run(async (s) => {
      const found = await s.identity.findUser(org, userId);
      if (!found) throw new AppError('IDENTITY_USER_NOT_FOUND');
      const now = this.core.now();
      await s.identity.updateUser(org, userId, { passwordHash, passwordChangedAt: now, mustChangePassword: true, ...UNLOCKED });
      const revoked = await s.identity.revokeUserSessions(org, userId, now, 'password-reset');
      await s.audit.record(ctx, {
        action: 'identity.password.reset',
        target: { type: 'user', id: userId },
        outcome: 'success',
        orgId: org,
        details: { sessionsRevoked: revoked },
      });
    });
    return { oneTimePassword };
  }

  /**
   * An admin's MFA reset (a lost phone or security key): the user's TOTP secret, recovery codes and
   * passkeys are removed and every session ends; a user whose roles require MFA enrols again at
   * the next login. Audited as identity.mfa.remove, which the security monitor raises as a
   * privilege-escalation signal (a second factor removed).
   */
  async resetMfa(ctx: RequestContext, userId: string, orgId?: string): Promise<{ totpRemoved: boolean; passkeysRemoved: number; sessionsRevoked: number }> {
    const org = this.core.targetOrg(ctx, orgId);
    this.core.authorize(ctx, 'users:manage', org);
    const target = await this.core.read.findUser(org, userId);
    if (!target) throw new AppError('IDENTITY_USER_NOT_FOUND');
    this.core.protectPlatformAdmin(ctx, target);
    return this.core.uow.run(async (s) => {
      const found = await s.identity.findUser(org, userId);
      if (!found) throw new AppError('IDENTITY_USER_NOT_FOUND');
      const now = this.core.now();
      const totpRemoved = found.totpSecretSealed !== null;
      await s.identity.updateUser(org, userId, { totpSecretSealed: null, totpConfirmedAt: null, totpLastStep: null });
      await s.identity.replaceRecoveryCodes(org, userId, [], now);
      const passkeysRemoved = await s.identity.deleteWebauthnCredentials(org, userId);
      const sessionsRevoked = await s.identity.revokeUserSessions(org, userId, now, 'mfa-reset');
      await s.audit.record(ctx, {
        action: 'identity.mfa.remove',
        target: { type: 'user', id: userId },
        outcome: 'success',
        reason: 'admin-reset',
        orgId: org,
        details: { totpRemoved, passkeysRemoved, sessionsRevoked },
      });
      return { totpRemoved, passkeysRemoved, sessionsRevoked };
    });
  }

  #privilegedRoleGate: PrivilegedRoleGate | undefined;

  /** Installs the change-control gate for privileged role changes (composition root only). */
  setPrivilegedRoleGate(gate: PrivilegedRoleGate): void {
    this.#privilegedRoleGate = gate;
  }

  async setRoles(ctx: RequestContext, userId: string, requested: readonly string[], orgId?: string): Promise<UserView> {
    const org = this.core.targetOrg(ctx, orgId);
    this.core.authorize(ctx, 'users:manage', org);
    const roles = this.core.grantableRoles(ctx, requested);
    const gate = this.#privilegedRoleGate;
    if (gate !== undefined && ctx.principal.kind === 'user') {
      const current = await this.core.read.findUser(org, userId);
      if (!current) throw new AppError('IDENTITY_USER_NOT_FOUND');
      this.core.protectPlatformAdmin(ctx, current);
      const privileged = (list: readonly Role[]) => list.filter((r) => MFA_REQUIRED_ROLES.includes(r)).sort().join(',');
      if (privileged(current.roles) !== privileged(roles)) await gate(ctx, { orgId: org, userId, from: current.roles, to: roles });
    }
    const user = await this.core.uow.run(async (s) => {
      const found = await s.identity.findUser(org, userId);
      if (!found) throw new AppError('IDENTITY_USER_NOT_FOUND');
      // Only a platform-admin may change a platform-admin, as only one may make one.
      this.core.protectPlatformAdmin(ctx, found);
      await s.identity.updateUser(org, userId, { roles });
      // A role change takes effect at once: sessions carry roles, so they end.
      const revoked = await s.identity.revokeUserSessions(org, userId, this.core.now(), 'roles-changed');
      await s.audit.record(ctx, {
        action: 'identity.user.grant',
        target: { type: 'user', id: userId },
        outcome: 'success',
        orgId: org,
        details: { from: found.roles.join(','), to: roles.join(','), sessionsRevoked: revoked },
      });
      return { ...found, roles };
    });
    return this.core.userView(user, await this.core.mfaEnrolled(user));
  }

  /**
   * Audits a refused request of a signed-in principal (route pattern, permission, rule), for
   * activity review (HIPAA §164.308(a)(1)(ii)(D)) and the repeated-denials detector. Anonymous
   * 401s are not recorded: they would let anyone fill the log.
   */
  async recordDenied(ctx: RequestContext, route: string, permission: string, rule: string): Promise<void> {
    const orgId = orgOf(ctx);
    await this.core.uow.run((s) =>
      s.audit.record(ctx, {
        action: 'access.request.deny',
        target: { type: 'route', id: route.slice(0, 128) },
        outcome: 'denied',
        reason: rule,
        ...(orgId !== null ? { orgId } : {}),
        details: { permission },
      }),
    );
  }

  /** The Principal a user would have, for explain() about another user of the caller's tenant. */
  async principalOf(ctx: RequestContext, userId: string): Promise<Principal> {
    this.core.authorize(ctx, 'access:explain');
    const user = await this.getUser(ctx, userId);
    return { kind: 'user', id: user.id, orgId: user.orgId, username: user.username, roles: user.roles, sessionId: 'explain', mfa: true };
  }
}
