/**
 * The platform's access matrix: every non-public, non-session route of the running server (read
 * from its OpenAPI document) x every human role x a resource in the caller's own organization
 * and the same kind of resource in another one.
 *
 * MUST hold in every cell (ARCHITECTURE §2.4, issue "identity and access"):
 * - deny by default: a role that does not hold the route's permission gets 403;
 * - a cross-tenant request on a resource answers 404, never 2xx or 403;
 * - no answer, in any cell, carries an identifier of the other tenant (zero cross-tenant reads).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PERMISSIONS, isPermission } from '../access/index.js';
import { makeTestCsr } from '../identity/ca/csr-fixtures.js';
import { ANONYMOUS_PRINCIPAL, type Principal, type RequestContext, type Role } from '../kernel/index.js';
import { testContext } from './fixtures.js';
import { ADMIN_PASSWORD, IdentityHarness, type Signed } from './identity-fixtures.js';

const ROLES_UNDER_TEST = ['platform-admin', 'org-admin', 'security-officer', 'clinician', 'technician', 'auditor'] as const;

/** Valid bodies, so that a cross-tenant answer is a real 404 and not a 400 on the body. */
const BODIES: Readonly<Record<string, unknown>> = {
  'PUT /api/v1/users/{id}/roles': { roles: ['clinician'] },
  'POST /api/v1/users/{id}/training': { course: 'hipaa-refresher', completedAt: '2026-11-01T00:00:00.000Z', expiresAt: '2027-11-01T00:00:00.000Z' },
  'PUT /api/v1/patients/{id}/care-team': { members: [] },
  'POST /api/v1/patients/{id}/break-glass': { reason: 'matrix test: emergency access' },
  'POST /api/v1/break-glass/{id}/review': { outcome: 'justified', note: 'matrix test' },
  'POST /api/v1/devices/{id}/revoke': { reason: 'matrix-test' },
  'POST /api/v1/devices/{id}/quarantine': { reason: 'matrix-test' },
  'POST /api/v1/devices/{id}/release': { reason: 'matrix-test' },
  'POST /api/v1/devices/{id}/decommission': { reason: 'matrix-test' },
  'PUT /api/v1/devices/{id}/groups': { groups: ['ward-a'] },
  'POST /api/v1/devices/{id}/commands': { name: 'ping', args: {}, ttlSeconds: 60 },
  'POST /api/v1/patients/{id}/bindings': { deviceId: '00000000-0000-4000-8000-000000000000' },
  'POST /api/v1/incidents': { title: 'matrix test', type: 'availability' },
  'POST /api/v1/incidents/{id}/status': { status: 'contained' },
  'POST /api/v1/incidents/{id}/team': {},
  'POST /api/v1/incidents/{id}/alerts': { alertIds: [] },
  'POST /api/v1/incidents/{id}/contain': { kind: 'block-source', targets: ['198.51.100.7'], hours: 1 },
  'POST /api/v1/incidents/{id}/assessment': { assessment: null, residentsByState: {}, missingContacts: 0, lawEnforcementDelay: null, fda: null },
  'POST /api/v1/incidents/{id}/obligations/{obligationId}/not-applicable': { reason: 'matrix test' },
  'POST /api/v1/incidents/{id}/obligations/{obligationId}/notify': { contactId: '00000000-0000-4000-8000-000000000000', channel: 'export' },
  'POST /api/v1/incident-contacts': { name: 'Matrix hospital', kind: 'hospital' },
  'PUT /api/v1/incident-settings': { autoOpenDetectors: [], autoOpenMinSeverity: 'high', joinWindowHours: 24 },
  'PUT /api/v1/incident-playbooks': { id: 'matrix', version: 1, type: 'availability', title: 'matrix', steps: [{ id: 'a', title: 'a', ownerRole: 'org-admin', deadlineHours: 1, actions: [] }] },
};

interface Tenant {
  readonly orgId: string;
  readonly userId: string;
  readonly patientId: string;
  readonly deviceId: string;
  readonly grantId: string;
  readonly incidentId: string;
}

/** Which of a tenant's resources a route's `{id}` names, by the route's collection. */
function resourceOf(path: string, tenant: Tenant): string | undefined {
  if (!path.includes('{id}')) return undefined;
  if (path.startsWith('/api/v1/users/')) return tenant.userId;
  if (path.startsWith('/api/v1/patients/')) return tenant.patientId;
  if (path.startsWith('/api/v1/devices/')) return tenant.deviceId;
  if (path.startsWith('/api/v1/break-glass/')) return tenant.grantId;
  if (path.startsWith('/api/v1/incidents/')) return tenant.incidentId;
  if (path.startsWith('/fhir/R4/Patient/')) return tenant.patientId;
  if (path.startsWith('/fhir/R4/Device/')) return tenant.deviceId;
  return undefined;
}

function userPrincipal(user: { id: string; orgId: string; username: string }, roles: readonly Role[]): Principal {
  return { kind: 'user', id: user.id, orgId: user.orgId, username: user.username, roles, sessionId: 'matrix-seed', mfa: true };
}

const ctxOf = (principal: Principal): RequestContext => ({ ...testContext, principal });

/** A tenant with a user, a patient (with care team and training), a break-glass grant and an enrolled device. */
async function seedTenant(h: IdentityHarness, orgId: string, label: string): Promise<Tenant> {
  const { identity, patients, devices } = h.t.platform;
  const cli = ctxOf({ kind: 'cli', id: 'matrix' });
  const make = (name: string, roles: Role[]) => identity.createUser(cli, { orgId, username: `seed.${name}.${label}`, displayName: name, roles });
  const admin = (await make('admin', ['org-admin'])).user;
  const carer = (await make('carer', ['clinician'])).user;
  const outsider = (await make('outsider', ['clinician'])).user;
  const adminCtx = ctxOf(userPrincipal(admin, ['org-admin']));
  const now = h.clock.now().getTime();
  for (const user of [admin, carer, outsider]) {
    await patients.training.record(adminCtx, user.id, {
      course: 'hipaa-privacy-security',
      completedAt: new Date(now - 86_400_000).toISOString(),
      expiresAt: new Date(now + 365 * 86_400_000).toISOString(),
    });
  }
  const patient = await patients.records.create(adminCtx, { mrn: `MRN-${label}`, givenName: 'Matrix', familyName: label, birthDate: '1970-01-01', sex: 'unknown' });
  await patients.records.updateCareTeam(adminCtx, patient.id, [{ userId: carer.id, role: 'primary' }]);
  const grant = await patients.breakGlass.grant(ctxOf(userPrincipal(outsider, ['clinician'])), patient.id, 'matrix test: emergency access');
  const token = await devices.service.issueEnrollmentToken(cli, { model: 'matrix-monitor', orgId });
  const csr = await makeTestCsr();
  const device = await devices.service.enroll({ ...testContext, principal: ANONYMOUS_PRINCIPAL }, { token: token.token, csr: csr.pem, serial: `SN-${label}` });
  const incident = await h.t.platform.incidents.service.open(cli, { orgId, title: `matrix ${label}`, type: 'availability' });
  return { orgId, userId: carer.id, patientId: patient.id, deviceId: device.deviceId, grantId: grant.id, incidentId: incident.id };
}

test('ok/platform access matrix: every route x role x own/other tenant; deny by default, 404 across tenants, zero cross-tenant reads', { timeout: 300_000 }, async (t) => {
  const h = await IdentityHarness.start();
  try {
    await h.setup('Hospital A');
    const admin = await h.signIn('admin', ADMIN_PASSWORD);
    // One actor per role holding exactly that role (the first admin holds two).
    const actors = new Map<string, Signed>();
    for (const role of ROLES_UNDER_TEST) actors.set(role, await h.createUser(admin, `actor.${role}`, [role]));
    const session = await h.as(admin, 'GET', '/api/v1/auth/session');
    const orgAId = (session.body['user'] as { orgId: string }).orgId;
    const created = await h.as(admin, 'POST', '/api/v1/organizations', { name: 'Hospital B' });
    const orgBId = (created.body['organization'] as { id: string }).id;
    const own = await seedTenant(h, orgAId, 'a');
    const other = await seedTenant(h, orgBId, 'b');
    const otherIds = [other.orgId, other.userId, other.patientId, other.deviceId, other.grantId, other.incidentId];

    const doc = await h.call('GET', '/api/openapi.json');
    const paths = doc.body['paths'] as Record<string, Record<string, unknown>>;
    const routes: Array<{ method: string; path: string; permission: string }> = [];
    for (const [path, methods] of Object.entries(paths)) {
      for (const method of Object.keys(methods)) {
        const probe = path.replace(/\{[^}]+\}/g, 'x');
        const explained = await h.as(admin, 'GET', `/api/v1/access/explain?method=${method.toUpperCase()}&path=${encodeURIComponent(probe)}`);
        const permission = explained.body['permission'];
        // Public routes and a user's own session/MFA routes have no tenant resource to cross.
        if (typeof permission !== 'string' || permission === 'public' || permission === 'session:self') continue;
        // Live streams (SSE) stay open while allowed; their access is tested in clinical-http.test.ts.
        if (path.endsWith('/stream')) continue;
        routes.push({ method: method.toUpperCase(), path, permission });
      }
    }
    const modules = new Set(routes.map((r) => r.path.split('/')[3]));
    for (const module of ['users', 'organizations', 'patients', 'break-glass', 'devices', 'incidents']) assert.ok(modules.has(module), `routes of ${module} are in the matrix`);

    let cells = 0;
    let crossTenantAttempts = 0;
    let crossTenantReads = 0;
    let leaks = 0;
    for (const route of routes) {
      const withResource = resourceOf(route.path, own) !== undefined;
      const tenants = withResource ? (['own', 'other'] as const) : (['own'] as const);
      for (const role of ROLES_UNDER_TEST) {
        let ownStatus = 0;
        for (const tenant of tenants) {
          const target = tenant === 'own' ? own : other;
          const path = route.path.replace('{id}', resourceOf(route.path, target) ?? 'x');
          const answer = await h.as(actors.get(role)!, route.method, path, BODIES[`${route.method} ${route.path}`] ?? (route.method === 'GET' ? undefined : {}));
          cells += 1;
          const where = `${role} ${route.method} ${route.path} (${tenant}) -> ${answer.status} ${JSON.stringify(answer.body['error'] ?? '')}`;
          const holds = isPermission(route.permission) && (PERMISSIONS[route.permission].roles as readonly string[]).includes(role);
          if (!holds) assert.equal(answer.status, 403, `deny by default: ${where}`);
          else if (tenant === 'other') {
            // 404, or the very 403 the role also gets on its own tenant's resource (a finer
            // permission inside the route): either way the answer says nothing about existence.
            const sameAsOwn = answer.status === 403 && ownStatus === 403;
            assert.ok(answer.status === 404 || sameAsOwn, `cross-tenant answers 404: ${where}`);
          } else assert.ok(answer.status < 500, `no server error: ${where}`);
          if (tenant === 'own') ownStatus = answer.status;
          const text = JSON.stringify(answer.body);
          // The installation-wide views of a platform-admin: the organizations themselves, and the
          // security event stream and alerts (ids only, no PHI), where attacks across tenants show.
          const installationView = role === 'platform-admin' && (route.permission.startsWith('organizations:') || route.permission.startsWith('security:'));
          if (!installationView && otherIds.some((id) => text.includes(id))) {
            leaks += 1;
            t.diagnostic(`names the other tenant: ${where} ${text.slice(0, 300)}`);
          }
          if (tenant === 'other') {
            crossTenantAttempts += 1;
            if (answer.status < 300) crossTenantReads += 1;
          }
        }
      }
    }
    assert.equal(crossTenantReads, 0, 'zero cross-tenant reads');
    assert.equal(leaks, 0, 'no answer names a resource of the other tenant');
    t.diagnostic(
      `platform access matrix: ${routes.length} routes x ${ROLES_UNDER_TEST.length} roles: ${cells} cells, ${crossTenantAttempts} cross-tenant attempts, ${crossTenantReads} cross-tenant reads, ${leaks} answers naming the other tenant`,
    );
  } finally {
    await h.dispose();
  }
});
