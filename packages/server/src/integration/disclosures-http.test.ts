/**
 * The disclosures routes over HTTPS (fastify inject): the printable accounting (HTML, its own CSP,
 * every value escaped), an exclusion answered 422 with its paragraph, another tenant's patient 404.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { newId } from '../kernel/index.js';
import { disclosureRoutes } from '../transports/http/disclosure-routes.js';
import { createTestServer, makeTestPki } from '../transports/http/http-fixtures.js';
import type { HttpServer } from '../transports/http/http-server-type.js';
import { TEST_PRINCIPAL_HEADER, TestPrincipals } from '../transports/http/principal-fixtures.js';
import { ADA, contextOf, makePatientsHarness, makeUser, train, type PatientsHarness } from './patients-fixtures.js';

let h: PatientsHarness;
let app: HttpServer;
let patientId: string;
let foreignPatientId: string;

before(async () => {
  h = await makePatientsHarness();
  const orgA = newId();
  const orgB = newId();
  const admin = makeUser(orgA, ['org-admin'], 'admin');
  const officer = makeUser(orgA, ['security-officer'], 'officer');
  const foreignAdmin = makeUser(orgB, ['org-admin'], 'b-admin');
  h.users.add(admin, officer, foreignAdmin);
  await train(h, admin, admin);
  await train(h, admin, officer);
  await train(h, foreignAdmin, foreignAdmin);
  patientId = (await h.records.create(contextOf(admin), ADA)).id;
  foreignPatientId = (await h.records.create(contextOf(foreignAdmin), ADA)).id;
  const principals = new TestPrincipals();
  principals.add('officer', officer);
  app = await createTestServer(makeTestPki(), { authorize: principals.authorize, routes: [disclosureRoutes({ disclosures: h.platform.disclosures })] });
});
after(async () => {
  await app.close();
  await h.dispose();
});

const as = { [TEST_PRINCIPAL_HEADER]: 'officer' };

test('ok/record over HTTP, then the printable accounting: text/html, strict CSP, values escaped', async () => {
  const body = {
    disclosedAt: new Date(h.clock.now().getTime() - 86_400_000).toISOString(),
    recipientName: '<script>alert(1)</script> Registry',
    description: 'Tumour registry report',
    purpose: 'public-health',
    purposeStatement: 'State cancer registry',
  };
  const created = await app.inject({ method: 'POST', url: `/api/v1/patients/${patientId}/disclosures/records`, headers: as, payload: body });
  assert.equal(created.statusCode, 201, created.body);
  assert.equal((created.json() as Record<string, unknown>)['orgId'], undefined, 'the answer is an allowlist');
  const page = await app.inject({ method: 'GET', url: `/api/v1/patients/${patientId}/disclosures/accounting?format=html`, headers: as });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
  assert.ok(!page.body.includes('<script>alert(1)</script>'));
  assert.ok(page.body.includes('&lt;script&gt;alert(1)&lt;/script&gt; Registry'));
  const json = await app.inject({ method: 'GET', url: `/api/v1/patients/${patientId}/disclosures/accounting`, headers: as });
  assert.equal((json.json() as { entries: unknown[] }).entries.length, 1);
});

test('fail/an excluded purpose is 422 naming its paragraph; another tenant is 404; unknown keys 400', async () => {
  const excluded = await app.inject({
    method: 'POST',
    url: `/api/v1/patients/${patientId}/disclosures/records`,
    headers: as,
    payload: { disclosedAt: h.clock.now().toISOString(), recipientName: 'Dr. B', description: 'chart', purpose: 'limited-data-set', purposeStatement: 'x' },
  });
  assert.equal(excluded.statusCode, 422);
  assert.match((excluded.json() as { error: { code: string; message: string } }).error.message, /§164\.528\(a\)\(1\)\(viii\)/);
  const foreign = await app.inject({ method: 'GET', url: `/api/v1/patients/${foreignPatientId}/disclosures/accounting`, headers: as });
  assert.equal(foreign.statusCode, 404);
  const extra = await app.inject({
    method: 'POST',
    url: `/api/v1/patients/${patientId}/disclosures/suspensions`,
    headers: as,
    payload: { agency: 'A', statementKind: 'written', statement: 's', endsAt: '2099-01-01T00:00:00.000Z', patientName: 'Ada' },
  });
  assert.equal(extra.statusCode, 400);
});
