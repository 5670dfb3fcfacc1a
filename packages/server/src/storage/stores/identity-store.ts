/** IdentityStore over kysely (SQLite and PostgreSQL). Every tenant query filters by org_id. */
import type { Selectable } from 'kysely';
import type { IdentityStore, SessionRow, UserPatch, UserRow } from '../../identity/index.js';
import { isRole, newId, type Role } from '../../kernel/index.js';
import type { Executor } from '../sql-database.js';
import type { IdentityTables } from '../tables.js';

type UserRecord = Selectable<IdentityTables['users']>;
type SessionRecord = Selectable<IdentityTables['sessions']>;

function roles(text: string): Role[] {
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.filter((r): r is Role => typeof r === 'string' && isRole(r)) : [];
}

function strings(text: string): string[] {
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.filter((s): s is string => typeof s === 'string') : [];
}

function userFromRow(r: UserRecord): UserRow {
  return {
    id: r.id,
    orgId: r.org_id,
    username: r.username,
    usernameKey: r.username_key,
    displayName: r.display_name,
    roles: roles(r.roles),
    status: r.status === 'active' ? 'active' : 'disabled',
    passwordHash: r.password_hash,
    passwordChangedAt: r.password_changed_at,
    mustChangePassword: Number(r.must_change_password) === 1,
    failedCount: Number(r.failed_count),
    lockLevel: Number(r.lock_level),
    lockedUntil: r.locked_until,
    lastLoginAt: r.last_login_at,
    createdAt: r.created_at,
    totpSecretSealed: r.totp_secret_sealed,
    totpConfirmedAt: r.totp_confirmed_at,
    totpLastStep: r.totp_last_step === null ? null : Number(r.totp_last_step),
  };
}

function userPatch(patch: UserPatch): Partial<UserRecord> {
  const out: Partial<UserRecord> = {};
  if (patch.username !== undefined) out.username = patch.username;
  if (patch.usernameKey !== undefined) out.username_key = patch.usernameKey;
  if (patch.displayName !== undefined) out.display_name = patch.displayName;
  if (patch.roles !== undefined) out.roles = JSON.stringify(patch.roles);
  if (patch.status !== undefined) out.status = patch.status;
  if (patch.passwordHash !== undefined) out.password_hash = patch.passwordHash;
  if (patch.passwordChangedAt !== undefined) out.password_changed_at = patch.passwordChangedAt;
  if (patch.mustChangePassword !== undefined) out.must_change_password = patch.mustChangePassword ? 1 : 0;
  if (patch.failedCount !== undefined) out.failed_count = patch.failedCount;
  if (patch.lockLevel !== undefined) out.lock_level = patch.lockLevel;
  if (patch.lockedUntil !== undefined) out.locked_until = patch.lockedUntil;
  if (patch.lastLoginAt !== undefined) out.last_login_at = patch.lastLoginAt;
  if (patch.totpSecretSealed !== undefined) out.totp_secret_sealed = patch.totpSecretSealed;
  if (patch.totpConfirmedAt !== undefined) out.totp_confirmed_at = patch.totpConfirmedAt;
  if (patch.totpLastStep !== undefined) out.totp_last_step = patch.totpLastStep;
  return out;
}

function sessionFromRow(r: SessionRecord): SessionRow {
  return {
    id: r.id,
    tokenHash: r.token_hash,
    userId: r.user_id,
    orgId: r.org_id,
    kind: r.kind === 'bearer' ? 'bearer' : 'cookie',
    state: r.state as SessionRow['state'],
    mfa: Number(r.mfa) === 1,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    idleExpiresAt: r.idle_expires_at,
    absoluteExpiresAt: r.absolute_expires_at,
    revokedAt: r.revoked_at,
    revokedReason: r.revoked_reason,
    challenge: r.challenge,
  };
}

export function identityStore(db: Executor): IdentityStore {
  return {
    async insertOrganization(row) {
      await db.insertInto('organizations').values({ id: row.id, name: row.name, name_key: row.nameKey, created_at: row.createdAt }).execute();
    },
    async findOrganization(id) {
      const r = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
      return r && { id: r.id, name: r.name, nameKey: r.name_key, createdAt: r.created_at };
    },
    async findOrganizationByNameKey(nameKey) {
      const r = await db.selectFrom('organizations').selectAll().where('name_key', '=', nameKey).executeTakeFirst();
      return r && { id: r.id, name: r.name, nameKey: r.name_key, createdAt: r.created_at };
    },
    async listOrganizations() {
      const rows = await db.selectFrom('organizations').selectAll().orderBy('name_key').execute();
      return rows.map((r) => ({ id: r.id, name: r.name, nameKey: r.name_key, createdAt: r.created_at }));
    },

    async insertUser(row) {
      await db
        .insertInto('users')
        .values({
          id: row.id,
          org_id: row.orgId,
          username: row.username,
          username_key: row.usernameKey,
          display_name: row.displayName,
          roles: JSON.stringify(row.roles),
          status: row.status,
          password_hash: row.passwordHash,
          password_changed_at: row.passwordChangedAt,
          must_change_password: row.mustChangePassword ? 1 : 0,
          failed_count: row.failedCount,
          lock_level: row.lockLevel,
          locked_until: row.lockedUntil,
          last_login_at: row.lastLoginAt,
          created_at: row.createdAt,
          totp_secret_sealed: row.totpSecretSealed,
          totp_confirmed_at: row.totpConfirmedAt,
          totp_last_step: row.totpLastStep,
        })
        .execute();
    },
    async listUsernameKeys(orgId) {
      return (await db.selectFrom('users').select('username_key').where('org_id', '=', orgId).execute()).map((r) => r.username_key);
    },
    async findUserByKey(orgId, usernameKey) {
      const r = await db.selectFrom('users').selectAll().where('org_id', '=', orgId).where('username_key', '=', usernameKey).executeTakeFirst();
      return r && userFromRow(r);
    },
    async findUsersForLogin(usernameKey, limit) {
      const rows = await db.selectFrom('users').selectAll().where('username_key', '=', usernameKey).orderBy('id').limit(limit).execute();
      return rows.map(userFromRow);
    },
    async findUser(orgId, id) {
      const r = await db.selectFrom('users').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return r && userFromRow(r);
    },
    async listUsers(orgId) {
      const rows = await db.selectFrom('users').selectAll().where('org_id', '=', orgId).orderBy('username_key').execute();
      return rows.map(userFromRow);
    },
    async updateUser(orgId, id, patch) {
      const values = userPatch(patch);
      if (Object.keys(values).length === 0) return;
      await db.updateTable('users').set(values).where('org_id', '=', orgId).where('id', '=', id).execute();
    },

    async insertPasswordHistory(userId, orgId, passwordHash, createdAt) {
      await db.insertInto('password_history').values({ id: newId(), org_id: orgId, user_id: userId, password_hash: passwordHash, created_at: createdAt }).execute();
    },
    async recentPasswordHashes(orgId, userId, limit) {
      const rows = await db
        .selectFrom('password_history')
        .select('password_hash')
        .where('org_id', '=', orgId)
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => r.password_hash);
    },

    async insertSession(row) {
      await db
        .insertInto('sessions')
        .values({
          id: row.id,
          token_hash: row.tokenHash,
          user_id: row.userId,
          org_id: row.orgId,
          kind: row.kind,
          state: row.state,
          mfa: row.mfa ? 1 : 0,
          created_at: row.createdAt,
          last_seen_at: row.lastSeenAt,
          idle_expires_at: row.idleExpiresAt,
          absolute_expires_at: row.absoluteExpiresAt,
          revoked_at: row.revokedAt,
          revoked_reason: row.revokedReason,
          challenge: row.challenge,
        })
        .execute();
    },
    async findSessionByTokenHash(tokenHash) {
      const r = await db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return r && sessionFromRow(r);
    },
    async updateSession(id, patch) {
      const values: Partial<SessionRecord> = {};
      if (patch.state !== undefined) values.state = patch.state;
      if (patch.mfa !== undefined) values.mfa = patch.mfa ? 1 : 0;
      if (patch.lastSeenAt !== undefined) values.last_seen_at = patch.lastSeenAt;
      if (patch.idleExpiresAt !== undefined) values.idle_expires_at = patch.idleExpiresAt;
      if (patch.revokedAt !== undefined) values.revoked_at = patch.revokedAt;
      if (patch.revokedReason !== undefined) values.revoked_reason = patch.revokedReason;
      if (patch.challenge !== undefined) values.challenge = patch.challenge;
      if (Object.keys(values).length === 0) return;
      await db.updateTable('sessions').set(values).where('id', '=', id).execute();
    },
    async revokeUserSessions(orgId, userId, now, reason, exceptId) {
      let query = db
        .updateTable('sessions')
        .set({ revoked_at: now, revoked_reason: reason })
        .where('org_id', '=', orgId)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null);
      if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async insertWebauthnCredential(row) {
      await db
        .insertInto('webauthn_credentials')
        .values({
          id: row.id,
          org_id: row.orgId,
          user_id: row.userId,
          credential_id: row.credentialId,
          public_key: row.publicKey,
          counter: row.counter,
          transports: JSON.stringify(row.transports),
          created_at: row.createdAt,
        })
        .execute();
    },
    async listWebauthnCredentials(orgId, userId) {
      const rows = await db.selectFrom('webauthn_credentials').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).orderBy('created_at').execute();
      return rows.map((r) => ({
        id: r.id,
        orgId: r.org_id,
        userId: r.user_id,
        credentialId: r.credential_id,
        publicKey: r.public_key,
        counter: Number(r.counter),
        transports: strings(r.transports),
        createdAt: r.created_at,
      }));
    },
    async updateWebauthnCounter(id, counter) {
      await db.updateTable('webauthn_credentials').set({ counter }).where('id', '=', id).execute();
    },
    async deleteWebauthnCredentials(orgId, userId) {
      const result = await db.deleteFrom('webauthn_credentials').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async replaceRecoveryCodes(orgId, userId, codeHashes, now) {
      await db.deleteFrom('recovery_codes').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
      if (codeHashes.length === 0) return;
      await db
        .insertInto('recovery_codes')
        .values(codeHashes.map((code_hash) => ({ id: newId(), org_id: orgId, user_id: userId, code_hash, created_at: now, used_at: null })))
        .execute();
    },
    async useRecoveryCode(orgId, userId, codeHash, now) {
      const result = await db
        .updateTable('recovery_codes')
        .set({ used_at: now })
        .where('org_id', '=', orgId)
        .where('user_id', '=', userId)
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async insertServiceAccount(row) {
      await db
        .insertInto('service_accounts')
        .values({
          id: row.id,
          org_id: row.orgId,
          name: row.name,
          scopes: JSON.stringify(row.scopes),
          token_hash: row.tokenHash,
          created_at: row.createdAt,
          expires_at: row.expiresAt,
          revoked_at: row.revokedAt,
        })
        .execute();
    },
    async findServiceAccountByTokenHash(tokenHash) {
      const r = await db.selectFrom('service_accounts').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return (
        r && {
          id: r.id,
          orgId: r.org_id,
          name: r.name,
          scopes: strings(r.scopes),
          tokenHash: r.token_hash,
          createdAt: r.created_at,
          expiresAt: r.expires_at,
          revokedAt: r.revoked_at,
        }
      );
    },
  };
}
