/**
 * The FHIR R4 read API end to end: a started server on 127.0.0.1, a real FHIR client
 * (fhir-kit-client), every returned resource validated against the FHIR R4 JSON schema.
 * Search results and paging match the seeded readings; the PHI rule answers 404 outside the
 * care team and for another tenant; break-glass opens the data and the audit shows it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AuditRecord } from '@vigil/protocol';
import type { Client } from 'fhir-kit-client';
import { readAllEvents } from '../audit/index.js';
import { careTeamStore } from '../storage/index.js';
import { fhirClient, fhirSchemaErrors, seedDevice, seedReadings, trustTestCa, vitalsMessages } from './fhir-fixtures.js';
import { testContext } from './fixtures.js';
import { ADMIN_PASSWORD, IdentityHarness, USER_PASSWORD, type Signed } from './identity-fixtures.js';

interface Entry {
  readonly fullUrl: string;
  readonly resource: Record<string, unknown> & { id: string; resourceType: string };
}
interface Bundle {
  readonly resourceType: 'Bundle';
  readonly type: string;
  readonly link: readonly { relation: string; url: string }[];
  readonly entry: readonly Entry[];
}
interface Outcome {
  readonly resourceType: 'OperationOutcome';
  readonly issue: readonly { severity: string; code: string; diagnostics: string }[];
}

const START = Date.parse('2025-12-31T10:00:00.000Z');
const MESSAGES = 60;

function assertValid(resource: unknown): void {
  const errors = fhirSchemaErrors(resource);
  assert.equal(errors, null, `FHIR R4 schema: ${errors}`);
}

function assertBundle(value: unknown): Bundle {
  assertValid(value);
  const bundle = value as Bundle;
  assert.equal(bundle.resourceType, 'Bundle');
  assert.equal(bundle.type, 'searchset');
  for (const e of bundle.entry) assertValid(e.resource);
  return bundle;
}

/** The HTTP status and OperationOutcome of a refused fhir-kit-client call. */
async function refusal(promise: Promise<unknown>): Promise<{ status: number; outcome: Outcome }> {
  try {
    await promise;
  } catch (error) {
    const response = (error as { response?: { status: number; data: Outcome } }).response;
    assert.ok(response, String(error));
    assertValid(response.data);
    assert.equal(response.data.resourceType, 'OperationOutcome');
    return { status: response.status, outcome: response.data };
  }
  assert.fail('expected the call to be refused');
}

async function allPages(client: Client, first: Bundle): Promise<{ ids: string[]; pages: Bundle[] }> {
  const pages = [first];
  let bundle: Bundle | undefined = first;
  for (;;) {
    const next = client.nextPage({ bundle: bundle as never }) as Promise<unknown> | undefined;
    if (!next) break;
    bundle = assertBundle(await next);
    pages.push(bundle);
    assert.ok(pages.length < 100, 'paging ends');
  }
  return { ids: pages.flatMap((p) => p.entry.map((e) => e.resource.id)), pages };
}

describe('FHIR R4 read API', { timeout: 120_000 }, () => {
  let h: IdentityHarness;
  let admin: Signed;
  let doctor: Signed;
  let outsider: Signed;
  let foreign: Signed;
  let orgId: string;
  let adaId: string;
  let alanId: string;
  let deviceId: string;
  let doctorFhir: Client;

  before(async () => {
    h = await IdentityHarness.start();
    await h.setup('Hospital A');
    admin = await h.signIn('admin', ADMIN_PASSWORD);
    doctor = await h.createUser(admin, 'doctor', ['clinician']);
    outsider = await h.createUser(admin, 'outsider', ['clinician']);
    const now = h.clock.now().getTime();
    for (const who of [admin, doctor, outsider]) {
      const trained = await h.as(admin, 'POST', `/api/v1/users/${who.userId}/training`, {
        course: 'hipaa-privacy-security',
        completedAt: new Date(now - 86_400_000).toISOString(),
        expiresAt: new Date(now + 300 * 86_400_000).toISOString(),
      });
      assert.equal(trained.status, 201, JSON.stringify(trained.body));
    }
    const ada = await h.as(admin, 'POST', '/api/v1/patients', { mrn: 'MRN-ADA-1', givenName: 'Ada', familyName: 'Lovelace', birthDate: '1985-12-10', sex: 'female' });
    assert.equal(ada.status, 201, JSON.stringify(ada.body));
    adaId = ada.body['id'] as string;
    orgId = ada.body['orgId'] as string;
    alanId = (await h.as(admin, 'POST', '/api/v1/patients', { mrn: 'MRN-ALAN-2', givenName: 'Alan', familyName: 'Turing', birthDate: '1952-06-23', sex: 'male' })).body['id'] as string;
    // Straight to the store: PUT /care-team checks members through identity's store on the
    // root connection while its own transaction holds SQLite's only connection (reported).
    for (const id of [adaId, alanId]) {
      await careTeamStore(h.t.platform.database.db).replace(orgId, id, [{ userId: doctor.userId, role: 'primary' }], h.clock.now().toISOString(), admin.userId);
    }
    // Another tenant, with a clinician of its own.
    const orgB = await h.as(admin, 'POST', '/api/v1/organizations', { name: 'Hospital B' });
    const cli = { ...testContext, principal: { kind: 'cli' as const, id: 'op' } };
    const created = await h.t.platform.identity.createUser(cli, { orgId: (orgB.body['organization'] as { id: string }).id, username: 'b.doctor', displayName: 'B', roles: ['clinician'] });
    foreign = await h.createUserless('b.doctor', created.oneTimePassword ?? '');

    const { platform } = h.t;
    deviceId = await seedDevice(platform, orgId, 'SIM-0001');
    const other = await seedDevice(platform, orgId, 'SIM-0002');
    await seedReadings(platform, orgId, deviceId, adaId, vitalsMessages(START, MESSAGES));
    // One systolic reading without its diastolic partner: an Observation of its own.
    await seedReadings(platform, orgId, deviceId, adaId, [{ seq: 1000, at: '2025-12-31T09:00:00.000Z', readings: [{ metric: '8480-6', value: 121, unit: 'mm[Hg]' }] }]);
    await seedReadings(platform, orgId, other, alanId, vitalsMessages(START, 5));
    await seedReadings(platform, orgId, other, null, vitalsMessages(START, 5, 60_000, 100));

    await trustTestCa(readFileSync(join(h.t.dataDir, 'ca', 'root.pem'), 'utf8'));
    doctorFhir = fhirClient(h.server.httpPort, doctor.bearer);
  });
  after(() => h.dispose());

  it('ok/metadata: a valid CapabilityStatement listing the three resources, without a token', async () => {
    const statement = (await fhirClient(h.server.httpPort).capabilityStatement()) as Record<string, unknown>;
    assertValid(statement);
    assert.equal(statement['fhirVersion'], '4.0.1');
    const rest = (statement['rest'] as Array<{ resource: Array<{ type: string }> }>)[0];
    assert.deepEqual(rest?.resource.map((r) => r.type), ['Patient', 'Device', 'Observation']);
  });

  it('ok/Patient read and search by identifier and _id', async () => {
    const patient = (await doctorFhir.read({ resourceType: 'Patient', id: adaId })) as Record<string, unknown>;
    assertValid(patient);
    assert.deepEqual(patient['name'], [{ use: 'official', family: 'Lovelace', given: ['Ada'] }]);
    assert.equal(patient['birthDate'], '1985-12-10');
    const byMrn = assertBundle(await doctorFhir.search({ resourceType: 'Patient', searchParams: { identifier: 'urn:vigil:mrn|mrn-ada-1' } }));
    assert.deepEqual(byMrn.entry.map((e) => e.resource.id), [adaId]);
    const byId = assertBundle(await doctorFhir.search({ resourceType: 'Patient', searchParams: { _id: alanId } }));
    assert.deepEqual(byId.entry.map((e) => e.resource.id), [alanId]);
    const all = assertBundle(await doctorFhir.search({ resourceType: 'Patient', searchParams: { _count: 1 } }));
    const { ids } = await allPages(doctorFhir, all);
    assert.deepEqual(new Set(ids), new Set([adaId, alanId]));
  });

  it('ok/Observation search pages through every observation of the patient, once, in date order', async () => {
    const first = assertBundle(await doctorFhir.search({ resourceType: 'Observation', searchParams: { patient: adaId, _count: 7 } }));
    assert.equal(first.entry.length, 7);
    assert.ok(first.link.some((l) => l.relation === 'self'));
    assert.ok(!first.link.some((l) => l.relation === 'previous'), 'the first page has no previous link');
    const { ids, pages } = await allPages(doctorFhir, first);
    // 60 messages x (heart rate, SpO2, blood-pressure panel) + the unpaired systolic reading.
    assert.equal(ids.length, MESSAGES * 3 + 1);
    assert.equal(new Set(ids).size, ids.length, 'no observation twice');
    const times = pages.flatMap((p) => p.entry.map((e) => e.resource['effectiveDateTime'] as string));
    assert.deepEqual(times, [...times].sort());
    for (const e of pages.flatMap((p) => p.entry)) {
      assert.equal((e.resource['subject'] as { reference: string }).reference, `Patient/${adaId}`);
      assert.deepEqual((e.resource['meta'] as { profile: string[] }).profile, ['http://hl7.org/fhir/StructureDefinition/vitalsigns']);
    }
    // Previous from the second page is the first page.
    const second = pages[1] as Bundle;
    const back = assertBundle(await (doctorFhir.prevPage({ bundle: second as never }) as Promise<unknown>));
    assert.deepEqual(back.entry.map((e) => e.resource.id), first.entry.map((e) => e.resource.id));
  });

  it('ok/_sort=-date walks backwards; previous pages mirror next pages', async () => {
    const first = assertBundle(await doctorFhir.search({ resourceType: 'Observation', searchParams: { patient: `Patient/${adaId}`, _count: 50, _sort: '-date' } }));
    const { ids, pages } = await allPages(doctorFhir, first);
    assert.equal(ids.length, MESSAGES * 3 + 1);
    const times = pages.flatMap((p) => p.entry.map((e) => e.resource['effectiveDateTime'] as string));
    assert.deepEqual(times, [...times].sort().reverse());
    const last = pages[pages.length - 1] as Bundle;
    const before = assertBundle(await (doctorFhir.prevPage({ bundle: last as never }) as Promise<unknown>));
    assert.deepEqual(before.entry.map((e) => e.resource.id), (pages[pages.length - 2] as Bundle).entry.map((e) => e.resource.id));
  });

  it('ok/code: the BP panel with its two components, LOINC system|code, and the unpaired systolic reading', async () => {
    const panels = assertBundle(await doctorFhir.search({ resourceType: 'Observation', searchParams: { patient: adaId, code: '85354-9', _count: 1000 } }));
    assert.equal(panels.entry.length, MESSAGES);
    const panel = panels.entry[0]?.resource as Record<string, unknown>;
    const components = panel['component'] as Array<{ code: { coding: Array<{ code: string }> }; valueQuantity: Record<string, unknown> }>;
    assert.deepEqual(components.map((c) => c.code.coding[0]?.code), ['8480-6', '8462-4']);
    assert.deepEqual(components[0]?.valueQuantity, { value: 110, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' });
    const hr = assertBundle(await doctorFhir.search({ resourceType: 'Observation', searchParams: { patient: adaId, code: 'http://loinc.org|8867-4', _count: 1000 } }));
    assert.equal(hr.entry.length, MESSAGES);
    assert.deepEqual(hr.entry[0]?.resource['valueQuantity'], { value: 60, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' });
    const systolic = assertBundle(await doctorFhir.search({ resourceType: 'Observation', searchParams: { patient: adaId, code: '8480-6' } }));
    assert.deepEqual(systolic.entry.map((e) => e.resource['effectiveDateTime']), ['2025-12-31T09:00:00.000Z']);
    const either = assertBundle(await doctorFhir.search({ resourceType: 'Observation', searchParams: { patient: adaId, code: '8867-4,59408-5', _count: 1000 } }));
    assert.equal(either.entry.length, MESSAGES * 2);
  });

  it('ok/date: ge and lt make a range; a day and a minute are ranges at their precision', async () => {
    const range = assertBundle(
      await doctorFhir.search({ resourceType: 'Observation', searchParams: { patient: adaId, date: ['ge2025-12-31T10:30:00Z', 'lt2025-12-31T10:40:00Z'], _count: 1000 } }),
    );
    assert.equal(range.entry.length, 10 * 3);
    const day = assertBundle(await doctorFhir.search({ resourceType: 'Observation', searchParams: { patient: adaId, date: '2025-12-31', _count: 1000 } }));
    assert.equal(day.entry.length, MESSAGES * 3 + 1);
    const minute = assertBundle(await doctorFhir.search({ resourceType: 'Observation', searchParams: { patient: adaId, date: 'eq2025-12-31T10:05Z' } }));
    assert.equal(minute.entry.length, 3);
    const after = assertBundle(await doctorFhir.search({ resourceType: 'Observation', searchParams: { patient: adaId, date: 'gt2025-12-31T10:58Z' } }));
    assert.equal(after.entry.length, 3, 'gt a minute: after the whole minute');
  });

  it('ok/Observation read returns the resource the search returned', async () => {
    const found = assertBundle(await doctorFhir.search({ resourceType: 'Observation', searchParams: { patient: adaId, code: '85354-9', _count: 1 } }));
    const entry = found.entry[0] as Entry;
    const read = (await doctorFhir.read({ resourceType: 'Observation', id: entry.resource.id })) as Record<string, unknown>;
    assertValid(read);
    assert.deepEqual(read, entry.resource);
    assert.equal(entry.fullUrl, `https://127.0.0.1:${h.server.httpPort}/fhir/R4/Observation/${entry.resource.id}`);
  });

  it('ok/Device search by patient; Device read needs devices:read (admin yes, clinician 403)', async () => {
    const devices = assertBundle(await doctorFhir.search({ resourceType: 'Device', searchParams: { patient: adaId } }));
    assert.deepEqual(devices.entry.map((e) => e.resource.id), [deviceId]);
    assert.deepEqual(devices.entry[0]?.resource['patient'], { reference: `Patient/${adaId}` });
    const device = (await fhirClient(h.server.httpPort, admin.bearer).read({ resourceType: 'Device', id: deviceId })) as Record<string, unknown>;
    assertValid(device);
    assert.equal(device['serialNumber'], 'SIM-0001');
    const refused = await refusal(doctorFhir.read({ resourceType: 'Device', id: deviceId }));
    assert.equal(refused.status, 403);
  });

  it('fail/outside the care team: 404 OperationOutcome on Patient, Observation search and read, Device search', async () => {
    const client = fhirClient(h.server.httpPort, outsider.bearer);
    const some = assertBundle(await doctorFhir.search({ resourceType: 'Observation', searchParams: { patient: adaId, _count: 1 } }));
    const calls: Array<[string, Promise<unknown>]> = [
      ['Patient read', client.read({ resourceType: 'Patient', id: adaId })],
      ['Observation search', client.search({ resourceType: 'Observation', searchParams: { patient: adaId } })],
      ['Observation read', client.read({ resourceType: 'Observation', id: some.entry[0]?.resource.id ?? '' })],
      ['Device search', client.search({ resourceType: 'Device', searchParams: { patient: adaId } })],
    ];
    for (const [name, call] of calls) {
      const { status, outcome } = await refusal(call);
      assert.equal(status, 404, name);
      assert.equal(outcome.issue[0]?.code, 'not-found', name);
    }
    const none = assertBundle(await client.search({ resourceType: 'Patient', searchParams: { _id: adaId } }));
    assert.equal(none.entry.length, 0, 'a search leaves out what the caller may not open');
  });

  it('ok/break-glass: the same clinician gets the data, and the audit shows the basis and the grant', async () => {
    const grant = await h.as(outsider, 'POST', `/api/v1/patients/${adaId}/break-glass`, { reason: 'Unresponsive patient in the emergency department' });
    assert.equal(grant.status, 201, JSON.stringify(grant.body));
    const grantId = (grant.body['grant'] as { id: string }).id;
    const client = fhirClient(h.server.httpPort, outsider.bearer);
    const bundle = assertBundle(await client.search({ resourceType: 'Observation', searchParams: { patient: adaId, _count: 5 } }));
    assert.equal(bundle.entry.length, 5);
    const events: AuditRecord[] = [];
    for await (const e of readAllEvents(h.t.platform.auditReader())) events.push(e);
    const search = events.filter((e) => e.action === 'fhir.observation.search' && e.actorId === outsider.userId);
    assert.deepEqual(
      search.map((e) => [e.outcome, e.reason]),
      [
        ['denied', 'care-relationship-required'],
        ['success', 'break-glass'],
      ],
    );
    const allowed = search[1] as AuditRecord;
    assert.equal(allowed.targetId, adaId);
    assert.equal(allowed.details?.['grantId'], grantId);
    assert.equal(allowed.details?.['count'], 5);
  });

  it('fail/another tenant: 404 OperationOutcome', async () => {
    const client = fhirClient(h.server.httpPort, foreign.bearer);
    // An observation of this tenant's patient, read by its id from the other tenant (the access matrix leaves this route to this test).
    const own = assertBundle(await doctorFhir.search({ resourceType: 'Observation', searchParams: { patient: adaId, _count: 1 } }));
    const observationId = (own.entry[0] as Entry).resource.id;
    for (const call of [
      client.read({ resourceType: 'Patient', id: adaId }),
      client.read({ resourceType: 'Observation', id: observationId }),
      client.search({ resourceType: 'Observation', searchParams: { patient: adaId } }),
    ]) {
      const { status, outcome } = await refusal(call);
      assert.equal(status, 404);
      assert.equal(outcome.issue[0]?.code, 'not-found');
    }
  });

  it('ok/the console session cookie works as well as a bearer token (reads need no CSRF token)', async () => {
    const login = await h.login('doctor', USER_PASSWORD, 'cookie');
    assert.equal(login.status, 200);
    const setCookie = [login.headers['set-cookie'] ?? []].flat().join(';');
    const cookie = /vigil_session=([^;]+)/.exec(setCookie)?.[1];
    assert.ok(cookie, 'a session cookie is set');
    const answer = await h.call('GET', `/fhir/R4/Patient/${adaId}`, { cookie });
    assert.equal(answer.status, 200);
    assert.match(String(answer.headers['content-type']), /^application\/fhir\+json/);
    assertValid(answer.body);
    assert.equal(answer.body['id'], adaId);
  });

  it('ok/fail/a service token with fhir:read reads Device with devices:read, and is refused PHI (403)', async () => {
    const account = await h.as(admin, 'POST', '/api/v1/service-accounts', { name: 'ehr-bridge', scopes: ['fhir:read', 'devices:read'], expiresInDays: 30 });
    assert.equal(account.status, 201, JSON.stringify(account.body));
    const client = fhirClient(h.server.httpPort, account.body['token'] as string);
    const device = (await client.read({ resourceType: 'Device', id: deviceId })) as Record<string, unknown>;
    assertValid(device);
    for (const call of [client.read({ resourceType: 'Patient', id: adaId }), client.search({ resourceType: 'Observation', searchParams: { patient: adaId } })]) {
      const { status, outcome } = await refusal(call);
      assert.equal(status, 403);
      assert.equal(outcome.issue[0]?.code, 'forbidden');
    }
  });

  it('fail/no token 401, bad parameters 400, unknown paths 404: all OperationOutcome as application/fhir+json', async () => {
    const cases: Array<[string, number, string]> = [
      [`/fhir/R4/Observation?patient=${adaId}`, 401, 'login'],
      [`/fhir/R4/Observation?patient=${adaId}&color=red`, 400, 'invalid'],
      [`/fhir/R4/Observation?patient=${adaId}&code=1234-5`, 400, 'invalid'],
      [`/fhir/R4/Observation?patient=${adaId}&date=yesterday`, 400, 'invalid'],
      [`/fhir/R4/Observation?patient=${adaId}&_cursor=AAAA`, 400, 'invalid'],
      ['/fhir/R4/Observation', 400, 'invalid'],
      ['/fhir/R4/Encounter/1', 404, 'not-found'],
    ];
    for (const [path, status, code] of cases) {
      const answer = await h.call('GET', path, status === 401 ? {} : { bearer: doctor.bearer ?? '' });
      assert.equal(answer.status, status, path);
      assert.match(String(answer.headers['content-type']), /^application\/fhir\+json/, path);
      assertValid(answer.body);
      assert.equal((answer.body as unknown as Outcome).issue[0]?.code, code, path);
    }
  });

  it('fail/a Host header never reaches Bundle links: they are built on the public base URL', async () => {
    for (const host of ['evil.example', 'evil.example:443', 'localhost']) {
      const answer = await h.call('GET', '/fhir/R4/Patient?_count=1', { bearer: doctor.bearer!, headers: { host, 'x-forwarded-host': 'evil.example' } });
      assert.equal(answer.status, 200, host);
      const links = (answer.body['link'] as Array<{ relation: string; url: string }>).map((l) => l.url);
      assert.ok(links.length > 0);
      for (const url of links) assert.ok(url.startsWith(`https://127.0.0.1:${h.server.httpPort}/fhir/R4/`), url);
      assert.doesNotMatch(JSON.stringify(answer.body), /evil\.example/);
    }
    const metadata = await h.call('GET', '/fhir/R4/metadata', { headers: { host: 'evil.example' } });
    assert.doesNotMatch(JSON.stringify(metadata.body), /evil\.example/);
  });
});
