/**
 * The access matrix of the identity routes: every route of the users, organizations,
 * service-accounts and access permissions x every human role x a resource in the caller's own
 * organization and in another one. Deny by default; zero cross-tenant reads.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PERMISSIONS, isPermission } from '../access/index.js';
import { testContext } from './fixtures.js';
import { ADMIN_PASSWORD, IdentityHarness, type Signed } from './identity-fixtures.js';

const ROLES_UNDER_TEST = ['platform-admin', 'org-admin', 'security-officer', 'clinician', 'technician', 'auditor'] as const;
const MODULE_PERMISSIONS = /^(users|organizations|service-accounts|access):/;
/** Valid bodies for routes on a resource, so that a cross-tenant answer is not just a 400. */
const BODIES: Readonly<Record<string, unknown>> = { 'PUT /api/v1/users/{id}/roles': { roles: ['clinician'] } };

test('ok/access matrix: route x role x own/other tenant; deny by default, zero cross-tenant reads', async (t) => {
  const h = await IdentityHarness.start();
  try {
    await h.setup('Hospital A');
    const actors = new Map<string, Signed>();
    actors.set('platform-admin', await h.signIn('admin', ADMIN_PASSWORD));
    const admin = actors.get('platform-admin')!;
    for (const role of ROLES_UNDER_TEST.slice(1)) actors.set(role, await h.createUser(admin, `actor.${role}`, [role]));
    const ownVictim = await h.createUser(admin, 'victim.a', ['clinician']);
    const orgB = await h.as(admin, 'POST', '/api/v1/organizations', { name: 'Hospital B' });
    const orgBId = (orgB.body['organization'] as { id: string }).id;
    const cli = { ...testContext, principal: { kind: 'cli' as const, id: 'op' } };
    const otherVictim = await h.t.platform.identity.createUser(cli, { orgId: orgBId, username: 'victim.b', displayName: 'B', roles: ['clinician'] });

    const doc = await h.call('GET', '/api/openapi.json');
    const paths = doc.body['paths'] as Record<string, Record<string, unknown>>;
    const routes: Array<{ method: string; path: string; permission: string }> = [];
    for (const [path, methods] of Object.entries(paths)) {
      for (const method of Object.keys(methods)) {
        const explained = await h.as(admin, 'GET', `/api/v1/access/explain?method=${method.toUpperCase()}&path=${encodeURIComponent(path.replace(/\{[^}]+\}/g, 'x'))}`);
        const permission = explained.body['permission'] as string;
        if (MODULE_PERMISSIONS.test(permission)) routes.push({ method: method.toUpperCase(), path, permission });
      }
    }
    assert.ok(routes.length >= 9, `${routes.length} routes`);

    let cells = 0;
    let crossTenantAttempts = 0;
    let crossTenantReads = 0;
    for (const route of routes) {
      const tenants = route.path.includes('{id}') ? (['own', 'other'] as const) : (['own'] as const);
      for (const role of ROLES_UNDER_TEST) {
        for (const tenant of tenants) {
          const id = tenant === 'own' ? ownVictim.userId : otherVictim.user.id;
          const path = route.path.replace('{id}', id);
          const answer = await h.as(actors.get(role)!, route.method, path, BODIES[`${route.method} ${route.path}`]);
          cells += 1;
          const holds = isPermission(route.permission) && (PERMISSIONS[route.permission].roles as readonly string[]).includes(role);
          const where = `${role} ${route.method} ${route.path} (${tenant})`;
          if (!holds) assert.equal(answer.status, 403, `deny by default: ${where}`);
          else if (tenant === 'other') assert.equal(answer.status, 404, `cross-tenant answers 404: ${where}`);
          else assert.ok(answer.status < 500 && ![401, 403, 404].includes(answer.status), `allowed: ${where} -> ${answer.status}`);
          if (tenant === 'other') {
            crossTenantAttempts += 1;
            if (answer.status < 300) crossTenantReads += 1;
          }
        }
      }
    }
    const list = await h.as(actors.get('org-admin')!, 'GET', '/api/v1/users');
    assert.equal((list.body['users'] as Array<{ orgId: string }>).some((u) => u.orgId === orgBId), false, 'lists hold only the own tenant');
    assert.equal(crossTenantReads, 0);
    t.diagnostic(`access matrix: ${routes.length} routes x ${ROLES_UNDER_TEST.length} roles: ${cells} cells, ${crossTenantAttempts} cross-tenant attempts, ${crossTenantReads} cross-tenant reads`);
  } finally {
    await h.dispose();
  }
});
