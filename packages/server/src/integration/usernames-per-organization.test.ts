/**
 * Issue 11 item 7: usernames are unique per organization (migration 0022). `POST /users` with a
 * name another tenant uses succeeds (no 409 oracle); within a tenant it is still 409, look-alikes
 * included. Sign-in names the organization when the username exists in several; without it, the
 * sign-in fails exactly like a wrong password.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_PASSWORD, errorCode, IdentityHarness, USER_PASSWORD, type Signed } from './identity-fixtures.js';

let h: IdentityHarness;
let adminA: Signed;
let adminB: Signed;

before(async () => {
  h = await IdentityHarness.start();
  await h.setup('Hospital A', 'admin');
  adminA = await h.signIn('admin', ADMIN_PASSWORD);
  const cli = { principal: { kind: 'cli' as const, id: 'test' }, requestId: 'test', source: 'local' };
  const orgB = await h.t.platform.identity.createOrganization(cli, 'Clinic B');
  await h.t.platform.identity.createUser(cli, { orgId: orgB.id, username: 'boss.b', displayName: 'Boss B', roles: ['org-admin'], password: ADMIN_PASSWORD });
  adminB = await h.signIn('boss.b', ADMIN_PASSWORD);
});
after(() => h.dispose());

test('ok/a username another organization uses is created (201), not refused: no cross-tenant oracle', async () => {
  const inA = await h.as(adminA, 'POST', '/api/v1/users', { username: 'carol', displayName: 'Carol A', roles: ['clinician'] });
  assert.equal(inA.status, 201, JSON.stringify(inA.body));
  for (const name of ['carol', 'CAROL', 'admin', 'adrnin']) {
    const inB = await h.as(adminB, 'POST', '/api/v1/users', { username: name, displayName: `${name} B`, roles: ['clinician'] });
    if (name === 'CAROL') {
      // Taken in B now (by B's own carol): the 409 speaks of B only.
      assert.equal(errorCode(inB), 'IDENTITY_USERNAME_TAKEN');
      continue;
    }
    if (name === 'adrnin') {
      // A look-alike of B's own "admin" (created just before): refused within B.
      assert.equal(errorCode(inB), 'IDENTITY_USERNAME_TAKEN', name);
      continue;
    }
    assert.equal(inB.status, 201, `${name}: ${JSON.stringify(inB.body)}`);
  }
});

test('fail/within one organization a taken name and its look-alike stay 409', async () => {
  for (const name of ['carol', 'Ｃarol', 'admın']) {
    const answer = await h.as(adminA, 'POST', '/api/v1/users', { username: name, displayName: 'x', roles: ['clinician'] });
    assert.equal(errorCode(answer), 'IDENTITY_USERNAME_TAKEN', name);
  }
});

test('ok/sign-in: a name in several organizations needs the organization (name or id); without it, the same failure as a wrong password', async () => {
  const a = await h.createUserless('dora', (await h.as(adminA, 'POST', '/api/v1/users', { username: 'dora', displayName: 'Dora A', roles: ['clinician'] })).body['oneTimePassword'] as string);
  const createdB = await h.as(adminB, 'POST', '/api/v1/users', { username: 'dora', displayName: 'Dora B', roles: ['auditor'] });
  assert.equal(createdB.status, 201);
  const ambiguous = await h.call('POST', '/api/v1/auth/login', { body: { username: 'dora', password: USER_PASSWORD, mode: 'bearer' } });
  const wrong = await h.call('POST', '/api/v1/auth/login', { body: { username: 'nobody-here', password: USER_PASSWORD, mode: 'bearer' } });
  assert.equal(ambiguous.status, 401);
  assert.deepEqual({ ...(ambiguous.body['error'] as object), requestId: '' }, { ...(wrong.body['error'] as object), requestId: '' }, 'no hint that the name exists elsewhere');
  const withOrg = await h.call('POST', '/api/v1/auth/login', { body: { username: 'dora', password: USER_PASSWORD, organization: 'hospital a', mode: 'bearer' } });
  assert.equal(withOrg.status, 200, JSON.stringify(withOrg.body));
  assert.equal((withOrg.body['session'] as { user: { id: string } }).user.id, a.userId);
  const orgs = await h.as(adminA, 'GET', '/api/v1/organizations');
  const idA = (orgs.body['organizations'] as Array<{ id: string; name: string }>).find((o) => o.name === 'Hospital A')?.id ?? '';
  assert.equal((await h.call('POST', '/api/v1/auth/login', { body: { username: 'dora', password: USER_PASSWORD, organization: idA, mode: 'bearer' } })).status, 200, 'by id');
  const wrongOrg = await h.call('POST', '/api/v1/auth/login', { body: { username: 'dora', password: USER_PASSWORD, organization: 'Clinic B', mode: 'bearer' } });
  assert.equal(wrongOrg.status, 401, "B's dora has another (one-time) password");
  // A name in one organization only still signs in without one (the README and the demo)...
  assert.equal((await h.login('boss.b', ADMIN_PASSWORD)).status, 200);
  // ...and "admin", which B also created in the first test, now needs its organization.
  assert.equal((await h.login('admin', ADMIN_PASSWORD)).status, 401);
  assert.equal((await h.call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD, organization: 'Hospital A', mode: 'bearer' } })).status, 200);
  const events = await h.t.platform.database.db.selectFrom('audit_events').select(['reason']).where('action', '=', 'identity.login.attempt').where('outcome', '=', 'failure').execute();
  assert.ok(events.some((e) => e.reason === 'organization-required'), 'the audit log says why');
});
