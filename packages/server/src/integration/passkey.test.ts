/**
 * Issue 11 item 7: the passkey success path, end to end over HTTPS with a software authenticator:
 * register a passkey, sign in again, complete the second factor with it; a replayed assertion
 * and a cloned key (counter going back) are refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN_PASSWORD, IdentityHarness, USER_PASSWORD } from './identity-fixtures.js';
import { SoftwareAuthenticator } from './software-authenticator.js';

test('ok/passkey: registered, then it completes an mfa-required sign-in; replay and a cloned counter are refused', async () => {
  const h = await IdentityHarness.start();
  try {
    await h.setup('Hospital A');
    const admin = await h.signIn('admin', ADMIN_PASSWORD);
    const user = await h.createUser(admin, 'passkey.nurse', ['clinician']);
    const port = h.t.config.httpPort;
    // The RP's expected origin, as the server derives it from its configuration (main.ts relyingParty).
    const authenticator = new SoftwareAuthenticator('localhost', `https://localhost${port === 443 ? '' : `:${port}`}`);

    const options = await h.as(user, 'POST', '/api/v1/me/mfa/webauthn/registration-options');
    assert.equal(options.status, 200);
    const registered = await h.as(user, 'POST', '/api/v1/me/mfa/webauthn/registration', { response: authenticator.register(options.body['challenge'] as string) });
    assert.equal(registered.status, 200, JSON.stringify(registered.body));
    assert.deepEqual((await h.as(user, 'GET', '/api/v1/auth/session')).body['mfaMethods'], ['webauthn']);

    // A new sign-in now needs the second factor.
    const login = await h.login('passkey.nurse', USER_PASSWORD);
    assert.equal(login.status, 200);
    const bearer = login.body['token'] as string;
    assert.equal((login.body['session'] as { state: string }).state, 'mfa-required');
    const signed = { userId: user.userId, bearer };
    const assertionOptions = await h.as(signed, 'POST', '/api/v1/auth/mfa/webauthn/options');
    assert.equal(assertionOptions.status, 200, JSON.stringify(assertionOptions.body));
    const allowed = assertionOptions.body['allowCredentials'] as Array<{ id: string }>;
    assert.deepEqual(allowed.map((c) => c.id), [authenticator.credentialId.toString('base64url')]);
    const assertion = authenticator.authenticate(assertionOptions.body['challenge'] as string);
    const done = await h.as(signed, 'POST', '/api/v1/auth/mfa/webauthn', { response: assertion });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body['state'], 'authenticated');
    assert.equal((await h.as(signed, 'GET', '/api/v1/users')).status, 403, 'signed in as the clinician it is');
    assert.equal((await h.as(signed, 'GET', '/api/v1/auth/session')).body['state'], 'authenticated');

    // Replay: the same assertion on a new mfa-required session (its challenge was never issued).
    const again = await h.login('passkey.nurse', USER_PASSWORD);
    const second = { userId: user.userId, bearer: again.body['token'] as string };
    assert.equal((await h.as(second, 'POST', '/api/v1/auth/mfa/webauthn', { response: assertion })).status, 401, 'a replayed assertion is refused');
    // A cloned key: a valid signature over a fresh challenge, but the counter went back.
    const fresh = await h.as(second, 'POST', '/api/v1/auth/mfa/webauthn/options');
    authenticator.counter = 0;
    const cloned = await h.as(second, 'POST', '/api/v1/auth/mfa/webauthn', { response: authenticator.authenticate(fresh.body['challenge'] as string) });
    assert.equal(cloned.status, 401, 'a counter that goes back is refused');
  } finally {
    await h.dispose();
  }
});
