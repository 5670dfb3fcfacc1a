/**
 * Issue 11 item 7: the disabled-account-token detector could never fire (disabling revokes the
 * sessions, and a revoked session was refused before the check). End to end over HTTPS: a
 * signed-in user is disabled, the lingering token is presented, and a security alert opens.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Principal } from '../kernel/index.js';
import { ADMIN_PASSWORD, IdentityHarness } from './identity-fixtures.js';

test('ok/a disabled account token presented after the disable opens a disabled-account-token alert', async () => {
  const h = await IdentityHarness.start();
  try {
    await h.setup('Hospital A');
    const admin = await h.signIn('admin', ADMIN_PASSWORD);
    const user = await h.createUser(admin, 'leaver', ['clinician']);
    assert.equal((await h.as(user, 'GET', '/api/v1/auth/session')).status, 200);
    assert.equal((await h.as(admin, 'POST', `/api/v1/users/${user.userId}/disable`)).status, 200);
    const replay = await h.as(user, 'GET', '/api/v1/auth/session');
    assert.equal(replay.status, 401);
    await h.t.platform.security.alerts.flush();
    const session = await h.as(admin, 'GET', '/api/v1/auth/session');
    const me = session.body['user'] as { id: string; orgId: string; username: string };
    const officer: Principal = { kind: 'user', id: me.id, orgId: me.orgId, username: me.username, roles: ['security-officer'], sessionId: 'it', mfa: true };
    const alerts = await h.t.platform.security.alerts.list({ principal: officer, requestId: 'it', source: '127.0.0.1' }, { detector: 'disabled-account-token' });
    assert.equal(alerts.length, 1, 'one alert');
    assert.equal(alerts[0]?.subject.kind, 'user');
    assert.equal(alerts[0]?.subject.id, user.userId);
    assert.equal(alerts[0]?.orgId, me.orgId);
  } finally {
    await h.dispose();
  }
});
