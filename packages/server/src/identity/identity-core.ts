/**
 * Identity: the shared core of the use cases (see identity-service.ts for the list): the first admin, organizations, users, passwords, logins, sessions, second
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
import { decide } from '../access/index.js';
import { AppError, isRole, type Clock, type Principal, type RequestContext, type Role, type UnitOfWork } from '../kernel/index.js';
import type { Sealer } from '../keys/index.js';
import type { CommonPasswords } from './common-passwords.js';
import { isLocked, type LockoutPolicy } from './lockout.js';
import type { PasswordHasher } from './password-hasher.js';
import { checkPassword, isValidUsername, passwordExpiresAt, passwordPolicy, usernameKey, type PasswordPolicy, type PasswordPreset } from './password-policy.js';
import type { SetupCredentialService, SetupScope } from './setup-credential.js';
import type { IdentityStore, OrganizationRow, SessionRow, SessionState, UserRow } from './store.js';
import { usernameProblem } from './username-rules.js';
import type { RelyingParty } from './webauthn.js';


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
export const TOUCH_GRANULARITY_MS = 10_000;

export function orgOf(ctx: RequestContext): string | null {
  const p = ctx.principal;
  return p.kind === 'user' || p.kind === 'service' ? p.orgId : null;
}

export function isPlatformAdmin(principal: Principal): boolean {
  return principal.kind === 'cli' || principal.kind === 'system' || (principal.kind === 'user' && principal.roles.includes('platform-admin'));
}

/** Change control for identity settings (composition: compliance's requireApproved); throws unless approved. */
export type SettingsChangeGate = (ctx: RequestContext, kind: 'password-settings', target: string) => Promise<unknown>;

/**
 * What the identity use cases share: their ports (unit of work, store, clock, sealer, hasher),
 * the settings and password policy in force, and the checks every use case makes (tenant and
 * permission, platform-admin protection, password and username rules, session state).
 */
export class IdentityCore {
  #policy: PasswordPolicy;

  #preset: PasswordPreset;

  #fingerprintKey: Promise<Buffer> | undefined;

  constructor(
    readonly uow: UnitOfWork<IdentityScope>,
    /** The same store outside a transaction, for reads. */
    readonly read: IdentityStore,
    readonly setup: SetupCredentialService,
    readonly clock: Clock,
    readonly sealer: Sealer,
    readonly hasher: PasswordHasher,
    readonly common: CommonPasswords,
    readonly settings: IdentitySettings,
  ) {
    this.#preset = settings.preset;
    this.#policy = passwordPolicy(settings.preset);
  }

  /** Sets the password preset in force (the facade applies an approved password-settings change). */
  usePreset(preset: PasswordPreset): void {
    this.#preset = preset;
    this.#policy = passwordPolicy(preset);
  }

  now(): string {
    return this.clock.now().toISOString();
  }

  /** The password policy in force (the configured preset, or the one an approved change set). */
  get policy(): PasswordPolicy {
    return this.#policy;
  }

  get passwordPreset(): PasswordPreset {
    return this.#preset;
  }

  async findOrganizationByName(name: string): Promise<OrganizationRow | undefined> {
    return this.read.findOrganizationByNameKey(usernameKey(name.trim()));
  }

  /** The state a session is in, given its user: second factor, then password, then enrolment. */
  nextState(user: UserRow, session: Pick<SessionRow, 'mfa'>, mfaEnrolled: boolean): SessionState {
    if (mfaEnrolled && !session.mfa) return 'mfa-required';
    if (user.mustChangePassword || this.passwordExpired(user)) return 'password-change-required';
    if (!mfaEnrolled && user.roles.some((r) => MFA_REQUIRED_ROLES.includes(r))) return 'mfa-enrollment-required';
    return 'authenticated';
  }

  passwordExpired(user: UserRow): boolean {
    const expires = passwordExpiresAt(this.policy, user.passwordChangedAt);
    return expires !== null && expires <= this.now();
  }

  /** Recomputes the session state (after a factor, an enrolment or a password change) and stores it. */
  async advance(s: IdentityScope, auth: SessionAuth, patch: { mfa?: boolean; user?: UserRow }): Promise<SessionAuth> {
    const user = patch.user ?? auth.user;
    const enrolled = await this.mfaEnrolledIn(s.identity, user);
    const mfa = patch.mfa ?? auth.session.mfa;
    const state = this.nextState(user, { mfa }, enrolled);
    await s.identity.updateSession(auth.session.id, { mfa, state, challenge: null });
    if (patch.mfa === true && !auth.session.mfa) await s.identity.updateUser(user.orgId, user.id, { failedCount: 0 });
    return { token: auth.token, user, session: { ...auth.session, mfa, state, challenge: null } };
  }

  async assertNotReused(user: UserRow, password: string): Promise<void> {
    if (this.policy.historyCount === 0) return;
    const previous = await this.read.recentPasswordHashes(user.orgId, user.id, this.policy.historyCount);
    for (const hash of [user.passwordHash, ...previous]) {
      if (await this.hasher.verify(hash, password)) throw new AppError('IDENTITY_PASSWORD_REUSED');
    }
  }

  assertPassword(password: string, username: string, organizationName: string, mfaEnrolled: boolean): void {
    const broken = checkPassword(this.policy, password, { username, organizationName, mfaEnrolled, isCommon: (p) => this.common.has(p) });
    if (broken !== null) throw new AppError(broken);
  }

  assertUsername(username: string): void {
    if (!isValidUsername(username)) throw new AppError('IDENTITY_USERNAME_INVALID');
    const problem = usernameProblem(username);
    if (problem !== null) {
      throw new AppError('IDENTITY_USERNAME_INVALID', {
        publicMessage: problem === 'combining-mark' ? 'The username may not contain combining marks.' : 'The username may not mix scripts (for example Latin and Cyrillic letters).',
      });
    }
  }

  async mfaMethods(user: UserRow): Promise<MfaMethod[]> {
    const methods: MfaMethod[] = [];
    if (user.totpConfirmedAt !== null) methods.push('totp');
    if ((await this.read.listWebauthnCredentials(user.orgId, user.id)).length > 0) methods.push('webauthn');
    return methods;
  }

  mfaEnrolled(user: UserRow): Promise<boolean> {
    return this.mfaEnrolledIn(this.read, user);
  }

  async mfaEnrolledIn(store: IdentityStore, user: UserRow): Promise<boolean> {
    if (user.totpConfirmedAt !== null) return true;
    return (await store.listWebauthnCredentials(user.orgId, user.id)).length > 0;
  }

  requireState(auth: SessionAuth, ...states: SessionState[]): void {
    if (!states.includes(auth.session.state)) throw new AppError('IDENTITY_SESSION_STATE');
  }

  openTotp(user: UserRow): string {
    if (user.totpSecretSealed === null) throw new AppError('IDENTITY_MFA_NOT_ENROLLED');
    return Buffer.from(this.sealer.open(user.totpSecretSealed, TOTP_CONTEXT(user.id))).toString('utf8');
  }

  async auditFailure(ctx: RequestContext, action: string, user: UserRow, reason: string): Promise<void> {
    await this.uow.run((s) => s.audit.record(ctx, { action, target: { type: 'user', id: user.id }, outcome: 'failure', reason, orgId: user.orgId }));
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
  authorize(ctx: RequestContext, permission: string, orgId?: string): void {
    const decision = decide(ctx.principal, permission, orgId === undefined ? undefined : { orgId });
    if (decision.allow) return;
    throw new AppError(decision.deny === 'not-found' ? 'NOT_FOUND' : decision.deny === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN', {
      detail: `${decision.rule}: ${decision.reason}`,
    });
  }

  /** Only a platform-admin may disable, reset or change a platform-admin. */
  protectPlatformAdmin(ctx: RequestContext, target: UserRow): void {
    if (target.roles.includes('platform-admin') && !isPlatformAdmin(ctx.principal)) throw new AppError('IDENTITY_ROLE_NOT_ALLOWED');
  }

  /** The tenant an admin call acts in: the caller's own; another only for host principals and platform-admins. */
  targetOrg(ctx: RequestContext, requested?: string): string {
    const own = orgOf(ctx);
    if (requested !== undefined && requested !== own) {
      if (!isPlatformAdmin(ctx.principal)) throw new AppError('IDENTITY_ORGANIZATION_NOT_FOUND');
      return requested;
    }
    if (own === null) throw new AppError('IDENTITY_ORGANIZATION_NOT_FOUND', { detail: 'an organization must be named' });
    return own;
  }

  grantableRoles(ctx: RequestContext, requested: readonly string[]): Role[] {
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
  async fingerprint(value: string): Promise<string> {
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
