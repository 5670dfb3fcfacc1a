/**
 * `vigil changes approve --username U [--org O]`: usernames are unique per organization, so a name
 * held in two organizations must be qualified, and --org picks the right person.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import { runChangesApprove } from '../cli/compliance-commands.js';
import { cliContext } from '../main.js';
import { makePlatform } from './fixtures.js';

test('fail/an approver whose username exists in two organizations must be named with --org; with --org the right one is used', async () => {
  const t = await makePlatform();
  const root = t.dataDir;
  try {
    const host = cliContext();
    const a = await t.platform.identity.createOrganization(host, 'Hospital A');
    const b = await t.platform.identity.createOrganization(host, 'Hospital B');
    await t.platform.identity.createUser(host, { orgId: a.id, username: 'sam', displayName: 'Sam A', roles: ['security-officer'] });
    await t.platform.identity.createUser(host, { orgId: b.id, username: 'sam', displayName: 'Sam B', roles: ['security-officer'] });
    await t.platform.close();
    const flags = { username: 'sam', totp: '000000' };
    await assert.rejects(runChangesApprove(t.config, 'no-such-change', flags), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'IDENTITY_USER_NOT_FOUND');
      assert.match(error.message + String((error as { detail?: unknown }).detail ?? ''), /several organizations|--org/);
      return true;
    });
    // With --org the person is found, and the request goes on to the change (which does not exist).
    await assert.rejects(runChangesApprove(t.config, 'no-such-change', { ...flags, org: 'Hospital B' }), (error: Error & { code?: string }) => {
      assert.notEqual(error.code, 'IDENTITY_USER_NOT_FOUND');
      return true;
    });
    await assert.rejects(runChangesApprove(t.config, 'no-such-change', { ...flags, org: 'Hospital C' }), { code: 'IDENTITY_ORGANIZATION_NOT_FOUND' });
  } finally {
    await t.dispose().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
});
