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
import { ADA, auditEvents, contextOf, makePatientsHarness, makeUser, train, type PatientsHarness } from './patients-fixtures.js';

let h: PatientsHarness;
let app: HttpServer;
let patientId: string;
let foreignPatientId: string;
let adminUser: ReturnType<typeof makeUser>;

before(async () => {
  h = await makePatientsHarness();
  const orgA = newId();
  const orgB = newId();
  const admin = makeUser(orgA, ['org-admin'], 'admin');
  adminUser = admin;
  const officer = makeUser(orgA, ['security-officer'], 'officer');
  const foreignAdmin = makeUser(orgB, ['org-admin'], 'b-admin');
  const clinician = makeUser(orgA, ['clinician'], 'clinician');
  h.users.add(admin, officer, foreignAdmin, clinician);
  await train(h, admin, admin);
  await train(h, admin, officer);
  await train(h, foreignAdmin, foreignAdmin);
  patientId = (await h.records.create(contextOf(admin), ADA)).id;
  foreignPatientId = (await h.records.create(contextOf(foreignAdmin), ADA)).id;
  const principals = new TestPrincipals();
  principals.add('officer', officer);
  principals.add('clinician', clinician);
  principals.add('b-admin', foreignAdmin);
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

test('ok/the records list pages with a cursor, searches, filters by purpose and sorts; the read is audited with the page count', async () => {
  // A patient of their own, so the other tests' records do not count.
  const listed = (await h.records.create(contextOf(adminUser), { ...ADA, mrn: 'MRN-LIST-1' })).id;
  const day = 86_400_000;
  const base = h.clock.now().getTime() - 30 * day;
  const recipients = ['Registry North', 'Registry South', 'County Coroner', 'State Auditor', 'Research Lab'];
  const purposes = ['public-health', 'public-health', 'decedents', 'health-oversight', 'research'];
  for (const [i, recipientName] of recipients.entries()) {
    const created = await app.inject({
      method: 'POST',
      url: `/api/v1/patients/${listed}/disclosures/records`,
      headers: as,
      payload: { disclosedAt: new Date(base + i * day).toISOString(), recipientName, description: `Report ${i}`, purpose: purposes[i], purposeStatement: `Statement ${i}` },
    });
    assert.equal(created.statusCode, 201, created.body);
  }
  type Answer = { disclosures: Array<{ recipientName: string; purpose: string; disclosedAt: string }>; nextCursor: string | null };
  const get = async (query: string) => app.inject({ method: 'GET', url: `/api/v1/patients/${listed}/disclosures/records${query}`, headers: as });
  const names = (answer: Answer) => answer.disclosures.map((d) => d.recipientName);

  // Newest first by default; two a page, three pages, no row repeated or skipped.
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const response = await get(`?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
    assert.equal(response.statusCode, 200, response.body);
    const answer = response.json() as Answer;
    assert.ok(answer.disclosures.length <= 2);
    seen.push(...names(answer));
    cursor = answer.nextCursor;
    pages += 1;
  } while (cursor !== null && pages < 10);
  assert.equal(pages, 3);
  assert.deepEqual(seen, [...recipients].reverse());

  // Search (case-insensitive, in the recipient, description or statement) and the purpose filter.
  assert.deepEqual(names((await get('?q=registry')).json() as Answer).sort(), ['Registry North', 'Registry South']);
  assert.deepEqual(names((await get('?q=statement%204')).json() as Answer), ['Research Lab']);
  assert.deepEqual(names((await get('?purpose=decedents')).json() as Answer), ['County Coroner']);
  // Sort by recipient, ascending and descending.
  assert.deepEqual(names((await get('?sort=recipientName')).json() as Answer), [...recipients].sort());
  assert.deepEqual(names((await get('?sort=-recipientName&limit=1')).json() as Answer), ['State Auditor']);

  // The audit event of a page counts the rows returned, not the search text.
  const before = (await auditEvents(h)).length;
  assert.equal((await get('?q=registry&limit=1')).statusCode, 200);
  const event = (await auditEvents(h)).slice(before).find((e) => e.action === 'disclosures.list');
  assert.ok(event !== undefined, 'the read is audited');
  assert.equal(event.details?.['count'], 1);
  assert.equal(event.details?.['more'], true);
  assert.ok(!JSON.stringify(event).includes('registry'), 'the search text is not in the audit log');
});

test('fail/records list: a cursor of another sort, an unknown sort or purpose, a bad limit are 400 (nothing read); no permission 403; another tenant 404', async () => {
  const first = (await app.inject({ method: 'GET', url: `/api/v1/patients/${patientId}/disclosures/records?limit=1`, headers: as })).json() as { nextCursor: string | null };
  const cursor = first.nextCursor ?? 'eyJ4IjoxfQ';
  const before = (await auditEvents(h)).filter((e) => e.action === 'disclosures.list').length;
  for (const query of [`?sort=recipientName&cursor=${cursor}`, '?cursor=not-a-cursor!', '?sort=patientName', '?purpose=treatment', '?limit=0', '?limit=201', '?patientId=x']) {
    const response = await app.inject({ method: 'GET', url: `/api/v1/patients/${patientId}/disclosures/records${query}`, headers: as });
    assert.equal(response.statusCode, 400, `${query}: ${response.body}`);
  }
  assert.equal((await auditEvents(h)).filter((e) => e.action === 'disclosures.list').length, before, 'a refused query reads (and discloses) nothing');
  const denied = await app.inject({ method: 'GET', url: `/api/v1/patients/${patientId}/disclosures/records`, headers: { [TEST_PRINCIPAL_HEADER]: 'clinician' } });
  assert.equal(denied.statusCode, 403);
  const foreign = await app.inject({ method: 'GET', url: `/api/v1/patients/${patientId}/disclosures/records`, headers: { [TEST_PRINCIPAL_HEADER]: 'b-admin' } });
  assert.equal(foreign.statusCode, 404);
});
