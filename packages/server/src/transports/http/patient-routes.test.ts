/**
 * The patients HTTP routes over real services (SQLite platform) with a header-to-Principal test
 * authorizer: contract shapes, status codes, allowlisted answers, tenancy and the role matrix.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { newId, type Role } from '../../kernel/index.js';
import { ADA, ALAN, contextOf, makePatientsHarness, makeUser, train, type PatientsHarness, type UserPrincipal } from '../../integration/patients-fixtures.js';
import type { HttpServer } from './http-server-type.js';
import { createTestServer, makeTestPki } from './http-fixtures.js';
import { patientRoutes } from './patient-routes.js';
import { TEST_PRINCIPAL_HEADER, TestPrincipals } from './principal-fixtures.js';

interface ErrorReply {
  error: { code: string; message: string; requestId: string };
}

describe('patient routes', () => {
  let h: PatientsHarness;
  let app: HttpServer;
  const principals = new TestPrincipals();
  const orgA = newId();
  const orgB = newId();
  const users = new Map<string, UserPrincipal>();
  let adaId: string;
  let alanId: string;

  const as = (name: string, options: InjectOptions) => app.inject({ ...options, headers: { ...options.headers, [TEST_PRINCIPAL_HEADER]: name } });
  const user = (name: string): UserPrincipal => {
    const u = users.get(name);
    assert.ok(u, name);
    return u;
  };

  before(async () => {
    h = await makePatientsHarness();
    const make = (name: string, orgId: string, roles: Role[]) => {
      const u = makeUser(orgId, roles, name);
      users.set(name, u);
      principals.add(name, u);
      h.users.add(u);
      return u;
    };
    const admin = make('admin', orgA, ['org-admin']);
    const doctor = make('doctor', orgA, ['clinician']);
    make('nurse', orgA, ['clinician']);
    make('officer', orgA, ['security-officer']);
    make('auditor', orgA, ['auditor']);
    make('technician', orgA, ['technician']);
    make('platform', orgA, ['platform-admin']);
    const foreign = make('foreign', orgB, ['clinician']);
    const foreignAdmin = make('foreign-admin', orgB, ['org-admin']);
    await train(h, admin, admin);
    await train(h, admin, doctor);
    await train(h, foreignAdmin, foreign);
    adaId = (await h.records.create(contextOf(admin), ADA)).id;
    alanId = (await h.records.create(contextOf(admin), ALAN)).id;
    app = await createTestServer(makeTestPki(), {
      authorize: principals.authorize,
      routes: [patientRoutes({ patients: h.records, breakGlass: h.breakGlass, training: h.training, labels: h.labels })],
    });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await h.dispose();
  });

  it('ok/PUT care-team, then GET /patients/:id answers exactly the Patient contract', async () => {
    const put = await as('admin', {
      method: 'PUT',
      url: `/api/v1/patients/${adaId}/care-team`,
      payload: { members: [{ userId: user('doctor').id, role: 'primary' }, { userId: user('nurse').id, role: 'member' }] },
    });
    assert.equal(put.statusCode, 200, put.body);
    const got = await as('doctor', { method: 'GET', url: `/api/v1/patients/${adaId}` });
    assert.equal(got.statusCode, 200, got.body);
    assert.equal(got.headers['cache-control'], 'no-store');
    assert.deepEqual(got.json(), {
      id: adaId,
      orgId: orgA,
      ...ADA,
      careTeam: [
        { userId: user('doctor').id, role: 'primary', displayName: `user ${user('doctor').id.slice(0, 8)}` },
        { userId: user('nurse').id, role: 'member', displayName: `user ${user('nurse').id.slice(0, 8)}` },
      ],
      access: { basis: 'care-team' },
    });
  });

  it('ok/GET care-team: an admin reads the team with names and the patient label, without the record; others 403', async () => {
    const view = await as('admin', { method: 'GET', url: `/api/v1/patients/${adaId}/care-team` });
    assert.equal(view.statusCode, 200, view.body);
    assert.deepEqual(view.json(), {
      patientId: adaId,
      patient: { displayName: 'Lovelace, Ada', mrn: ADA.mrn },
      careTeam: [
        { userId: user('doctor').id, role: 'primary', displayName: `user ${user('doctor').id.slice(0, 8)}` },
        { userId: user('nurse').id, role: 'member', displayName: `user ${user('nurse').id.slice(0, 8)}` },
      ],
    });
    assert.ok(!view.body.includes(ADA.birthDate), 'no record field');
    assert.equal((await as('doctor', { method: 'GET', url: `/api/v1/patients/${adaId}/care-team` })).statusCode, 403);
    assert.equal((await as('foreign-admin', { method: 'GET', url: `/api/v1/patients/${adaId}/care-team` })).statusCode, 404);
  });

  it('fail/403 PATIENTS_TRAINING_REQUIRED and PATIENTS_CARE_RELATIONSHIP_REQUIRED; 404 across tenants', async () => {
    const untrained = await as('nurse', { method: 'GET', url: `/api/v1/patients/${adaId}` });
    assert.equal(untrained.statusCode, 403);
    assert.equal(untrained.json<ErrorReply>().error.code, 'PATIENTS_TRAINING_REQUIRED');
    const noCare = await as('doctor', { method: 'GET', url: `/api/v1/patients/${alanId}` });
    assert.equal(noCare.statusCode, 403);
    assert.equal(noCare.json<ErrorReply>().error.code, 'PATIENTS_CARE_RELATIONSHIP_REQUIRED');
    for (const [method, url, payload] of [
      ['GET', `/api/v1/patients/${adaId}`, undefined],
      ['POST', `/api/v1/patients/${adaId}/break-glass`, { reason: 'cardiac arrest, need history' }],
      ['PUT', `/api/v1/patients/${adaId}/care-team`, { members: [] }],
    ] as const) {
      const who = method === 'PUT' ? 'foreign-admin' : 'foreign';
      const reply = await as(who, { method, url, ...(payload ? { payload } : {}) });
      assert.equal(reply.statusCode, 404, `${method} ${url}: ${reply.body}`);
      assert.equal(reply.json<ErrorReply>().error.code, 'PATIENTS_NOT_FOUND');
    }
    const missing = await as('doctor', { method: 'GET', url: `/api/v1/patients/${newId()}` });
    assert.equal(missing.statusCode, 404);
  });

  it('ok/GET /patients: clinicians see their care-team patients; admins the directory', async () => {
    const mine = await as('doctor', { method: 'GET', url: '/api/v1/patients' });
    assert.deepEqual(mine.json(), {
      patients: [{ id: adaId, mrn: ADA.mrn, displayName: 'Lovelace, Ada', inCareTeam: true, openAlerts: null, highestSeverity: null }],
      nextCursor: null,
      openAlertsOutsideCare: null,
    });
    const all = await as('admin', { method: 'GET', url: '/api/v1/patients' });
    assert.equal(all.json<{ patients: unknown[] }>().patients.length, 2);
    // A clinician asks for the organization's directory: the others come marked outside the care team.
    const directory = await as('doctor', { method: 'GET', url: '/api/v1/patients?scope=all' });
    assert.deepEqual(
      directory.json<{ patients: { id: string; inCareTeam: boolean }[] }>().patients.map((p) => [p.id, p.inCareTeam]).sort(),
      [[adaId, true], [alanId, false]].sort(),
    );
    assert.equal((await as('doctor', { method: 'GET', url: '/api/v1/patients?scope=everyone' })).statusCode, 400);
  });

  it('ok/POST /patients registers (201); unknown keys and bad values are refused', async () => {
    const created = await as('admin', { method: 'POST', url: '/api/v1/patients', payload: { mrn: 'MRN-77', givenName: 'Grace', familyName: 'Hopper', birthDate: '1986-12-09', sex: 'female' } });
    assert.equal(created.statusCode, 201, created.body);
    assert.deepEqual(created.json<{ access: unknown; careTeam: unknown }>().access, { basis: 'registration' });
    const extra = await as('admin', { method: 'POST', url: '/api/v1/patients', payload: { ...ADA, mrn: 'X-1', ssn: '123-45-6789' } });
    assert.equal(extra.statusCode, 400);
    assert.ok(!extra.body.includes('123-45-6789'));
    const badDate = await as('admin', { method: 'POST', url: '/api/v1/patients', payload: { ...ADA, mrn: 'X-2', birthDate: '2099-01-01' } });
    assert.equal(badDate.json<ErrorReply>().error.code, 'PATIENTS_DEMOGRAPHICS_INVALID');
    const duplicate = await as('admin', { method: 'POST', url: '/api/v1/patients', payload: ADA });
    assert.equal(duplicate.statusCode, 409);
    assert.equal(duplicate.json<ErrorReply>().error.code, 'PATIENTS_MRN_TAKEN');
  });

  it('ok/break-glass over HTTP: grant (201), record opens with the grant id, officer reviews', async () => {
    const short = await as('doctor', { method: 'POST', url: `/api/v1/patients/${alanId}/break-glass`, payload: { reason: 'short' } });
    assert.equal(short.statusCode, 400);
    const granted = await as('doctor', { method: 'POST', url: `/api/v1/patients/${alanId}/break-glass`, payload: { reason: 'Patient collapsed in the waiting room' } });
    assert.equal(granted.statusCode, 201, granted.body);
    const { grant } = granted.json<{ grant: { id: string; patientId: string; userId: string; reason: string; expiresAt: string } }>();
    assert.equal(grant.patientId, alanId);
    assert.equal(grant.userId, user('doctor').id);
    assert.equal(Date.parse(grant.expiresAt) - h.clock.now().getTime(), 3_600_000);
    const record = await as('doctor', { method: 'GET', url: `/api/v1/patients/${alanId}` });
    assert.deepEqual(record.json<{ access: unknown }>().access, { basis: 'break-glass', grantId: grant.id });

    const queue = await as('officer', { method: 'GET', url: '/api/v1/break-glass?status=pending' });
    assert.equal(queue.statusCode, 200, queue.body);
    assert.deepEqual(
      queue.json<{ grants: { id: string }[] }>().grants.map((g) => g.id),
      [grant.id],
    );
    // Names: the user's display name; the patient's label needs the reviewer's training (none here).
    const [entry] = queue.json<{ grants: { userName?: string; patientName?: string; grantedAt: string }[] }>().grants;
    assert.equal(entry?.userName, `user ${user('doctor').id.slice(0, 8)}`);
    assert.equal(entry?.patientName, undefined, 'an untrained reviewer gets no patient name');
    assert.ok(Date.parse(entry?.grantedAt ?? '') > 0);
    const badStatus = await as('officer', { method: 'GET', url: '/api/v1/break-glass?status=all' });
    assert.equal(badStatus.statusCode, 400);
    const review = await as('officer', { method: 'POST', url: `/api/v1/break-glass/${grant.id}/review`, payload: { outcome: 'justified', note: 'Confirmed with the ED log.' } });
    assert.equal(review.statusCode, 200, review.body);
    assert.equal(review.json<{ grant: { status: string } }>().grant.status, 'reviewed');
    const again = await as('officer', { method: 'POST', url: `/api/v1/break-glass/${grant.id}/review`, payload: { outcome: 'justified', note: 'again' } });
    assert.equal(again.statusCode, 409);
    const reviewed = await as('officer', { method: 'GET', url: '/api/v1/break-glass?status=reviewed' });
    assert.equal(reviewed.json<{ grants: { review: { outcome: string } }[] }>().grants[0]?.review.outcome, 'justified');
  });

  it('ok/training routes: record (201) and list; unknown course is 400', async () => {
    const nurse = user('nurse');
    const now = h.clock.now().getTime();
    const body = { course: 'hipaa-refresher', completedAt: new Date(now - 1000).toISOString(), expiresAt: new Date(now + 86_400_000).toISOString() };
    const created = await as('admin', { method: 'POST', url: `/api/v1/users/${nurse.id}/training`, payload: body });
    assert.equal(created.statusCode, 201, created.body);
    const listed = await as('admin', { method: 'GET', url: `/api/v1/users/${nurse.id}/training` });
    assert.deepEqual(Object.keys(listed.json<{ records: object[] }>().records[0] ?? {}).sort(), ['completedAt', 'course', 'expiresAt', 'id']);
    const bad = await as('admin', { method: 'POST', url: `/api/v1/users/${nurse.id}/training`, payload: { ...body, course: 'knitting' } });
    assert.equal(bad.json<ErrorReply>().error.code, 'PATIENTS_TRAINING_INVALID');
    const nowTrained = await as('nurse', { method: 'GET', url: `/api/v1/patients/${adaId}` });
    assert.equal(nowTrained.statusCode, 200, 'training recorded over HTTP satisfies the rule');
  });

  it('fail/role matrix: roles without the permission get 403, anonymous 401, before any handler', async () => {
    const routes: Array<['GET' | 'POST' | 'PUT', string, unknown, readonly string[]]> = [
      ['GET', '/api/v1/patients', undefined, ['admin', 'doctor', 'nurse']],
      ['POST', '/api/v1/patients', { ...ADA, mrn: 'M-x' }, ['admin', 'doctor', 'nurse']],
      ['GET', `/api/v1/patients/${adaId}`, undefined, ['admin', 'doctor', 'nurse']],
      ['PUT', `/api/v1/patients/${adaId}/care-team`, { members: [] }, ['admin']],
      ['GET', `/api/v1/patients/${adaId}/care-team`, undefined, ['admin']],
      ['GET', '/api/v1/patients/lookup?q=Lovelace', undefined, ['admin', 'officer', 'auditor']],
      ['POST', `/api/v1/patients/${adaId}/break-glass`, { reason: 'matrix test reason' }, ['doctor', 'nurse']],
      ['GET', '/api/v1/break-glass', undefined, ['officer']],
      ['POST', `/api/v1/break-glass/${newId()}/review`, { outcome: 'justified', note: 'n' }, ['officer']],
      ['GET', `/api/v1/users/${user('doctor').id}/training`, undefined, ['admin', 'officer', 'auditor']],
      ['POST', `/api/v1/users/${user('doctor').id}/training`, { course: 'hipaa-privacy', completedAt: '2026-01-01T00:00:00Z', expiresAt: '2026-12-01T00:00:00Z' }, ['admin']],
    ];
    let checked = 0;
    for (const [method, url, payload, allowed] of routes) {
      for (const role of ['admin', 'doctor', 'officer', 'auditor', 'technician', 'platform']) {
        if (allowed.includes(role)) continue;
        const reply = await as(role, { method, url, ...(payload !== undefined ? { payload: payload as object } : {}) });
        assert.equal(reply.statusCode, 403, `${role} ${method} ${url}: ${reply.body}`);
        checked++;
      }
      const anonymous = await app.inject({ method, url, ...(payload !== undefined ? { payload: payload as object } : {}) } satisfies InjectOptions);
      assert.equal(anonymous.statusCode, 401, `anonymous ${method} ${url}`);
    }
    assert.ok(checked >= 30);
    const declared = app.declaredRoutes().filter((r) => r.url.startsWith('/api/v1/') && r.method !== 'HEAD');
    assert.equal(declared.length, routes.length, 'every patients route is in the matrix');
  });

  it('ok/the routes are described in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{ paths: Record<string, unknown> }>();
    for (const path of ['/api/v1/patients', '/api/v1/patients/{id}', '/api/v1/patients/{id}/care-team', '/api/v1/patients/{id}/break-glass', '/api/v1/break-glass', '/api/v1/break-glass/{id}/review', '/api/v1/users/{id}/training']) {
      assert.ok(path in doc.paths, path);
    }
  });

  it('fail/a malformed patient id is 400 before any service runs', async () => {
    const reply = await as('doctor', { method: 'GET', url: '/api/v1/patients/not-a-uuid' });
    assert.equal(reply.statusCode, 400);
  });
});
