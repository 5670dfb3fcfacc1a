/**
 * Browser tests (Debian's Chromium, playwright-core) of the server-paged lists (issue 16): on the
 * devices list, a search narrows the rows and lives in the URL (a reload shows the same view),
 * a sort header orders by the server, Next and Previous page with the cursor, and a bulk
 * quarantine of a selection asks for a coded reason and reports each device. axe-core finds no
 * serious or critical violation, and nothing is wider than the viewport at 390 px.
 * Every other server-paged list (patients, users, clinical alerts, security events, security
 * alerts): with a filter in the URL, Next shows the following rows (none repeated), and a reload
 * of that URL shows the same filtered page.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { newId } from '../kernel/index.js';
import { deviceStore, securityAlertStore, securityEventStore } from '../storage/index.js';
import { assertFitsViewport, axeSeriousOrCritical, CHROMIUM, launchChromium, pageIn, withPageText } from './console-browser.js';
import { HEART_RATE, WorkHospital } from './console-work-fixtures.js';

let hospital: WorkHospital;
let browser: Browser | undefined;
const SERIALS = Array.from({ length: 30 }, (_, i) => `LIST-${String(i).padStart(2, '0')}`);

before(async () => {
  hospital = await WorkHospital.start();
  await hospital.setupByApi();
  await hospital.people();
  const at = new Date().toISOString();
  for (const serial of SERIALS) {
    await deviceStore(hospital.platform.database.db).insert({
      id: newId(), orgId: hospital.orgId, model: 'pulse-2', serial, udi: null, firmwareVersion: '1.0.0', status: 'active', statusReason: null,
      statusChangedAt: at, groups: [], createdAt: at, lastSeenAt: null, lastSeenAddress: null, certificate: null,
    });
  }
  await pagedFixtures();
  if (existsSync(CHROMIUM)) browser = await launchChromium();
});

/** More rows than one page of each list: 30 patients, 30 users, 26 clinical alerts, 60 security events, 30 security alerts. */
let alertPatient = '';
let monitorId = '';
async function pagedFixtures(): Promise<void> {
  await hospital.training(hospital.admin.id);
  await hospital.training(hospital.clinician.id);
  for (let i = 0; i < 30; i += 1) {
    const n = String(i).padStart(2, '0');
    const { id } = await hospital.api.call<{ id: string }>('POST', '/api/v1/patients', {
      bearer: hospital.admin.token,
      body: { mrn: `MRN-PAGE-${n}`, givenName: 'Pat', familyName: `Pager${n}`, birthDate: '1960-01-01', sex: 'unknown' },
    });
    if (i === 0) alertPatient = id;
    await hospital.api.call('POST', '/api/v1/users', { bearer: hospital.admin.token, body: { username: `pager.${n}`, displayName: `Pager ${n}`, roles: ['clinician'] } });
  }
  // 26 rules of one patient that one reading fires at once: 26 open high alerts.
  await hospital.careTeam(alertPatient, [hospital.clinician.id]);
  for (let i = 0; i < 26; i += 1) {
    await hospital.api.call('POST', '/api/v1/alert-rules', { bearer: hospital.admin.token, body: { patientId: alertPatient, metric: HEART_RATE, comparison: 'gt', value: 100 + i, durationSeconds: 0, severity: 'high', enabled: true } });
  }
  const device = await hospital.bindDevice(alertPatient, 'SN-PAGER-01');
  monitorId = device.deviceId;
  await hospital.ingest(device, 190, 97);
  for (let i = 0; i < 100; i += 1) {
    const { alerts } = await hospital.api.call<{ alerts: unknown[] }>('GET', '/api/v1/clinical-alerts?status=open&limit=100', { bearer: hospital.clinician.token });
    if (alerts.length >= 26) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const db = hospital.platform.database.db;
  const now = Date.now();
  for (let i = 0; i < 60; i += 1) {
    await securityEventStore(db).insert({ id: newId(), time: new Date(now - i * 1000).toISOString(), type: 'test.paging', severity: 'low', reason: `paging-${String(i).padStart(2, '0')}`, orgId: hospital.orgId });
  }
  for (let i = 0; i < 30; i += 1) {
    const at = new Date(now - i * 1000).toISOString();
    await securityAlertStore(db).insert({
      id: newId(), orgId: hospital.orgId, detector: 'paging-test', severity: 'low', title: `Paging alert ${String(i).padStart(2, '0')}`, summary: 'A test alert.',
      subject: { kind: 'source', id: `10.0.0.${i}` }, count: 1, firstSeenAt: at, lastSeenAt: at, status: 'open', assignee: null, suppressedReason: null, notes: [], evidence: { securityEventIds: [], auditSeqs: [] },
    });
  }
}

/** The rows' text of a table (waits for the first row). */
async function rowsOf(page: Page, table: string): Promise<string[]> {
  const rows = page.getByRole('table', { name: table }).locator('tbody tr');
  await rows.first().waitFor();
  return rows.allInnerTexts();
}

/**
 * Opens `path` (a filter in its query), pages forward, reloads: the second page has other rows
 * than the first, each matching `marker`, and the reload shows the same second page.
 */
async function pagesAndReloads(page: Page, path: string, table: string, marker: RegExp, sizes: readonly [number, number]): Promise<void> {
  await page.goto(path);
  await page.getByRole('table', { name: table }).locator('tbody tr').nth(sizes[0] - 1).waitFor();
  const first = await rowsOf(page, table);
  assert.equal(first.length, sizes[0], `${path}: a full first page`);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.waitForURL(/cursor=/);
  let second = first;
  for (let i = 0; i < 100 && (second.length !== sizes[1] || second[0] === first[0]); i += 1) {
    await page.waitForTimeout(100);
    second = await rowsOf(page, table);
  }
  assert.equal(second.length, sizes[1], `${path}: the rest on the second page`);
  assert.deepEqual(second.filter((row) => first.includes(row)), [], `${path}: no row of the first page again`);
  for (const row of [...first, ...second]) assert.match(row, marker, `${path}: every row matches the filter`);
  const url = page.url();
  await page.reload();
  await page.getByRole('table', { name: table }).locator('tbody tr').nth(sizes[1] - 1).waitFor();
  assert.equal(page.url(), url);
  assert.deepEqual(await rowsOf(page, table), second, `${path}: the reload shows the same page of the same filter`);
}

test('ok/console device page: the bound patient by name and MRN, the newest readings for the care team only; fail/no binding read without bindings:read', { timeout: 120_000 }, async (t) => {
  // The API: the clinician (care team) gets the readings; the admin (trained, outside the care
  // team) the name and MRN but no values; the security officer has no bindings:read.
  type Answer = { binding: { patientId: string } | null; patient: { displayName: string; mrn: string } | null; vitals: Array<{ metric: string; value: number; deviceId: string }> | null };
  const path = `/api/v1/devices/${monitorId}/binding`;
  const asClinician = await hospital.api.call<Answer>('GET', path, { bearer: hospital.clinician.token });
  assert.equal(asClinician.binding?.patientId, alertPatient);
  assert.deepEqual(asClinician.patient, { displayName: 'Pager00, Pat', mrn: 'MRN-PAGE-00' });
  assert.equal(asClinician.vitals?.find((v) => v.metric === HEART_RATE)?.value, 190);
  assert.ok(asClinician.vitals?.every((v) => v.deviceId === monitorId));
  const asAdmin = await hospital.api.call<Answer>('GET', path, { bearer: hospital.admin.token });
  assert.deepEqual(asAdmin.patient, { displayName: 'Pager00, Pat', mrn: 'MRN-PAGE-00' });
  assert.equal(asAdmin.vitals, null, 'outside the care team: no values');
  await hospital.api.call('GET', path, { bearer: hospital.officer.token, expect: [403] });
  await hospital.api.call('GET', `/api/v1/devices/${newId()}/binding`, { bearer: hospital.admin.token, expect: [404] });
  if (browser === undefined) {
    t.skip(`Debian's Chromium is not installed at ${CHROMIUM}`);
    return;
  }
  const { page, errors } = await pageIn(await hospital.contextFor(browser, hospital.admin));
  try {
    await page.goto(`/devices/${monitorId}`);
    await page.getByRole('heading', { name: 'Bound patient' }).waitFor();
    await page.getByTestId('device-patient').getByRole('link', { name: 'Pager00, Pat (MRN MRN-PAGE-00)' }).waitFor();
    await page.getByText('The readings are shown to the patient’s care team.').waitFor();
    await page.getByRole('heading', { name: 'Recent commands' }).waitFor();
    assert.deepEqual((await axeSeriousOrCritical(page, 'device page')).violations, [], 'axe on the device page');
    // Containment asks for a coded reason in the shared dialog.
    await page.getByRole('group', { name: 'Containment' }).getByRole('button', { name: 'Quarantine' }).click();
    const dialog = page.getByRole('dialog', { name: 'Quarantine SN-PAGER-01?' });
    assert.equal(await dialog.getByRole('button', { name: 'Quarantine' }).isDisabled(), true, 'no reason, no quarantine');
    assert.deepEqual((await axeSeriousOrCritical(page, 'containment dialog')).violations, [], 'axe with the containment dialog open');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    await assertFitsViewport(page, 'device page at 390 px');
    assert.deepEqual(errors, []);
  } catch (error) {
    throw await withPageText(page, error);
  } finally {
    await page.context().close();
  }
});

test('ok/console lists: patients, users, clinical alerts, security events and security alerts page forward with the filter in the URL, and a reload keeps both', { timeout: 180_000 }, async (t) => {
  if (browser === undefined) {
    t.skip(`Debian's Chromium is not installed at ${CHROMIUM}`);
    return;
  }
  for (const [person, lists] of [
    [
      hospital.admin,
      [
        ['/patients?scope=all&q=pager', 'Patients', /Pager\d\d/, [25, 5]],
        ['/users?q=pager', 'Users of the organization', /pager\.\d\d/, [25, 5]],
        ['/security/events?type=test.paging', 'Security events', /test\.paging/, [50, 10]],
        ['/security/alerts?detector=paging-test', 'Security alerts', /Paging alert \d\d/, [25, 5]],
      ],
    ],
    [hospital.clinician, [['/alerts?severity=high', 'Clinical alerts', /Pager00/, [25, 1]]]],
  ] as const) {
    const context = await hospital.contextFor(browser, person);
    const { page, errors } = await pageIn(context);
    try {
      for (const [path, table, marker, sizes] of lists) await pagesAndReloads(page, path, table, marker, sizes);
      assert.deepEqual(errors, []);
    } catch (error) {
      throw await withPageText(page, error);
    } finally {
      await context.close();
    }
  }
});

after(async () => {
  await browser?.close();
  await hospital?.close();
});

/** The LIST- devices shown (the alerts fixture's monitor, SN-PAGER-01, sorts after them). */
async function serialsShown(page: Page): Promise<string[]> {
  return (await page.getByRole('table', { name: 'Devices' }).getByRole('link').allInnerTexts()).filter((serial) => serial.startsWith('LIST-'));
}

test('ok/console devices: search in the URL survives a reload; sort; page forward and back; bulk quarantine; axe; 390 px', { timeout: 180_000 }, async (t) => {
  if (browser === undefined) {
    t.skip(`Debian's Chromium is not installed at ${CHROMIUM}`);
    return;
  }
  const context = await hospital.contextFor(browser, hospital.admin);
  const { page, errors } = await pageIn(context);
  try {
    await page.goto('/devices');
    await page.getByRole('heading', { name: 'Devices' }).waitFor();
    await page.getByRole('table', { name: 'Devices' }).getByRole('link', { name: 'LIST-00' }).waitFor();
    assert.deepEqual(await serialsShown(page), SERIALS.slice(0, 25), 'first page: 25 devices by serial');

    // Page forward and back with the server's cursor.
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('table', { name: 'Devices' }).getByRole('link', { name: 'LIST-29' }).waitFor();
    assert.deepEqual(await serialsShown(page), SERIALS.slice(25));
    assert.match(page.url(), /cursor=/);
    await page.getByRole('button', { name: 'Previous' }).click();
    await page.getByRole('table', { name: 'Devices' }).getByRole('link', { name: 'LIST-00' }).waitFor();
    assert.doesNotMatch(page.url(), /cursor=/);

    // Sort by serial, descending, from the column header.
    await page.getByRole('button', { name: /^Device/ }).click();
    await page.waitForURL(/dir=desc/);
    await page.getByRole('table', { name: 'Devices' }).getByRole('link', { name: 'LIST-29' }).waitFor();
    assert.equal((await serialsShown(page))[0], 'LIST-29');

    // Search: the rows narrow, the URL holds it, a reload shows the same view.
    await page.getByLabel('Search').fill('list-1');
    await page.waitForURL(/q=list-1/);
    await page.getByRole('table', { name: 'Devices' }).getByRole('link', { name: 'LIST-19' }).waitFor();
    for (let i = 0; i < 50 && (await page.getByRole('table', { name: 'Devices' }).getByRole('link').count()) !== 10; i += 1) await page.waitForTimeout(100);
    assert.deepEqual(await serialsShown(page), SERIALS.slice(10, 20).reverse());
    await page.reload();
    await page.getByRole('table', { name: 'Devices' }).getByRole('link', { name: 'LIST-19' }).waitFor();
    assert.equal(await page.getByLabel('Search').inputValue(), 'list-1');
    assert.deepEqual(await serialsShown(page), SERIALS.slice(10, 20).reverse(), 'the reload keeps the search and the sort');

    // Bulk quarantine of two devices, with a coded reason.
    await page.getByRole('checkbox', { name: 'Select LIST-12' }).check();
    await page.getByRole('checkbox', { name: 'Select LIST-13' }).check();
    await page.getByRole('button', { name: 'Quarantine selected (2)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Quarantine 2 devices?' });
    await dialog.waitFor();
    assert.deepEqual((await axeSeriousOrCritical(page, 'confirm dialog')).violations, [], 'axe with the confirm dialog open');
    await dialog.getByRole('combobox', { name: 'Reason' }).click();
    await page.getByRole('option', { name: 'Suspicious traffic' }).click();
    await dialog.getByRole('button', { name: 'Quarantine' }).click();
    await page.getByText('2 of 2 changed.').waitFor();
    await dialog.waitFor({ state: 'hidden' });
    const { devices } = await hospital.api.call<{ devices: Array<{ serial: string }> }>('GET', '/api/v1/devices?status=quarantined', { bearer: hospital.admin.token });
    assert.deepEqual(devices.map((d) => d.serial).sort(), ['LIST-12', 'LIST-13']);

    assert.deepEqual((await axeSeriousOrCritical(page, 'devices list')).violations, [], 'axe on the devices list');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    await assertFitsViewport(page, 'devices list at 390 px');
    assert.deepEqual(errors, []);
  } catch (error) {
    throw await withPageText(page, error);
  } finally {
    await context.close();
  }
});
