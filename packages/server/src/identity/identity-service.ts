/**
 * Identity use cases: the first admin, organizations, users, passwords, logins, sessions, second
 * factors and service accounts. HIPAA §164.312(a)(1) unique user identification, (a)(2)(iii)
 * automatic logoff, (d) person or entity authentication; FDA premarket guidance App. 1 A-B.
 *
 * MUST: an unknown user, a wrong password, a locked and a disabled account all answer the same
 *       IDENTITY_LOGIN_FAILED after one argon2 verification (no enumeration by message, status or
 *       timing), and every attempt is audited (an unknown username only as a keyed fingerprint).
 * MUST: a session is usable only in state 'authenticated'; platform-admin, org-admin and
 *       security-officer cannot reach it without a second factor.
 * MUST: sessions end when idle (default 15 min) or at their absolute limit (default 12 h), at
 *       logout, when the user is disabled, and (the other ones) when the password changes.
 * MUST: tokens and codes are stored hashed; TOTP secrets sealed; passwords argon2id.
 * MUST: every state change writes its audit event in the same transaction.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { decide, isPermission, PERMISSIONS } from '../access/index.js';
import type { Sealer } from '../keys/index.js';
import { AppError, isRole, newId, newToken, type Clock, type Principal, type RequestContext, type Role, type UnitOfWork } from '../kernel/index.js';
import type { CommonPasswords } from './common-passwords.js';
import { afterFailure, isLocked, type LockoutPolicy, UNLOCKED } from './lockout.js';
import type { PasswordHasher } from './password-hasher.js';
import { usernameProblem, usernameSkeleton } from './username-rules.js';
import { checkPassword, isValidUsername, passwordExpiresAt, passwordPolicy, usernameKey, type PasswordPolicy, type PasswordPreset } from './password-policy.js';
import { csrfTokenFor, newServiceToken, newSessionToken, tokenHash } from './session-tokens.js';
import { SETUP_COMPLETED_KEY, type SetupCredentialService, type SetupScope } from './setup-credential.js';
import type { IdentityStore, OrganizationRow, SessionKind, SessionRow, SessionState, UserRow } from './store.js';
import { hashRecoveryCode, matchTotp, newRecoveryCode, newTotpSecret, otpauthUrl, qrSvg, RECOVERY_CODE_COUNT } from './totp.js';
import { authenticationOptions, registrationOptions, verifyAuthentication, verifyRegistration, type RelyingParty } from './webauthn.js';

export interface IdentityScope extends SetupScope {
  readonly identity: IdentityStore;
}

export interface IdentitySettings {
  readonly preset: PasswordPreset;
  readonly lockout: LockoutPolicy;
  readonly idleMinutes: number;
  readonly absoluteHours: number;
  readonly relyingParty: RelyingParty;
}

/**
 * Change control for privileged role changes (compliance/changes): called before a person grants
 * or removes a privileged role; throws unless an approved change request covers it. The host
 * (CLI, system) is not gated: it holds the data directory and is audited as such.
 */
export type PrivilegedRoleGate = (ctx: RequestContext, change: { readonly orgId: string; readonly userId: string; readonly from: readonly Role[]; readonly to: readonly Role[] }) => Promise<void>;

/** Roles whose login cannot complete without a second factor. */
export const MFA_REQUIRED_ROLES: readonly Role[] = ['platform-admin', 'org-admin', 'security-officer'];

export type MfaMethod = 'totp' | 'webauthn';

export interface UserView {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly orgId: string;
  readonly roles: Role[];
  readonly status: 'active' | 'disabled' | 'locked';
  readonly mfaEnrolled: boolean;
  readonly passwordExpiresAt: string | null;
  readonly lastLoginAt: string | null;
}

export interface SessionView {
  readonly user: { id: string; username: string; displayName: string; orgId: string; roles: Role[] };
  readonly state: SessionState;
  readonly mfa: boolean;
  readonly mfaMethods: MfaMethod[];
  readonly idleExpiresAt: string;
  readonly absoluteExpiresAt: string;
  readonly csrfToken: string;
}

/** A session resolved from its token: what the HTTP authorizer hands to the routes. */
export interface SessionAuth {
  readonly token: string;
  readonly session: SessionRow;
  readonly user: UserRow;
}

export interface LoginResult {
  readonly token: string;
  readonly auth: SessionAuth;
  readonly view: SessionView;
}

/** Where the sealed fingerprint key lives (system_meta) and the contexts identity seals with (KEK rotation re-wraps them). */
export const FINGERPRINT_KEY = 'identity.fingerprint_key';
export const FINGERPRINT_CONTEXT = 'identity:fingerprint-key';
export const TOTP_CONTEXT = (userId: string) => `identity:totp:${userId}`;
const TOUCH_GRANULARITY_MS = 10_000;

function orgOf(ctx: RequestContext): string | null {
  const p = ctx.principal;
  return p.kind === 'user' || p.kind === 'service' ? p.orgId : null;
}

function isPlatformAdmin(principal: Principal): boolean {
  return principal.kind === 'cli' || principal.kind === 'system' || (principal.kind === 'user' && principal.roles.includes('platform-admin'));
}

/** Change control for identity settings (composition: compliance's requireApproved); throws unless approved. */
export type SettingsChangeGate = (ctx: RequestContext, kind: 'password-settings', target: string) => Promise<unknown>;

export class IdentityService {
  #policy: PasswordPolicy;
  #preset: PasswordPreset;
  #fingerprintKey: Promise<Buffer> | undefined;
  #privilegedRoleGate: PrivilegedRoleGate | undefined;
  #settingsGate: SettingsChangeGate | undefined;

  constructor(
    private readonly uow: UnitOfWork<IdentityScope>,
    /** The same store outside a transaction, for reads. */
    private readonly read: IdentityStore,
    private readonly setup: SetupCredentialService,
    private readonly clock: Clock,
    private readonly sealer: Sealer,
    private readonly hasher: PasswordHasher,
    private readonly common: CommonPasswords,
    readonly settings: IdentitySettings,
  ) {
    this.#preset = settings.preset;
    this.#policy = passwordPolicy(settings.preset);
  }

  /** The password policy in force (the configured preset, or the one an approved change set). */
  get policy(): PasswordPolicy {
    return this.#policy;
  }

  get passwordPreset(): PasswordPreset {
    return this.#preset;
  }

  /** Installs the change-control gate for identity settings (composition root only). */
  setSettingsGate(gate: SettingsChangeGate): void {
    this.#settingsGate = gate;
  }

  /**
   * Changes the password preset for every organization, live (the next password set or checked
   * uses it). Only as the application of an approved password-settings change: without the gate
   * installed, or outside an approved change, refused (COMPLIANCE_CHANGE_REQUIRED). Audited.
   */
  async setPasswordPreset(ctx: RequestContext, preset: PasswordPreset): Promise<void> {
    const gate = this.#settingsGate;
    if (gate === undefined) throw new AppError('COMPLIANCE_CHANGE_REQUIRED', { detail: 'identity: the password policy changes only through an approved change request' });
    await gate(ctx, 'password-settings', 'passwords.preset');
    const previous = this.#preset;
    await this.uow.run((s) =>
      s.audit.record(ctx, { action: 'identity.password_policy.change', target: { type: 'setting', id: 'passwords.preset' }, outcome: 'success', details: { from: previous, to: preset } }),
    );
    this.#preset = preset;
    this.#policy = passwordPolicy(preset);
  }

  private now(): string {
    return this.clock.now().toISOString();
  }

  // ---------------------------------------------------------------- first admin, organizations

  /**
   * Consumes the setup credential and creates the first organization and its first admin, who is
   * platform-admin (the installation) and org-admin (users, training and care teams of this first
   * organization: someone must be able to run it from day one).
   * Without a password (the CLI path), the admin gets a one-time password that must change.
   */
  async completeSetup(
    ctx: RequestContext,
    input: { setupCredential: string; organization: string; username: string; displayName: string; password?: string },
  ): Promise<{ organization: OrganizationRow; user: UserView; oneTimePassword: string | null }> {
    this.assertUsername(input.username);
    if (input.password !== undefined) this.assertPassword(input.password, input.username, input.organization, false);
    const oneTimePassword = input.password === undefined ? newToken(18) : null;
    const passwordHash = await this.hasher.hash(input.password ?? oneTimePassword ?? '');
    return this.uow.run(async (s) => {
      if ((await s.meta.get(SETUP_COMPLETED_KEY)) !== undefined) {
        // Spend the credential check anyway: the answer does not tell whether it was valid.
        throw new AppError('IDENTITY_SETUP_CREDENTIAL_INVALID', { detail: 'setup is already complete' });
      }
      await this.setup.consume(ctx, input.setupCredential, s);
      const now = this.now();
      const organization = await this.insertOrganization(s, ctx, input.organization, now);
      const user = await this.insertUser(s, ctx, {
        orgId: organization.id,
        username: input.username,
        displayName: input.displayName,
        roles: ['platform-admin', 'org-admin'],
        passwordHash,
        mustChangePassword: oneTimePassword !== null,
        now,
      });
      await s.meta.set(SETUP_COMPLETED_KEY, now, now);
      return { organization, user: this.userView(user, false), oneTimePassword };
    });
  }

  /** Whether first-admin setup is still to be done (public: the sign-in page offers it until then). */
  async setupPending(): Promise<boolean> {
    return this.uow.run(async (s) => (await s.meta.get(SETUP_COMPLETED_KEY)) === undefined);
  }

  async createOrganization(ctx: RequestContext, name: string): Promise<OrganizationRow> {
    this.authorize(ctx, 'organizations:manage');
    return this.uow.run((s) => this.insertOrganization(s, ctx, name, this.now()));
  }

  async listOrganizations(ctx: RequestContext): Promise<OrganizationRow[]> {
    this.authorize(ctx, 'organizations:read');
    return this.read.listOrganizations();
  }

  async findOrganizationByName(name: string): Promise<OrganizationRow | undefined> {
    return this.read.findOrganizationByNameKey(usernameKey(name.trim()));
  }

  /** For host operators (CLI): an organization named by its name or its id, or IDENTITY_ORGANIZATION_NOT_FOUND. */
  async resolveOrganization(nameOrId: string): Promise<OrganizationRow> {
    const org = (await this.findOrganizationByName(nameOrId)) ?? (await this.read.findOrganization(nameOrId.trim()));
    if (!org) throw new AppError('IDENTITY_ORGANIZATION_NOT_FOUND', { publicMessage: `There is no organization named ${JSON.stringify(nameOrId)}.` });
    return org;
  }

  private async insertOrganization(s: IdentityScope, ctx: RequestContext, name: string, now: string): Promise<OrganizationRow> {
    const trimmed = name.trim();
    const nameKey = usernameKey(trimmed);
    if (trimmed.length === 0) throw new AppError('VALIDATION_FAILED', { publicMessage: 'The organization name is empty.' });
    if (await s.identity.findOrganizationByNameKey(nameKey)) throw new AppError('IDENTITY_ORGANIZATION_EXISTS');
    const row: OrganizationRow = { id: newId(), name: trimmed, nameKey, createdAt: now };
    await s.identity.insertOrganization(row);
    await s.audit.record(ctx, { action: 'identity.organization.create', target: { type: 'organization', id: row.id }, outcome: 'success', orgId: row.id });
    return row;
  }

  // ---------------------------------------------------------------- users (admin)

  /** Creates a user with a one-time password that must change at first login. */
  async createUser(
    ctx: RequestContext,
    input: { orgId?: string; username: string; displayName: string; roles: readonly string[]; password?: string },
  ): Promise<{ user: UserView; oneTimePassword: string | null }> {
    const orgId = this.targetOrg(ctx, input.orgId);
    this.authorize(ctx, 'users:manage', orgId);
    const roles = this.grantableRoles(ctx, input.roles);
    this.assertUsername(input.username);
    const org = await this.read.findOrganization(orgId);
    if (!org) throw new AppError('IDENTITY_ORGANIZATION_NOT_FOUND');
    if (input.password !== undefined) this.assertPassword(input.password, input.username, org.name, false);
    const oneTimePassword = input.password === undefined ? newToken(18) : null;
    const passwordHash = await this.hasher.hash(input.password ?? oneTimePassword ?? '');
    const user = await this.uow.run((s) =>
      this.insertUser(s, ctx, {
        orgId,
        username: input.username,
        displayName: input.displayName,
        roles,
        passwordHash,
        mustChangePassword: oneTimePassword !== null,
        now: this.now(),
      }),
    );
    return { user: this.userView(user, false), oneTimePassword };
  }

  private async insertUser(
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
    const org = this.targetOrg(ctx, orgId);
    this.authorize(ctx, 'users:read', org);
    const users = await this.read.listUsers(org);
    return Promise.all(users.map(async (u) => this.userView(u, await this.mfaEnrolled(u))));
  }

  async getUser(ctx: RequestContext, userId: string): Promise<UserRow> {
    const orgId = this.targetOrg(ctx);
    const user = await this.read.findUser(orgId, userId);
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
      const user = await this.read.findUserByKey(org, key);
      if (!user) throw new AppError('IDENTITY_USER_NOT_FOUND');
      return user;
    }
    const users = await this.read.findUsersForLogin(key, 2);
    if (users.length > 1) throw new AppError('IDENTITY_USER_NOT_FOUND', { detail: `identity: ${JSON.stringify(username)} exists in several organizations: name one (--org)` });
    const [user] = users;
    if (!user) throw new AppError('IDENTITY_USER_NOT_FOUND');
    return user;
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
      const org = (await this.findOrganizationByName(organization)) ?? (await this.read.findOrganization(organization.trim()));
      return { user: org ? await this.read.findUserByKey(org.id, key) : undefined, ambiguous: false };
    }
    const users = await this.read.findUsersForLogin(key, 2);
    return users.length === 1 ? { user: users[0], ambiguous: false } : { user: undefined, ambiguous: users.length > 1 };
  }

  async setUserStatus(ctx: RequestContext, userId: string, status: 'active' | 'disabled', orgId?: string): Promise<UserView> {
    const org = this.targetOrg(ctx, orgId);
    this.authorize(ctx, 'users:manage', org);
    const user = await this.uow.run(async (s) => {
      const found = await s.identity.findUser(org, userId);
      if (!found) throw new AppError('IDENTITY_USER_NOT_FOUND');
      this.protectPlatformAdmin(ctx, found);
      const now = this.now();
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
    return this.userView(user, await this.mfaEnrolled(user));
  }

  /** Admin reset: a one-time password that must change at the next login; every session ends. */
  async resetPassword(ctx: RequestContext, userId: string, orgId?: string): Promise<{ oneTimePassword: string }> {
    const org = this.targetOrg(ctx, orgId);
    this.authorize(ctx, 'users:manage', org);
    const target = await this.read.findUser(org, userId);
    if (!target) throw new AppError('IDENTITY_USER_NOT_FOUND');
    this.protectPlatformAdmin(ctx, target);
    const oneTimePassword = newToken(18);
    const passwordHash = await this.hasher.hash(oneTimePassword);
    await this.uow.run(async (s) => {
      const found = await s.identity.findUser(org, userId);
      if (!found) throw new AppError('IDENTITY_USER_NOT_FOUND');
      const now = this.now();
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
    const org = this.targetOrg(ctx, orgId);
    this.authorize(ctx, 'users:manage', org);
    const target = await this.read.findUser(org, userId);
    if (!target) throw new AppError('IDENTITY_USER_NOT_FOUND');
    this.protectPlatformAdmin(ctx, target);
    return this.uow.run(async (s) => {
      const found = await s.identity.findUser(org, userId);
      if (!found) throw new AppError('IDENTITY_USER_NOT_FOUND');
      const now = this.now();
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

  /** Installs the change-control gate for privileged role changes (composition root only). */
  setPrivilegedRoleGate(gate: PrivilegedRoleGate): void {
    this.#privilegedRoleGate = gate;
  }

  async setRoles(ctx: RequestContext, userId: string, requested: readonly string[], orgId?: string): Promise<UserView> {
    const org = this.targetOrg(ctx, orgId);
    this.authorize(ctx, 'users:manage', org);
    const roles = this.grantableRoles(ctx, requested);
    const gate = this.#privilegedRoleGate;
    if (gate !== undefined && ctx.principal.kind === 'user') {
      const current = await this.read.findUser(org, userId);
      if (!current) throw new AppError('IDENTITY_USER_NOT_FOUND');
      this.protectPlatformAdmin(ctx, current);
      const privileged = (list: readonly Role[]) => list.filter((r) => MFA_REQUIRED_ROLES.includes(r)).sort().join(',');
      if (privileged(current.roles) !== privileged(roles)) await gate(ctx, { orgId: org, userId, from: current.roles, to: roles });
    }
    const user = await this.uow.run(async (s) => {
      const found = await s.identity.findUser(org, userId);
      if (!found) throw new AppError('IDENTITY_USER_NOT_FOUND');
      // Only a platform-admin may change a platform-admin, as only one may make one.
      this.protectPlatformAdmin(ctx, found);
      await s.identity.updateUser(org, userId, { roles });
      // A role change takes effect at once: sessions carry roles, so they end.
      const revoked = await s.identity.revokeUserSessions(org, userId, this.now(), 'roles-changed');
      await s.audit.record(ctx, {
        action: 'identity.user.grant',
        target: { type: 'user', id: userId },
        outcome: 'success',
        orgId: org,
        details: { from: found.roles.join(','), to: roles.join(','), sessionsRevoked: revoked },
      });
      return { ...found, roles };
    });
    return this.userView(user, await this.mfaEnrolled(user));
  }

  // ---------------------------------------------------------------- login and sessions

  async login(ctx: RequestContext, input: { username: string; password: string; mode: SessionKind; organization?: string | undefined }): Promise<LoginResult> {
    const key = usernameKey(input.username);
    const { user, ambiguous } = await this.loginAccount(input.username, input.organization);
    const nowDate = this.clock.now();
    // One argon2 verification on every path: the answer's timing does not depend on the username.
    const passwordOk = user ? await this.hasher.verify(user.passwordHash, input.password) : await this.hasher.verifyDummy(input.password);
    const failed = new AppError('IDENTITY_LOGIN_FAILED');
    if (!user) {
      const fingerprint = await this.fingerprint(key);
      await this.uow.run((s) =>
        s.audit.record(ctx, { action: 'identity.login.attempt', target: { type: 'username', id: fingerprint }, outcome: 'failure', reason: ambiguous ? 'organization-required' : 'unknown-user' }),
      );
      throw failed;
    }
    const now = nowDate.toISOString();
    if (user.status !== 'active' || isLocked(user, nowDate) || !passwordOk) {
      const reason = user.status !== 'active' ? 'disabled' : isLocked(user, nowDate) ? 'locked' : 'wrong-password';
      await this.uow.run(async (s) => {
        const current = (await s.identity.findUser(user.orgId, user.id)) ?? user;
        let lockedUntil: string | null = null;
        if (reason === 'wrong-password') {
          const next = afterFailure(this.settings.lockout, current, nowDate);
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
    const enrolled = await this.mfaEnrolled(user);
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
      idleExpiresAt: new Date(nowDate.getTime() + this.settings.idleMinutes * 60_000).toISOString(),
      absoluteExpiresAt: new Date(nowDate.getTime() + this.settings.absoluteHours * 3_600_000).toISOString(),
      revokedAt: null,
      revokedReason: null,
      challenge: null,
    };
    const session: SessionRow = { ...base, state: this.nextState(user, base, enrolled) };
    const updated: UserRow = { ...user, ...UNLOCKED, lockLevel: 0, lastLoginAt: now };
    await this.uow.run(async (s) => {
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

  /** The state a session is in, given its user: second factor, then password, then enrolment. */
  private nextState(user: UserRow, session: Pick<SessionRow, 'mfa'>, mfaEnrolled: boolean): SessionState {
    if (mfaEnrolled && !session.mfa) return 'mfa-required';
    if (user.mustChangePassword || this.passwordExpired(user)) return 'password-change-required';
    if (!mfaEnrolled && user.roles.some((r) => MFA_REQUIRED_ROLES.includes(r))) return 'mfa-enrollment-required';
    return 'authenticated';
  }

  private passwordExpired(user: UserRow): boolean {
    const expires = passwordExpiresAt(this.policy, user.passwordChangedAt);
    return expires !== null && expires <= this.now();
  }

  /**
   * Resolves a session token. Throws IDENTITY_SESSION_INVALID when it is unknown, revoked, idle or
   * past its absolute limit, or when its user is no longer active. `touch` extends the idle timer.
   */
  async resolveSession(ctx: RequestContext, token: string, touch: boolean): Promise<SessionAuth> {
    const invalid = new AppError('IDENTITY_SESSION_INVALID');
    const session = await this.read.findSessionByTokenHash(tokenHash(token));
    if (!session) throw invalid;
    if (session.revokedAt !== null) {
      // Disabling an account revokes its sessions (reason user-disabled): a later use of such a
      // token is the stolen or lingering credential the disabled-account-token detector looks
      // for. Checking only live sessions (as before) meant it could never fire (issue 11).
      if (session.revokedReason === 'user-disabled') await this.#refuseDisabledUser(ctx, session);
      throw invalid;
    }
    const nowDate = this.clock.now();
    const now = nowDate.toISOString();
    const expired = session.absoluteExpiresAt <= now ? 'absolute-timeout' : session.idleExpiresAt <= now ? 'idle-timeout' : null;
    if (expired !== null) {
      await this.uow.run(async (s) => {
        await s.identity.updateSession(session.id, { revokedAt: now, revokedReason: expired });
        await s.audit.record(ctx, { action: 'identity.session.expire', target: { type: 'session', id: session.id }, outcome: 'success', reason: expired, orgId: session.orgId, details: { user: session.userId } });
      });
      throw invalid;
    }
    const user = await this.read.findUser(session.orgId, session.userId);
    // A disabled account's token in use: stolen or lingering credentials (security detector).
    if (user && user.status !== 'active') await this.#refuseDisabledUser(ctx, session);
    if (!user || user.status !== 'active') throw invalid;
    if (touch && nowDate.getTime() - Date.parse(session.lastSeenAt) >= TOUCH_GRANULARITY_MS) {
      const idleExpiresAt = new Date(Math.min(nowDate.getTime() + this.settings.idleMinutes * 60_000, Date.parse(session.absoluteExpiresAt))).toISOString();
      await this.read.updateSession(session.id, { lastSeenAt: now, idleExpiresAt });
      return { token, user, session: { ...session, lastSeenAt: now, idleExpiresAt } };
    }
    return { token, user, session };
  }

  async #refuseDisabledUser(ctx: RequestContext, session: SessionRow): Promise<void> {
    await this.uow.run((s) =>
      s.audit.record(ctx, { action: 'identity.session.refuse', target: { type: 'session', id: session.id }, outcome: 'denied', reason: 'user-disabled', orgId: session.orgId, details: { user: session.userId } }),
    );
  }

  async logout(ctx: RequestContext, auth: SessionAuth): Promise<void> {
    await this.uow.run(async (s) => {
      await s.identity.updateSession(auth.session.id, { revokedAt: this.now(), revokedReason: 'logout' });
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
    const methods = await this.mfaMethods(auth.user);
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

  /** Recomputes the session state (after a factor, an enrolment or a password change) and stores it. */
  private async advance(s: IdentityScope, auth: SessionAuth, patch: { mfa?: boolean; user?: UserRow }): Promise<SessionAuth> {
    const user = patch.user ?? auth.user;
    const enrolled = await this.mfaEnrolledIn(s.identity, user);
    const mfa = patch.mfa ?? auth.session.mfa;
    const state = this.nextState(user, { mfa }, enrolled);
    await s.identity.updateSession(auth.session.id, { mfa, state, challenge: null });
    if (patch.mfa === true && !auth.session.mfa) await s.identity.updateUser(user.orgId, user.id, { failedCount: 0 });
    return { token: auth.token, user, session: { ...auth.session, mfa, state, challenge: null } };
  }

  // ---------------------------------------------------------------- passwords

  async changePassword(ctx: RequestContext, auth: SessionAuth, currentPassword: string, newPassword: string): Promise<SessionAuth> {
    const { user } = auth;
    if (auth.session.state === 'mfa-required') throw new AppError('IDENTITY_SESSION_STATE');
    if (!(await this.hasher.verify(user.passwordHash, currentPassword))) {
      await this.uow.run((s) =>
        s.audit.record(ctx, { action: 'identity.password.change', target: { type: 'user', id: user.id }, outcome: 'failure', reason: 'wrong-password', orgId: user.orgId }),
      );
      throw new AppError('IDENTITY_PASSWORD_INCORRECT');
    }
    const org = await this.read.findOrganization(user.orgId);
    const enrolled = await this.mfaEnrolled(user);
    try {
      this.assertPassword(newPassword, user.username, org?.name ?? '', enrolled);
      await this.assertNotReused(user, newPassword);
    } catch (error) {
      const reason = error instanceof AppError ? error.code.toLowerCase().replaceAll('_', '-') : 'invalid';
      await this.uow.run((s) =>
        s.audit.record(ctx, { action: 'identity.password.change', target: { type: 'user', id: user.id }, outcome: 'failure', reason, orgId: user.orgId }),
      );
      throw error;
    }
    const passwordHash = await this.hasher.hash(newPassword);
    return this.uow.run(async (s) => {
      const now = this.now();
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
      return this.advance(s, auth, { user: { ...user, passwordHash, passwordChangedAt: now, mustChangePassword: false } });
    });
  }

  private async assertNotReused(user: UserRow, password: string): Promise<void> {
    if (this.policy.historyCount === 0) return;
    const previous = await this.read.recentPasswordHashes(user.orgId, user.id, this.policy.historyCount);
    for (const hash of [user.passwordHash, ...previous]) {
      if (await this.hasher.verify(hash, password)) throw new AppError('IDENTITY_PASSWORD_REUSED');
    }
  }

  private assertPassword(password: string, username: string, organizationName: string, mfaEnrolled: boolean): void {
    const broken = checkPassword(this.policy, password, { username, organizationName, mfaEnrolled, isCommon: (p) => this.common.has(p) });
    if (broken !== null) throw new AppError(broken);
  }

  private assertUsername(username: string): void {
    if (!isValidUsername(username)) throw new AppError('IDENTITY_USERNAME_INVALID');
    const problem = usernameProblem(username);
    if (problem !== null) {
      throw new AppError('IDENTITY_USERNAME_INVALID', {
        publicMessage: problem === 'combining-mark' ? 'The username may not contain combining marks.' : 'The username may not mix scripts (for example Latin and Cyrillic letters).',
      });
    }
  }

  // ---------------------------------------------------------------- second factors

  async mfaMethods(user: UserRow): Promise<MfaMethod[]> {
    const methods: MfaMethod[] = [];
    if (user.totpConfirmedAt !== null) methods.push('totp');
    if ((await this.read.listWebauthnCredentials(user.orgId, user.id)).length > 0) methods.push('webauthn');
    return methods;
  }

  private mfaEnrolled(user: UserRow): Promise<boolean> {
    return this.mfaEnrolledIn(this.read, user);
  }

  private async mfaEnrolledIn(store: IdentityStore, user: UserRow): Promise<boolean> {
    if (user.totpConfirmedAt !== null) return true;
    return (await store.listWebauthnCredentials(user.orgId, user.id)).length > 0;
  }

  private requireState(auth: SessionAuth, ...states: SessionState[]): void {
    if (!states.includes(auth.session.state)) throw new AppError('IDENTITY_SESSION_STATE');
  }

  async totpSetup(ctx: RequestContext, auth: SessionAuth): Promise<{ secret: string; otpauthUrl: string; qrSvg: string }> {
    this.requireState(auth, 'mfa-enrollment-required', 'authenticated');
    if (auth.user.totpConfirmedAt !== null) throw new AppError('IDENTITY_MFA_ALREADY_ENROLLED');
    const secret = newTotpSecret();
    const sealed = this.sealer.seal(Buffer.from(secret, 'utf8'), TOTP_CONTEXT(auth.user.id));
    await this.uow.run(async (s) => {
      await s.identity.updateUser(auth.user.orgId, auth.user.id, { totpSecretSealed: sealed, totpConfirmedAt: null, totpLastStep: null });
      await s.audit.record(ctx, { action: 'identity.mfa.totp_setup', target: { type: 'user', id: auth.user.id }, outcome: 'success', orgId: auth.user.orgId });
    });
    const url = otpauthUrl(secret, auth.user.username, 'Vigil');
    return { secret, otpauthUrl: url, qrSvg: await qrSvg(url) };
  }

  async totpConfirm(ctx: RequestContext, auth: SessionAuth, code: string): Promise<{ recoveryCodes: string[]; auth: SessionAuth }> {
    this.requireState(auth, 'mfa-enrollment-required', 'authenticated');
    const user = await this.read.findUser(auth.user.orgId, auth.user.id);
    if (!user || user.totpSecretSealed === null) throw new AppError('IDENTITY_MFA_NOT_ENROLLED');
    if (user.totpConfirmedAt !== null) throw new AppError('IDENTITY_MFA_ALREADY_ENROLLED');
    const step = matchTotp(this.openTotp(user), code, this.clock.now(), user.totpLastStep);
    if (step === null) {
      await this.auditFailure(ctx, 'identity.mfa.totp_confirm', user, 'wrong-code');
      throw new AppError('IDENTITY_MFA_FAILED');
    }
    const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, () => newRecoveryCode());
    const next = await this.uow.run(async (s) => {
      const now = this.now();
      await s.identity.updateUser(user.orgId, user.id, { totpConfirmedAt: now, totpLastStep: step });
      await s.identity.replaceRecoveryCodes(user.orgId, user.id, recoveryCodes.map(hashRecoveryCode), now);
      await s.audit.record(ctx, { action: 'identity.mfa.totp_enrol', target: { type: 'user', id: user.id }, outcome: 'success', orgId: user.orgId, details: { recoveryCodes: recoveryCodes.length } });
      return this.advance(s, auth, { mfa: true, user: { ...user, totpConfirmedAt: now, totpLastStep: step } });
    });
    return { recoveryCodes, auth: next };
  }

  async verifyTotp(ctx: RequestContext, auth: SessionAuth, code: string): Promise<SessionAuth> {
    this.requireState(auth, 'mfa-required');
    await this.refuseIfLocked(ctx, auth);
    const user = await this.read.findUser(auth.user.orgId, auth.user.id);
    if (!user || user.totpConfirmedAt === null || user.totpSecretSealed === null) throw new AppError('IDENTITY_MFA_NOT_ENROLLED');
    const step = matchTotp(this.openTotp(user), code, this.clock.now(), user.totpLastStep);
    if (step === null) {
      await this.secondFactorFailed(ctx, auth, 'wrong-totp');
      throw new AppError('IDENTITY_MFA_FAILED');
    }
    return this.uow.run(async (s) => {
      await s.identity.updateUser(user.orgId, user.id, { totpLastStep: step });
      await s.audit.record(ctx, { action: 'identity.mfa.verify', target: { type: 'user', id: user.id }, outcome: 'success', orgId: user.orgId, details: { method: 'totp' } });
      return this.advance(s, auth, { mfa: true, user: { ...user, totpLastStep: step } });
    });
  }

  async verifyRecoveryCode(ctx: RequestContext, auth: SessionAuth, code: string): Promise<SessionAuth> {
    this.requireState(auth, 'mfa-required');
    await this.refuseIfLocked(ctx, auth);
    const { user } = auth;
    const used = await this.uow.run(async (s) => {
      const ok = await s.identity.useRecoveryCode(user.orgId, user.id, hashRecoveryCode(code), this.now());
      if (!ok) return null;
      await s.audit.record(ctx, { action: 'identity.mfa.verify', target: { type: 'user', id: user.id }, outcome: 'success', orgId: user.orgId, details: { method: 'recovery-code' } });
      return this.advance(s, auth, { mfa: true });
    });
    if (used === null) {
      await this.secondFactorFailed(ctx, auth, 'wrong-recovery-code');
      throw new AppError('IDENTITY_MFA_FAILED');
    }
    return used;
  }

  /**
   * Step-up: a signed-in person proves their second factor again (a TOTP code) for one sensitive
   * action, e.g. approving a change request. The code is single-use (totpLastStep), and a wrong one
   * counts toward the account lockout like any second-factor failure.
   */
  async verifyStepUp(ctx: RequestContext, code: string): Promise<void> {
    const p = ctx.principal;
    if (p.kind !== 'user' || !p.mfa) throw new AppError('IDENTITY_MFA_FAILED', { detail: 'identity: step-up needs a person signed in with a second factor' });
    const user = await this.read.findUser(p.orgId, p.id);
    if (!user || user.totpConfirmedAt === null || user.totpSecretSealed === null) throw new AppError('IDENTITY_MFA_NOT_ENROLLED');
    const nowDate = this.clock.now();
    const step = isLocked(user, nowDate) ? null : matchTotp(this.openTotp(user), code, nowDate, user.totpLastStep);
    if (step === null) {
      await this.uow.run(async (s) => {
        const next = afterFailure(this.settings.lockout, user, nowDate);
        await s.identity.updateUser(user.orgId, user.id, next);
        await s.audit.record(ctx, { action: 'identity.mfa.step_up', target: { type: 'user', id: user.id }, outcome: 'failure', reason: 'wrong-totp', orgId: user.orgId });
      });
      throw new AppError('IDENTITY_MFA_FAILED');
    }
    await this.uow.run(async (s) => {
      await s.identity.updateUser(user.orgId, user.id, { totpLastStep: step });
      await s.audit.record(ctx, { action: 'identity.mfa.step_up', target: { type: 'user', id: user.id }, outcome: 'success', orgId: user.orgId, details: { method: 'totp' } });
    });
  }

  async webauthnRegistrationOptions(auth: SessionAuth): Promise<unknown> {
    this.requireState(auth, 'mfa-enrollment-required', 'authenticated');
    const existing = await this.read.listWebauthnCredentials(auth.user.orgId, auth.user.id);
    const options = await registrationOptions(this.settings.relyingParty, auth.user, existing);
    await this.read.updateSession(auth.session.id, { challenge: options.challenge });
    return options;
  }

  async webauthnRegister(ctx: RequestContext, auth: SessionAuth, response: unknown): Promise<SessionAuth> {
    this.requireState(auth, 'mfa-enrollment-required', 'authenticated');
    const challenge = auth.session.challenge;
    if (challenge === null) throw new AppError('IDENTITY_MFA_FAILED');
    const verified = await verifyRegistration(this.settings.relyingParty, response, challenge).catch(() => null);
    if (verified === null) {
      await this.read.updateSession(auth.session.id, { challenge: null });
      await this.auditFailure(ctx, 'identity.mfa.webauthn_enrol', auth.user, 'verification-failed');
      throw new AppError('IDENTITY_MFA_FAILED');
    }
    return this.uow.run(async (s) => {
      await s.identity.insertWebauthnCredential({ id: newId(), userId: auth.user.id, orgId: auth.user.orgId, ...verified, createdAt: this.now() });
      await s.audit.record(ctx, { action: 'identity.mfa.webauthn_enrol', target: { type: 'user', id: auth.user.id }, outcome: 'success', orgId: auth.user.orgId });
      return this.advance(s, auth, { mfa: true });
    });
  }

  async webauthnAuthenticationOptions(auth: SessionAuth): Promise<unknown> {
    this.requireState(auth, 'mfa-required');
    const credentials = await this.read.listWebauthnCredentials(auth.user.orgId, auth.user.id);
    if (credentials.length === 0) throw new AppError('IDENTITY_MFA_NOT_ENROLLED');
    const options = await authenticationOptions(this.settings.relyingParty, credentials);
    await this.read.updateSession(auth.session.id, { challenge: options.challenge });
    return options;
  }

  async verifyWebauthn(ctx: RequestContext, auth: SessionAuth, response: unknown): Promise<SessionAuth> {
    this.requireState(auth, 'mfa-required');
    await this.refuseIfLocked(ctx, auth);
    const challenge = auth.session.challenge;
    const credentials = await this.read.listWebauthnCredentials(auth.user.orgId, auth.user.id);
    const verified = challenge === null ? null : await verifyAuthentication(this.settings.relyingParty, response, challenge, credentials).catch(() => null);
    if (verified === null) {
      await this.read.updateSession(auth.session.id, { challenge: null });
      await this.secondFactorFailed(ctx, auth, 'webauthn-failed');
      throw new AppError('IDENTITY_MFA_FAILED');
    }
    return this.uow.run(async (s) => {
      await s.identity.updateWebauthnCounter(verified.credential.id, verified.newCounter);
      await s.audit.record(ctx, { action: 'identity.mfa.verify', target: { type: 'user', id: auth.user.id }, outcome: 'success', orgId: auth.user.orgId, details: { method: 'webauthn' } });
      return this.advance(s, auth, { mfa: true });
    });
  }

  private openTotp(user: UserRow): string {
    if (user.totpSecretSealed === null) throw new AppError('IDENTITY_MFA_NOT_ENROLLED');
    return Buffer.from(this.sealer.open(user.totpSecretSealed, TOTP_CONTEXT(user.id))).toString('utf8');
  }

  /**
   * A wrong second factor counts toward the account lockout like a wrong password (a 6-digit code
   * must not be guessable from many addresses); when it locks, the pending session ends.
   */
  private async secondFactorFailed(ctx: RequestContext, auth: SessionAuth, reason: string): Promise<void> {
    const nowDate = this.clock.now();
    await this.uow.run(async (s) => {
      const current = (await s.identity.findUser(auth.user.orgId, auth.user.id)) ?? auth.user;
      const next = afterFailure(this.settings.lockout, current, nowDate);
      await s.identity.updateUser(current.orgId, current.id, next);
      await s.audit.record(ctx, { action: 'identity.mfa.verify', target: { type: 'user', id: current.id }, outcome: 'failure', reason, orgId: current.orgId });
      if (next.lockedUntil !== current.lockedUntil) {
        await s.identity.updateSession(auth.session.id, { revokedAt: nowDate.toISOString(), revokedReason: 'mfa-lockout' });
        await s.audit.record(ctx, { action: 'identity.user.lock', target: { type: 'user', id: current.id }, outcome: 'success', reason: 'too-many-mfa-failures', orgId: current.orgId, details: { lockedUntil: next.lockedUntil } });
      }
    });
  }

  /** While the account is locked, no second factor is checked (and the pending session ends). */
  private async refuseIfLocked(ctx: RequestContext, auth: SessionAuth): Promise<void> {
    const current = await this.read.findUser(auth.user.orgId, auth.user.id);
    const nowDate = this.clock.now();
    if (current && !isLocked(current, nowDate)) return;
    await this.uow.run(async (s) => {
      await s.identity.updateSession(auth.session.id, { revokedAt: nowDate.toISOString(), revokedReason: 'mfa-lockout' });
      await s.audit.record(ctx, { action: 'identity.mfa.verify', target: { type: 'user', id: auth.user.id }, outcome: 'failure', reason: 'locked', orgId: auth.user.orgId });
    });
    throw new AppError('IDENTITY_MFA_FAILED');
  }

  private async auditFailure(ctx: RequestContext, action: string, user: UserRow, reason: string): Promise<void> {
    await this.uow.run((s) => s.audit.record(ctx, { action, target: { type: 'user', id: user.id }, outcome: 'failure', reason, orgId: user.orgId }));
  }

  // ---------------------------------------------------------------- service accounts

  async createServiceAccount(
    ctx: RequestContext,
    input: { name: string; scopes: readonly string[]; expiresInDays: number; orgId?: string },
  ): Promise<{ id: string; token: string; expiresAt: string }> {
    const orgId = this.targetOrg(ctx, input.orgId);
    this.authorize(ctx, 'service-accounts:manage', orgId);
    for (const scope of input.scopes) {
      if (!isPermission(scope) || !(PERMISSIONS[scope].roles as readonly string[]).includes('service')) throw new AppError('IDENTITY_SCOPE_INVALID');
    }
    const token = newServiceToken();
    const id = newId();
    const nowDate = this.clock.now();
    const expiresAt = new Date(nowDate.getTime() + input.expiresInDays * 86_400_000).toISOString();
    await this.uow.run(async (s) => {
      await s.identity.insertServiceAccount({ id, orgId, name: input.name, scopes: [...input.scopes], tokenHash: tokenHash(token), createdAt: nowDate.toISOString(), expiresAt, revokedAt: null });
      await s.audit.record(ctx, { action: 'identity.service_account.create', target: { type: 'service_account', id }, outcome: 'success', orgId, details: { scopes: input.scopes.join(','), expiresAt } });
    });
    return { id, token, expiresAt };
  }

  async resolveServiceToken(token: string): Promise<Principal> {
    const row = await this.read.findServiceAccountByTokenHash(tokenHash(token));
    if (!row || row.revokedAt !== null || row.expiresAt <= this.now()) throw new AppError('IDENTITY_SESSION_INVALID');
    return { kind: 'service', id: row.id, orgId: row.orgId, scopes: row.scopes, tokenId: row.id };
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Audits a refused request of a signed-in principal (route pattern, permission, rule), for
   * activity review (HIPAA §164.308(a)(1)(ii)(D)) and the repeated-denials detector. Anonymous
   * 401s are not recorded: they would let anyone fill the log.
   */
  async recordDenied(ctx: RequestContext, route: string, permission: string, rule: string): Promise<void> {
    const orgId = orgOf(ctx);
    await this.uow.run((s) =>
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
    this.authorize(ctx, 'access:explain');
    const user = await this.getUser(ctx, userId);
    return { kind: 'user', id: user.id, orgId: user.orgId, username: user.username, roles: user.roles, sessionId: 'explain', mfa: true };
  }

  userView(user: UserRow, mfaEnrolled: boolean): UserView {
    const locked = isLocked(user, this.clock.now());
    return {
      id: user.id,
      username: user.username,
      displayName: user.displayName,
      orgId: user.orgId,
      roles: [...user.roles],
      status: user.status === 'disabled' ? 'disabled' : locked ? 'locked' : 'active',
      mfaEnrolled,
      passwordExpiresAt: user.mustChangePassword ? user.passwordChangedAt : passwordExpiresAt(this.policy, user.passwordChangedAt),
      lastLoginAt: user.lastLoginAt,
    };
  }

  /**
   * The service-level check (ARCHITECTURE §2.5): the caller holds `permission` for a resource of
   * organization `orgId`. The route guard checked the permission already; this also checks the
   * tenant, and covers callers that do not come through HTTP.
   */
  private authorize(ctx: RequestContext, permission: string, orgId?: string): void {
    const decision = decide(ctx.principal, permission, orgId === undefined ? undefined : { orgId });
    if (decision.allow) return;
    throw new AppError(decision.deny === 'not-found' ? 'NOT_FOUND' : decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN', {
      detail: `${decision.rule}: ${decision.reason}`,
    });
  }

  /** Only a platform-admin may disable, reset or change a platform-admin. */
  private protectPlatformAdmin(ctx: RequestContext, target: UserRow): void {
    if (target.roles.includes('platform-admin') && !isPlatformAdmin(ctx.principal)) throw new AppError('IDENTITY_ROLE_NOT_ALLOWED');
  }

  /** The tenant an admin call acts in: the caller's own; another only for host principals and platform-admins. */
  private targetOrg(ctx: RequestContext, requested?: string): string {
    const own = orgOf(ctx);
    if (requested !== undefined && requested !== own) {
      if (!isPlatformAdmin(ctx.principal)) throw new AppError('IDENTITY_ORGANIZATION_NOT_FOUND');
      return requested;
    }
    if (own === null) throw new AppError('IDENTITY_ORGANIZATION_NOT_FOUND', { detail: 'an organization must be named' });
    return own;
  }

  private grantableRoles(ctx: RequestContext, requested: readonly string[]): Role[] {
    const roles = [...new Set(requested)];
    const valid: Role[] = [];
    for (const role of roles) {
      if (!isRole(role) || role === 'service') throw new AppError('VALIDATION_FAILED', { publicMessage: 'A role is not valid.' });
      if (role === 'platform-admin' && !isPlatformAdmin(ctx.principal)) throw new AppError('IDENTITY_ROLE_NOT_ALLOWED');
      valid.push(role);
    }
    return valid;
  }

  /** A keyed fingerprint (HMAC-SHA256) of an unknown username, for the audit log. */
  private async fingerprint(value: string): Promise<string> {
    this.#fingerprintKey ??= this.uow.run(async (s) => {
      const stored = await s.meta.get(FINGERPRINT_KEY);
      if (stored !== undefined) return Buffer.from(this.sealer.open(stored, FINGERPRINT_CONTEXT));
      const key = randomBytes(32);
      await s.meta.set(FINGERPRINT_KEY, this.sealer.seal(key, FINGERPRINT_CONTEXT), this.now());
      return key;
    });
    void this.#fingerprintKey.catch(() => {
      this.#fingerprintKey = undefined;
    });
    const key = await this.#fingerprintKey;
    return `hmac:${createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, 32)}`;
  }
}
