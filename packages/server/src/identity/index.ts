/**
 * identity: people and their credentials: organizations (tenants), users, passwords, sessions,
 * second factors, service accounts, and the first-admin setup credential.
 * MUST: no default passwords; every credential change is audited in its transaction; secrets
 *       are stored hashed or sealed, never in clear.
 */
export { SetupCredentialService, SETUP_COMPLETED_KEY, hashToken, type SetupScope, type IssuedSetupCredential } from './setup-credential.js';
export type {
  SetupCredentialStore,
  SetupCredentialRow,
  SystemMetaStore,
  IdentityStore,
  OrganizationRow,
  UserRow,
  UserPatch,
  UserStatus,
  SessionRow,
  SessionPatch,
  SessionState,
  SessionKind,
  WebauthnCredentialRow,
  ServiceAccountRow,
} from './store.js';
export {
  IdentityService,
  MFA_REQUIRED_ROLES,
  type PrivilegedRoleGate,
  type SettingsChangeGate,
  FINGERPRINT_KEY,
  FINGERPRINT_CONTEXT,
  TOTP_CONTEXT,
  type IdentityScope,
  type IdentitySettings,
  type LoginResult,
  type MfaMethod,
  type SessionAuth,
  type SessionView,
  type UserView,
} from './identity-service.js';
export { USER_SORT, USER_SORT_KEYS, pageUsers, userPosition, type UserListFilter, type UserSortKey } from './user-list.js';
export { PasswordHasher, OWASP_ARGON2ID, type Argon2Parameters } from './password-hasher.js';
export { CommonPasswords } from './common-passwords.js';
export { passwordPolicy, checkPassword, codePointLength, usernameKey, isValidUsername, passwordExpiresAt, type PasswordPolicy, type PasswordPreset } from './password-policy.js';
export { afterFailure, isLocked, UNLOCKED, type LockoutPolicy, type LockoutState } from './lockout.js';
export { SESSION_COOKIE, SESSION_TOKEN_PREFIX, SERVICE_TOKEN_PREFIX, csrfMatches, csrfTokenFor, tokenHash } from './session-tokens.js';
export { totpCode, hashRecoveryCode } from './totp.js';
export type { RelyingParty } from './webauthn.js';
