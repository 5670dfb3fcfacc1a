/** The IdentityStore contract: every adapter must pass it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IdentityStore, SessionRow, UserRow } from '../../identity/index.js';
import { identityStore } from '../stores/identity-store.js';
import { withTestDatabase, type TestDatabase } from './adapters.js';

const T0 = '2026-01-01T00:00:00.000Z';

async function seed(store: IdentityStore, orgId = 'org-a', userId = 'user-1', key = 'alice'): Promise<UserRow> {
  if (!(await store.findOrganization(orgId))) await store.insertOrganization({ id: orgId, name: orgId.toUpperCase(), nameKey: orgId, createdAt: T0 });
  const user: UserRow = {
    id: userId,
    orgId,
    username: key,
    usernameKey: key,
    displayName: 'Alice',
    roles: ['clinician', 'auditor'],
    status: 'active',
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$x$y',
    passwordChangedAt: T0,
    mustChangePassword: true,
    failedCount: 0,
    lockLevel: 0,
    lockedUntil: null,
    lastLoginAt: null,
    createdAt: T0,
    totpSecretSealed: null,
    totpConfirmedAt: null,
    totpLastStep: null,
  };
  await store.insertUser(user);
  return user;
}

function session(over: Partial<SessionRow> = {}): SessionRow {
  return {
    id: 's1',
    tokenHash: 'h1',
    userId: 'user-1',
    orgId: 'org-a',
    kind: 'cookie',
    state: 'mfa-required',
    mfa: false,
    createdAt: T0,
    lastSeenAt: T0,
    idleExpiresAt: T0,
    absoluteExpiresAt: T0,
    revokedAt: null,
    revokedReason: null,
    challenge: null,
    ...over,
  };
}

export function identityStoreContract(open: () => Promise<TestDatabase>): void {
  test('ok/users round-trip with roles, booleans and big step numbers; lookups are tenant-scoped', () =>
    withTestDatabase(open, async (t) => {
      const store = identityStore(t.database.db);
      const user = await seed(store);
      assert.deepEqual(await store.findUserByKey('org-a', 'alice'), user);
      assert.deepEqual(await store.findUsersForLogin('alice', 2), [user]);
      assert.deepEqual(await store.findUser('org-a', 'user-1'), user);
      await seed(store, 'org-b', 'user-2', 'bob');
      assert.equal(await store.findUser('org-b', 'user-1'), undefined, 'another tenant does not see the user');
      assert.deepEqual((await store.listUsers('org-a')).map((u) => u.id), ['user-1']);
      await store.updateUser('org-b', 'user-1', { status: 'disabled' });
      assert.equal((await store.findUser('org-a', 'user-1'))?.status, 'active', 'an update from another tenant changes nothing');
      await store.updateUser('org-a', 'user-1', { mustChangePassword: false, totpLastStep: 59_000_000_123, lockedUntil: T0, roles: ['org-admin'] });
      const updated = await store.findUser('org-a', 'user-1');
      assert.equal(updated?.mustChangePassword, false);
      assert.equal(updated?.totpLastStep, 59_000_000_123);
      assert.deepEqual(updated?.roles, ['org-admin']);
    }));

  test('fail/usernames are unique per organization, organization names installation-wide', () =>
    withTestDatabase(open, async (t) => {
      const store = identityStore(t.database.db);
      await seed(store);
      await assert.rejects(seed(store, 'org-a', 'user-9', 'alice'));
      // The same name in another organization is another account (migration 0022).
      const other = await seed(store, 'org-b', 'user-8', 'alice');
      assert.deepEqual(await store.findUserByKey('org-b', 'alice'), other);
      assert.deepEqual((await store.findUsersForLogin('alice', 5)).map((u) => u.id).sort(), ['user-1', 'user-8']);
      assert.deepEqual(await store.listUsernameKeys('org-b'), ['alice']);
      await assert.rejects(store.insertOrganization({ id: 'org-z', name: 'x', nameKey: 'org-a', createdAt: T0 }));
    }));

  test('ok/password history is newest first and limited', () =>
    withTestDatabase(open, async (t) => {
      const store = identityStore(t.database.db);
      await seed(store);
      for (let i = 0; i < 5; i += 1) await store.insertPasswordHistory('user-1', 'org-a', `hash-${i}`, `2026-01-0${i + 1}T00:00:00.000Z`);
      assert.deepEqual(await store.recentPasswordHashes('org-a', 'user-1', 3), ['hash-4', 'hash-3', 'hash-2']);
      assert.deepEqual(await store.recentPasswordHashes('org-b', 'user-1', 3), []);
    }));

  test('ok/sessions: find by hash, update, revoke all but one', () =>
    withTestDatabase(open, async (t) => {
      const store = identityStore(t.database.db);
      await seed(store);
      await store.insertSession(session());
      await store.insertSession(session({ id: 's2', tokenHash: 'h2', kind: 'bearer' }));
      assert.deepEqual(await store.findSessionByTokenHash('h1'), session());
      await store.updateSession('s1', { state: 'authenticated', mfa: true, challenge: 'c' });
      assert.deepEqual(await store.findSessionByTokenHash('h1'), session({ state: 'authenticated', mfa: true, challenge: 'c' }));
      assert.equal(await store.revokeUserSessions('org-a', 'user-1', T0, 'password-changed', 's1'), 1);
      assert.equal((await store.findSessionByTokenHash('h2'))?.revokedReason, 'password-changed');
      assert.equal((await store.findSessionByTokenHash('h1'))?.revokedAt, null);
      assert.equal(await store.revokeUserSessions('org-b', 'user-1', T0, 'x'), 0, 'another tenant revokes nothing');
    }));

  test('ok/recovery codes are single use; webauthn credentials round-trip and are deleted per user; service accounts round-trip', () =>
    withTestDatabase(open, async (t) => {
      const store = identityStore(t.database.db);
      await seed(store);
      await store.replaceRecoveryCodes('org-a', 'user-1', ['c1', 'c2'], T0);
      assert.equal(await store.useRecoveryCode('org-a', 'user-1', 'c1', T0), true);
      assert.equal(await store.useRecoveryCode('org-a', 'user-1', 'c1', T0), false);
      assert.equal(await store.useRecoveryCode('org-b', 'user-1', 'c2', T0), false);
      await store.replaceRecoveryCodes('org-a', 'user-1', ['c3'], T0);
      assert.equal(await store.useRecoveryCode('org-a', 'user-1', 'c2', T0), false, 'replaced codes are gone');

      const cred = { id: 'w1', userId: 'user-1', orgId: 'org-a', credentialId: 'cid', publicKey: 'pk', counter: 3, transports: ['usb'], createdAt: T0 };
      await store.insertWebauthnCredential(cred);
      await store.updateWebauthnCounter('w1', 9);
      assert.deepEqual(await store.listWebauthnCredentials('org-a', 'user-1'), [{ ...cred, counter: 9 }]);
      assert.deepEqual(await store.listWebauthnCredentials('org-b', 'user-1'), []);
      await store.insertWebauthnCredential({ ...cred, id: 'w2', credentialId: 'cid2' });
      assert.equal(await store.deleteWebauthnCredentials('org-b', 'user-1'), 0, 'scoped by organization');
      assert.equal(await store.deleteWebauthnCredentials('org-a', 'user-1'), 2);
      assert.deepEqual(await store.listWebauthnCredentials('org-a', 'user-1'), []);

      const account = { id: 'sa1', orgId: 'org-a', name: 'etl', scopes: ['devices:read'], tokenHash: 'th', createdAt: T0, expiresAt: T0, revokedAt: null };
      await store.insertServiceAccount(account);
      assert.deepEqual(await store.findServiceAccountByTokenHash('th'), account);
    }));
}
