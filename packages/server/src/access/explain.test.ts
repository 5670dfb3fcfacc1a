import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Principal } from '../kernel/index.js';
import { explain } from './explain.js';

const clinician: Principal = { kind: 'user', id: 'u1', orgId: 'o1', username: 'c', roles: ['clinician'], sessionId: 's', mfa: false };
const admin: Principal = { ...clinician, roles: ['org-admin'] } as Principal;

test('ok/explain allows by the role that holds the permission', () => {
  const e = explain(admin, 'users:manage');
  assert.equal(e.allow, true);
  assert.equal(e.rule, 'role-grants-permission');
  assert.ok(e.steps.some((s) => s.includes('role org-admin holds users:manage')));
});

test('fail/explain denies with the rule that refused', () => {
  assert.equal(explain(clinician, 'users:manage').rule, 'no-role-grants-permission');
  assert.equal(explain(clinician, 'no:such').rule, 'unknown-permission');
  assert.equal(explain(admin, 'users:read', { orgId: 'o2' }).rule, 'other-organization');
  assert.equal(explain({ kind: 'anonymous', id: 'anonymous' }, 'users:read').rule, 'anonymous');
});

test('ok/public routes are explained as public', () => {
  assert.deepEqual([explain(clinician, 'public').allow, explain(clinician, 'public').rule], [true, 'public']);
});
