/**
 * Identity use cases: the first admin, organizations, users, passwords, logins, sessions, second
 * factors and service accounts. HIPAA §164.312(a)(1) unique user identification, (a)(2)(iii)
 * automatic logoff, (d) person or entity authentication; FDA premarket guidance App. 1 A-B.
 *
 * `IdentityService` is the module's one entry point; each group of use cases lives in its own file:
 *   organizations.ts      first-time setup, organizations
 *   user-admin.ts         users as an admin manages them, roles, denied-request audit
 *   sessions.ts           sign-in, sessions, logout, password change
 *   second-factors.ts     TOTP, recovery codes, passkeys, step-up
 *   service-accounts.ts   scoped API tokens
 *   identity-core.ts      what they share: ports, policy in force, tenant and permission checks
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
import { AppError, type Clock, type RequestContext, type UnitOfWork } from '../kernel/index.js';
import type { Sealer } from '../keys/index.js';
import type { CommonPasswords } from './common-passwords.js';
import { IdentityCore, type IdentityScope, type IdentitySettings, type SettingsChangeGate } from './identity-core.js';
import { OrganizationAdmin } from './organizations.js';
import type { PasswordHasher } from './password-hasher.js';
import type { PasswordPolicy, PasswordPreset } from './password-policy.js';
import { SecondFactors } from './second-factors.js';
import { ServiceAccounts } from './service-accounts.js';
import { SessionUseCases } from './sessions.js';
import type { SetupCredentialService } from './setup-credential.js';
import type { IdentityStore } from './store.js';
import { UserAdmin } from './user-admin.js';

export {
  FINGERPRINT_CONTEXT,
  FINGERPRINT_KEY,
  MFA_REQUIRED_ROLES,
  TOTP_CONTEXT,
  type IdentityScope,
  type IdentitySettings,
  type LoginResult,
  type MfaMethod,
  type PrivilegedRoleGate,
  type SessionAuth,
  type SessionView,
  type SettingsChangeGate,
  type UserView,
} from './identity-core.js';

export class IdentityService {
  readonly #core: IdentityCore;
  readonly #organizations: OrganizationAdmin;
  readonly #users: UserAdmin;
  readonly #sessions: SessionUseCases;
  readonly #factors: SecondFactors;
  readonly #serviceAccounts: ServiceAccounts;
  #settingsGate: SettingsChangeGate | undefined;

  constructor(
    uow: UnitOfWork<IdentityScope>,
    /** The same store outside a transaction, for reads. */
    read: IdentityStore,
    setup: SetupCredentialService,
    clock: Clock,
    sealer: Sealer,
    hasher: PasswordHasher,
    common: CommonPasswords,
    readonly settings: IdentitySettings,
  ) {
    this.#core = new IdentityCore(uow, read, setup, clock, sealer, hasher, common, settings);
    this.#users = new UserAdmin(this.#core);
    this.#organizations = new OrganizationAdmin(this.#core, this.#users);
    this.#sessions = new SessionUseCases(this.#core);
    this.#factors = new SecondFactors(this.#core);
    this.#serviceAccounts = new ServiceAccounts(this.#core);
  }

  /** The password policy in force (the configured preset, or the one an approved change set). */
  get policy(): PasswordPolicy {
    return this.#core.policy;
  }

  get passwordPreset(): PasswordPreset {
    return this.#core.passwordPreset;
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
    const previous = this.#core.passwordPreset;
    await this.#core.uow.run((s) =>
      s.audit.record(ctx, { action: 'identity.password_policy.change', target: { type: 'setting', id: 'passwords.preset' }, outcome: 'success', details: { from: previous, to: preset } }),
    );
    this.#core.usePreset(preset);
  }

  readonly completeSetup = (...args: Parameters<OrganizationAdmin['completeSetup']>): ReturnType<OrganizationAdmin['completeSetup']> => this.#organizations.completeSetup(...args);
  readonly setupPending = (...args: Parameters<OrganizationAdmin['setupPending']>): ReturnType<OrganizationAdmin['setupPending']> => this.#organizations.setupPending(...args);
  readonly createOrganization = (...args: Parameters<OrganizationAdmin['createOrganization']>): ReturnType<OrganizationAdmin['createOrganization']> => this.#organizations.createOrganization(...args);
  readonly listOrganizations = (...args: Parameters<OrganizationAdmin['listOrganizations']>): ReturnType<OrganizationAdmin['listOrganizations']> => this.#organizations.listOrganizations(...args);
  readonly resolveOrganization = (...args: Parameters<OrganizationAdmin['resolveOrganization']>): ReturnType<OrganizationAdmin['resolveOrganization']> => this.#organizations.resolveOrganization(...args);
  readonly createUser = (...args: Parameters<UserAdmin['createUser']>): ReturnType<UserAdmin['createUser']> => this.#users.createUser(...args);
  readonly listUsers = (...args: Parameters<UserAdmin['listUsers']>): ReturnType<UserAdmin['listUsers']> => this.#users.listUsers(...args);
  readonly getUser = (...args: Parameters<UserAdmin['getUser']>): ReturnType<UserAdmin['getUser']> => this.#users.getUser(...args);
  readonly findUserByUsername = (...args: Parameters<UserAdmin['findUserByUsername']>): ReturnType<UserAdmin['findUserByUsername']> => this.#users.findUserByUsername(...args);
  readonly setUserStatus = (...args: Parameters<UserAdmin['setUserStatus']>): ReturnType<UserAdmin['setUserStatus']> => this.#users.setUserStatus(...args);
  readonly resetPassword = (...args: Parameters<UserAdmin['resetPassword']>): ReturnType<UserAdmin['resetPassword']> => this.#users.resetPassword(...args);
  readonly resetMfa = (...args: Parameters<UserAdmin['resetMfa']>): ReturnType<UserAdmin['resetMfa']> => this.#users.resetMfa(...args);
  readonly setPrivilegedRoleGate = (...args: Parameters<UserAdmin['setPrivilegedRoleGate']>): ReturnType<UserAdmin['setPrivilegedRoleGate']> => this.#users.setPrivilegedRoleGate(...args);
  readonly setRoles = (...args: Parameters<UserAdmin['setRoles']>): ReturnType<UserAdmin['setRoles']> => this.#users.setRoles(...args);
  readonly recordDenied = (...args: Parameters<UserAdmin['recordDenied']>): ReturnType<UserAdmin['recordDenied']> => this.#users.recordDenied(...args);
  readonly principalOf = (...args: Parameters<UserAdmin['principalOf']>): ReturnType<UserAdmin['principalOf']> => this.#users.principalOf(...args);
  readonly login = (...args: Parameters<SessionUseCases['login']>): ReturnType<SessionUseCases['login']> => this.#sessions.login(...args);
  readonly resolveSession = (...args: Parameters<SessionUseCases['resolveSession']>): ReturnType<SessionUseCases['resolveSession']> => this.#sessions.resolveSession(...args);
  readonly logout = (...args: Parameters<SessionUseCases['logout']>): ReturnType<SessionUseCases['logout']> => this.#sessions.logout(...args);
  readonly principal = (...args: Parameters<SessionUseCases['principal']>): ReturnType<SessionUseCases['principal']> => this.#sessions.principal(...args);
  readonly view = (...args: Parameters<SessionUseCases['view']>): ReturnType<SessionUseCases['view']> => this.#sessions.view(...args);
  readonly changePassword = (...args: Parameters<SessionUseCases['changePassword']>): ReturnType<SessionUseCases['changePassword']> => this.#sessions.changePassword(...args);
  readonly totpSetup = (...args: Parameters<SecondFactors['totpSetup']>): ReturnType<SecondFactors['totpSetup']> => this.#factors.totpSetup(...args);
  readonly totpConfirm = (...args: Parameters<SecondFactors['totpConfirm']>): ReturnType<SecondFactors['totpConfirm']> => this.#factors.totpConfirm(...args);
  readonly verifyTotp = (...args: Parameters<SecondFactors['verifyTotp']>): ReturnType<SecondFactors['verifyTotp']> => this.#factors.verifyTotp(...args);
  readonly verifyRecoveryCode = (...args: Parameters<SecondFactors['verifyRecoveryCode']>): ReturnType<SecondFactors['verifyRecoveryCode']> => this.#factors.verifyRecoveryCode(...args);
  readonly verifyStepUp = (...args: Parameters<SecondFactors['verifyStepUp']>): ReturnType<SecondFactors['verifyStepUp']> => this.#factors.verifyStepUp(...args);
  readonly webauthnRegistrationOptions = (...args: Parameters<SecondFactors['webauthnRegistrationOptions']>): ReturnType<SecondFactors['webauthnRegistrationOptions']> => this.#factors.webauthnRegistrationOptions(...args);
  readonly webauthnRegister = (...args: Parameters<SecondFactors['webauthnRegister']>): ReturnType<SecondFactors['webauthnRegister']> => this.#factors.webauthnRegister(...args);
  readonly webauthnAuthenticationOptions = (...args: Parameters<SecondFactors['webauthnAuthenticationOptions']>): ReturnType<SecondFactors['webauthnAuthenticationOptions']> => this.#factors.webauthnAuthenticationOptions(...args);
  readonly verifyWebauthn = (...args: Parameters<SecondFactors['verifyWebauthn']>): ReturnType<SecondFactors['verifyWebauthn']> => this.#factors.verifyWebauthn(...args);
  readonly createServiceAccount = (...args: Parameters<ServiceAccounts['createServiceAccount']>): ReturnType<ServiceAccounts['createServiceAccount']> => this.#serviceAccounts.createServiceAccount(...args);
  readonly resolveServiceToken = (...args: Parameters<ServiceAccounts['resolveServiceToken']>): ReturnType<ServiceAccounts['resolveServiceToken']> => this.#serviceAccounts.resolveServiceToken(...args);
  readonly userView = (...args: Parameters<IdentityCore['userView']>): ReturnType<IdentityCore['userView']> => this.#core.userView(...args);
  readonly mfaMethods = (...args: Parameters<IdentityCore['mfaMethods']>): ReturnType<IdentityCore['mfaMethods']> => this.#core.mfaMethods(...args);
  readonly findOrganizationByName = (...args: Parameters<IdentityCore['findOrganizationByName']>): ReturnType<IdentityCore['findOrganizationByName']> => this.#core.findOrganizationByName(...args);
}
