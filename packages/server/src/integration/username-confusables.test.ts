/** Issue 11 item 7: confusable usernames are refused over the API (the first admin is "admin"). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN_PASSWORD, IdentityHarness } from './identity-fixtures.js';

test('fail/look-alikes of an existing username, combining marks and mixed scripts are refused; a real name is not', async () => {
  const h = await IdentityHarness.start();
  try {
    await h.setup('Hospital A');
    const admin = await h.signIn('admin', ADMIN_PASSWORD);
    const create = (username: string) => h.as(admin, 'POST', '/api/v1/users', { username, displayName: 'x', roles: ['clinician'] });
    const cases: Array<[string, number]> = [
      ['admın', 409], // dotless ı: same skeleton as admin
      ['adrnin', 409], // rn for m
      ['ADMIN', 409],
      ['аdmin', 400], // Cyrillic а: mixed scripts
      ['admi\u0301n', 400], // combining acute accent
      ['josé', 201],
    ];
    for (const [username, status] of cases) {
      const answer = await create(username);
      assert.equal(answer.status, status, `${JSON.stringify(username)}: ${JSON.stringify(answer.body)}`);
    }
  } finally {
    await h.dispose();
  }
});
