/** Ports of the identity module. Implemented in storage/. */
import type { Role } from '../kernel/index.js';
export interface SetupCredentialRow {
  readonly id: string;
  readonly tokenHash: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly consumedAt: string | null;
}

export interface SetupCredentialStore {
  insert(row: SetupCredentialRow): Promise<void>;
  /** Unconsumed credentials that have not expired at `now`. */
  findUsable(now: string): Promise<SetupCredentialRow[]>;
  findByHash(tokenHash: string): Promise<SetupCredentialRow | undefined>;
  /** Marks every unconsumed credential as consumed (a new one replaces them). */
  retireAll(now: string): Promise<number>;
  markConsumed(id: string, now: string): Promise<boolean>;
}

/** Small key/value facts about the installation (e.g. when setup completed). */
export interface SystemMetaStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, now: string): Promise<void>;
}

export type UserStatus = 'active' | 'disabled';
export type SessionState = 'authenticated' | 'mfa-required' | 'mfa-enrollment-required' | 'password-change-required';
export type SessionKind = 'cookie' | 'bearer';

export interface OrganizationRow {
  readonly id: string;
  readonly name: string;
  /** NFKC + lower case: the unique key. */
  readonly nameKey: string;
  readonly createdAt: string;
}

export interface UserRow {
  readonly id: string;
  readonly orgId: string;
  readonly username: string;
  /** NFKC + lower case: unique across the installation (login needs no tenant). */
  readonly usernameKey: string;
  readonly displayName: string;
  readonly roles: readonly Role[];
  readonly status: UserStatus;
  readonly passwordHash: string;
  readonly passwordChangedAt: string;
  readonly mustChangePassword: boolean;
  readonly failedCount: number;
  readonly lockLevel: number;
  readonly lockedUntil: string | null;
  readonly lastLoginAt: string | null;
  readonly createdAt: string;
  /** Sealed TOTP secret (pending until totpConfirmedAt is set). */
  readonly totpSecretSealed: string | null;
  readonly totpConfirmedAt: string | null;
  readonly totpLastStep: number | null;
}

export type UserPatch = Partial<Omit<UserRow, 'id' | 'orgId' | 'createdAt'>>;

export interface SessionRow {
  readonly id: string;
  readonly tokenHash: string;
  readonly userId: string;
  readonly orgId: string;
  readonly kind: SessionKind;
  readonly state: SessionState;
  readonly mfa: boolean;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly idleExpiresAt: string;
  readonly absoluteExpiresAt: string;
  readonly revokedAt: string | null;
  readonly revokedReason: string | null;
  /** Pending WebAuthn challenge (registration or authentication). */
  readonly challenge: string | null;
}

export type SessionPatch = Partial<Pick<SessionRow, 'state' | 'mfa' | 'lastSeenAt' | 'idleExpiresAt' | 'revokedAt' | 'revokedReason' | 'challenge'>>;

export interface WebauthnCredentialRow {
  readonly id: string;
  readonly userId: string;
  readonly orgId: string;
  /** base64url credential id. */
  readonly credentialId: string;
  /** base64url COSE public key. */
  readonly publicKey: string;
  readonly counter: number;
  readonly transports: readonly string[];
  readonly createdAt: string;
}

export interface ServiceAccountRow {
  readonly id: string;
  readonly orgId: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly tokenHash: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
}

/**
 * The identity store. Tenant data is read by (orgId, id); the two lookups that have no tenant yet
 * are by design: a login (username key, unique per organization) and a token (its hash).
 */
export interface IdentityStore {
  insertOrganization(row: OrganizationRow): Promise<void>;
  findOrganization(id: string): Promise<OrganizationRow | undefined>;
  findOrganizationByNameKey(nameKey: string): Promise<OrganizationRow | undefined>;
  listOrganizations(): Promise<OrganizationRow[]>;

  insertUser(row: UserRow): Promise<void>;
  /** The user with this username key in one organization (usernames are unique per organization). */
  findUserByKey(orgId: string, usernameKey: string): Promise<UserRow | undefined>;
  /** Users with this username key in any organization, at most `limit`: a sign-in without an organization. */
  findUsersForLogin(usernameKey: string, limit: number): Promise<UserRow[]>;
  /** Every username key of one organization: the look-alike check. */
  listUsernameKeys(orgId: string): Promise<string[]>;
  findUser(orgId: string, id: string): Promise<UserRow | undefined>;
  listUsers(orgId: string): Promise<UserRow[]>;
  updateUser(orgId: string, id: string, patch: UserPatch): Promise<void>;

  insertPasswordHistory(userId: string, orgId: string, passwordHash: string, createdAt: string): Promise<void>;
  /** The most recent `limit` password hashes of a user, newest first. */
  recentPasswordHashes(orgId: string, userId: string, limit: number): Promise<string[]>;

  insertSession(row: SessionRow): Promise<void>;
  findSessionByTokenHash(tokenHash: string): Promise<SessionRow | undefined>;
  updateSession(id: string, patch: SessionPatch): Promise<void>;
  /** Revokes the user's live sessions, except `exceptId`; returns how many. */
  revokeUserSessions(orgId: string, userId: string, now: string, reason: string, exceptId?: string): Promise<number>;

  insertWebauthnCredential(row: WebauthnCredentialRow): Promise<void>;
  listWebauthnCredentials(orgId: string, userId: string): Promise<WebauthnCredentialRow[]>;
  updateWebauthnCounter(id: string, counter: number): Promise<void>;
  /** Removes every passkey of the user (an admin's MFA reset); returns how many. */
  deleteWebauthnCredentials(orgId: string, userId: string): Promise<number>;

  replaceRecoveryCodes(orgId: string, userId: string, codeHashes: readonly string[], now: string): Promise<void>;
  /** Marks an unused code as used; false when there is no such unused code. */
  useRecoveryCode(orgId: string, userId: string, codeHash: string, now: string): Promise<boolean>;

  insertServiceAccount(row: ServiceAccountRow): Promise<void>;
  findServiceAccountByTokenHash(tokenHash: string): Promise<ServiceAccountRow | undefined>;
}
