/**
 * Sign-in, sessions (idle and absolute limits, logout) and password changes.
 * Part of the identity module; `IdentityService` (identity-service.ts) is its one entry point.
 */
import { AppError, newId, type Principal, type RequestContext } from '../kernel/index.js';
import { type IdentityCore, TOUCH_GRANULARITY_MS, type SessionView, type SessionAuth, type LoginResult } from './identity-core.js';
import { afterFailure, isLocked, UNLOCKED } from './lockout.js';
import { isValidUsername, usernameKey } from './password-policy.js';
import { csrfTokenFor, newSessionToken, tokenHash } from './session-tokens.js';
import type { SessionKind, SessionRow, UserRow } from './store.js';

export class SessionUseCases {
  constructor(private readonly core: IdentityCore) {}

  async login(ctx: RequestContext, input: { username: string; password: string; mode: SessionKind; organization?: string | undefined }): Promise<LoginResult> {
    const key = usernameKey(input.username);
    const { user, ambiguous } = await this.loginAccount(input.username, input.organization);
    const nowDate = this.core.clock.now();
    // One argon2 verification on every path: the answer's timing does not depend on the username.
    const passwordOk = user ? await this.core.hasher.verify(user.passwordHash, input.password) : await this.core.hasher.verifyDummy(input.password);
    const failed = new AppError('IDENTITY_LOGIN_FAILED');
    if (!user) {
      const fingerprint = await this.core.fingerprint(key);
      await this.core.uow.run((s) =>
        s.audit.record(ctx, { action: 'identity.login.attempt', target: { type: 'username', id: fingerprint }, outcome: 'failure', reason: ambiguous ? 'organization-required' : 'unknown-user' }),
      );
      throw failed;
    }
    const now = nowDate.toISOString();
    if (user.status !== 'active' || isLocked(user, nowDate) || !passwordOk) {
      const reason = user.status !== 'active' ? 'disabled' : isLocked(user, nowDate) ? 'locked' : 'wrong-password';
      await this.core.uow.run(async (s) => {
        const current = (await s.identity.findUser(user.orgId, user.id)) ?? user;
        let lockedUntil: string | null = null;
        if (reason === 'wrong-password') {
          const next = afterFailure(this.core.settings.lockout, current, nowDate);
          await s.identity.updateUser(user.orgId, user.id, next);
          if (next.lockedUntil !== current.lockedUntil) lockedUntil = next.lockedUntil;
        }
        await s.audit.record(ctx, {
          action: 'identity.login.attempt',
          target: { type: 'user', id: user.id },
          outcome: 'failure',
          reason,
          orgId: user.orgId,
          ...(lockedUntil !== null ? { details: { lockedUntil } } : {}),
        });
        if (lockedUntil !== null) {
          await s.audit.record(ctx, { action: 'identity.user.lock', target: { type: 'user', id: user.id }, outcome: 'success', reason: 'too-many-failures', orgId: user.orgId, details: { lockedUntil } });
        }
      });
      throw failed;
    }

    const token = newSessionToken();
    const enrolled = await this.core.mfaEnrolled(user);
    const base: SessionRow = {
      id: newId(),
      tokenHash: tokenHash(token),
      userId: user.id,
      orgId: user.orgId,
      kind: input.mode,
      state: 'authenticated',
      mfa: false,
      createdAt: now,
      lastSeenAt: now,
      idleExpiresAt: new Date(nowDate.getTime() + this.core.settings.idleMinutes * 60_000).toISOString(),
      absoluteExpiresAt: new Date(nowDate.getTime() + this.core.settings.absoluteHours * 3_600_000).toISOString(),
      revokedAt: null,
      revokedReason: null,
      challenge: null,
    };
    const session: SessionRow = { ...base, state: this.core.nextState(user, base, enrolled) };
    const updated: UserRow = { ...user, ...UNLOCKED, lockLevel: 0, lastLoginAt: now };
    await this.core.uow.run(async (s) => {
      await s.identity.updateUser(user.orgId, user.id, { ...UNLOCKED, lastLoginAt: now });
      await s.identity.insertSession(session);
      await s.audit.record(ctx, {
        action: 'identity.login.attempt',
        target: { type: 'user', id: user.id },
        outcome: 'success',
        orgId: user.orgId,
        details: { session: session.id, state: session.state, mode: input.mode },
      });
    });
    const auth = { token, session, user: updated };
    return { token, auth, view: await this.view(auth) };
  }

  /**
   * The account a sign-in names: the username within the named organization (name or id), or,
   * when none is named, the one account with that username across organizations. Several
   * accounts with the name and no organization: none (the sign-in fails like a wrong password).
   */
  private async loginAccount(username: string, organization: string | undefined): Promise<{ user: UserRow | undefined; ambiguous: boolean }> {
    if (!isValidUsername(username)) return { user: undefined, ambiguous: false };
    const key = usernameKey(username);
    if (organization !== undefined && organization.trim() !== '') {
      const org = (await this.core.findOrganizationByName(organization)) ?? (await this.core.read.findOrganization(organization.trim()));
      return { user: org ? await this.core.read.findUserByKey(org.id, key) : undefined, ambiguous: false };
    }
    const users = await this.core.read.findUsersForLogin(key, 2);
    return users.length === 1 ? { user: users[0], ambiguous: false } : { user: undefined, ambiguous: users.length > 1 };
  }

  /**
   * Resolves a session token. Throws IDENTITY_SESSION_INVALID when it is unknown, revoked, idle or
   * past its absolute limit, or when its user is no longer active. `touch` extends the idle timer.
   */
  async resolveSession(ctx: RequestContext, token: string, touch: boolean): Promise<SessionAuth> {
    const invalid = new AppError('IDENTITY_SESSION_INVALID');
    const session = await this.core.read.findSessionByTokenHash(tokenHash(token));
    if (!session) throw invalid;
    if (session.revokedAt !== null) {
      // Disabling an account revokes its sessions (reason user-disabled): a later use of such a
      // token is the stolen or lingering credential the disabled-account-token detector looks
      // for. Checking only live sessions (as before) meant it could never fire (issue 11).
      if (session.revokedReason === 'user-disabled') await this.#refuseDisabledUser(ctx, session);
      throw invalid;
    }
    const nowDate = this.core.clock.now();
    const now = nowDate.toISOString();
    const expired = session.absoluteExpiresAt <= now ? 'absolute-timeout' : session.idleExpiresAt <= now ? 'idle-timeout' : null;
    if (expired !== null) {
      await this.core.uow.run(async (s) => {
        await s.identity.updateSession(session.id, { revokedAt: now, revokedReason: expired });
        await s.audit.record(ctx, { action: 'identity.session.expire', target: { type: 'session', id: session.id }, outcome: 'success', reason: expired, orgId: session.orgId, details: { user: session.userId } });
      });
      throw invalid;
    }
    const user = await this.core.read.findUser(session.orgId, session.userId);
    // A disabled account's token in use: stolen or lingering credentials (security detector).
    if (user && user.status !== 'active') await this.#refuseDisabledUser(ctx, session);
    if (!user || user.status !== 'active') throw invalid;
    if (touch && nowDate.getTime() - Date.parse(session.lastSeenAt) >= TOUCH_GRANULARITY_MS) {
      const idleExpiresAt = new Date(Math.min(nowDate.getTime() + this.core.settings.idleMinutes * 60_000, Date.parse(session.absoluteExpiresAt))).toISOString();
      await this.core.read.updateSession(session.id, { lastSeenAt: now, idleExpiresAt });
      return { token, user, session: { ...session, lastSeenAt: now, idleExpiresAt } };
    }
    return { token, user, session };
  }

  async #refuseDisabledUser(ctx: RequestContext, session: SessionRow): Promise<void> {
    await this.core.uow.run((s) =>
      s.audit.record(ctx, { action: 'identity.session.refuse', target: { type: 'session', id: session.id }, outcome: 'denied', reason: 'user-disabled', orgId: session.orgId, details: { user: session.userId } }),
    );
  }

  async logout(ctx: RequestContext, auth: SessionAuth): Promise<void> {
    await this.core.uow.run(async (s) => {
      await s.identity.updateSession(auth.session.id, { revokedAt: this.core.now(), revokedReason: 'logout' });
      await s.audit.record(ctx, { action: 'identity.session.logout', target: { type: 'session', id: auth.session.id }, outcome: 'success', orgId: auth.user.orgId, details: { user: auth.user.id } });
    });
  }

  /** The Principal of a resolved session (any state; the authorizer checks the state). */
  principal(auth: SessionAuth): Principal {
    return {
      kind: 'user',
      id: auth.user.id,
      orgId: auth.user.orgId,
      username: auth.user.username,
      roles: auth.user.roles,
      sessionId: auth.session.id,
      mfa: auth.session.mfa,
    };
  }

  async view(auth: SessionAuth): Promise<SessionView> {
    const methods = await this.core.mfaMethods(auth.user);
    const { user, session } = auth;
    return {
      user: { id: user.id, username: user.username, displayName: user.displayName, orgId: user.orgId, roles: [...user.roles] },
      state: session.state,
      mfa: session.mfa,
      mfaMethods: methods,
      idleExpiresAt: session.idleExpiresAt,
      absoluteExpiresAt: session.absoluteExpiresAt,
      csrfToken: csrfTokenFor(auth.token),
    };
  }

  async changePassword(ctx: RequestContext, auth: SessionAuth, currentPassword: string, newPassword: string): Promise<SessionAuth> {
    const { user } = auth;
    if (auth.session.state === 'mfa-required') throw new AppError('IDENTITY_SESSION_STATE');
    if (!(await this.core.hasher.verify(user.passwordHash, currentPassword))) {
      await this.core.uow.run((s) =>
        s.audit.record(ctx, { action: 'identity.password.change', target: { type: 'user', id: user.id }, outcome: 'failure', reason: 'wrong-password', orgId: user.orgId }),
      );
      throw new AppError('IDENTITY_PASSWORD_INCORRECT');
    }
    const org = await this.core.read.findOrganization(user.orgId);
    const enrolled = await this.core.mfaEnrolled(user);
    try {
      this.core.assertPassword(newPassword, user.username, org?.name ?? '', enrolled);
      await this.core.assertNotReused(user, newPassword);
    } catch (error) {
      const reason = error instanceof AppError ? error.code.toLowerCase().replaceAll('_', '-') : 'invalid';
      await this.core.uow.run((s) =>
        s.audit.record(ctx, { action: 'identity.password.change', target: { type: 'user', id: user.id }, outcome: 'failure', reason, orgId: user.orgId }),
      );
      throw error;
    }
    const passwordHash = await this.core.hasher.hash(newPassword);
    return this.core.uow.run(async (s) => {
      const now = this.core.now();
      await s.identity.updateUser(user.orgId, user.id, { passwordHash, passwordChangedAt: now, mustChangePassword: false });
      await s.identity.insertPasswordHistory(user.id, user.orgId, passwordHash, now);
      const revoked = await s.identity.revokeUserSessions(user.orgId, user.id, now, 'password-changed', auth.session.id);
      await s.audit.record(ctx, {
        action: 'identity.password.change',
        target: { type: 'user', id: user.id },
        outcome: 'success',
        orgId: user.orgId,
        details: { otherSessionsRevoked: revoked },
      });
      return this.core.advance(s, auth, { user: { ...user, passwordHash, passwordChangedAt: now, mustChangePassword: false } });
    });
  }
}
