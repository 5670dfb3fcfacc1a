/**
 * The console for people at work (issue 16), in Debian's Chromium: one browser test per defect
 * seen by a new user, each of which fails on the console before the fix.
 *
 *  1. First-time setup is offered on the sign-in page of a fresh server, and /setup says it is
 *     done once it is (GET /api/v1/setup).
 *  2. Names, not UUIDs: the alerts' patient and "acknowledged by", the care team, the break-glass
 *     queue (and the screen-reader labels).
 *  3. "Only patients in my care" unticked lists the organization's patients, marked outside the
 *     care team, with emergency access offered.
 *  4. An org admin manages a patient's care team without access to the record.
 *  5. Open-alert counts say what they count: the admin sees "—" for patients outside their care
 *     and how many open alerts concern them; the inbox says so too.
 *  6. The first admin without training is pointed to their own user page.
 *  7. The break-glass queue shows when a grant was given.
 *  8. Release and Decommission, each with a coded reason.
 * 11. Usage counts the console's own API calls at once; count axes start at 0; the unfinished hour
 *     is said in words, not drawn as a drop.
 * 12. At 390 px nothing is wider than the viewport and Sign out is reachable; no literal
 *     backticks; the sign-in card keeps its width when an error shows.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertFitsViewport, axeSeriousOrCritical, CHROMIUM, launchChromium, openPage, pageIn, screenshot, withPageText } from './console-browser.js';
import { ADMIN, CLINICIAN, IN_CARE, OFFICER, OUTSIDE, WorkHospital } from './console-work-fixtures.js';

let hospital: WorkHospital;
let browser: Browser | undefined;

before(async () => {
  hospital = await WorkHospital.start();
  if (existsSync(CHROMIUM)) browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await hospital?.close();
});

const inCareName = `${IN_CARE.familyName}, ${IN_CARE.givenName}`;
const outsideName = `${OUTSIDE.familyName}, ${OUTSIDE.givenName}`;

function skipWithoutBrowser(t: { skip: (message: string) => void }): boolean {
  if (browser !== undefined) return false;
  t.skip(`Debian's Chromium is not installed at ${CHROMIUM}`);
  return true;
}

test('ok/console defect 1 and 12: First-time setup on a fresh server, /setup done after; no backticks; a steady sign-in card', { timeout: 60_000 }, async (t) => {
  if (skipWithoutBrowser(t) || browser === undefined) return;
  const { context, page, errors } = await openPage(browser, hospital.base);
  try {
    assert.deepEqual(await hospital.api.call('GET', '/api/v1/setup'), { pending: true });
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByRole('link', { name: 'First-time setup' }).click();
    await page.getByRole('heading', { name: 'Set up Vigil' }).waitFor();
    assert.doesNotMatch(await page.locator('main').innerText(), /`/, 'no literal backticks');
    await page.getByLabel('Setup credential').fill(hospital.setupCredential);
    await page.getByLabel('Organization name').fill(ADMIN.organization);
    await page.getByLabel('Administrator username').fill(ADMIN.username);
    await page.getByLabel('Display name').fill(ADMIN.displayName);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByLabel('Repeat the password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create the organization' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'First-time setup' }).count(), 0, 'no setup link once set up');
    assert.deepEqual(await hospital.api.call('GET', '/api/v1/setup'), { pending: false });

    // The sign-in card keeps its width when the error shows (a fresh load: no notice above the form).
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const card = page.locator('section.card');
    const before = (await card.boundingBox())?.width ?? 0;
    await page.getByLabel('Username', { exact: true }).fill(ADMIN.username);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    const afterError = (await card.boundingBox())?.width ?? 0;
    assert.ok(before > 0 && Math.abs(afterError - before) < 1, `the card kept its width: ${before} -> ${afterError}`);

    // After setup, /setup says so and shows no form.
    await page.goto('/setup');
    await page.getByText('This server is already set up').waitFor();
    assert.equal(await page.getByLabel('Setup credential').count(), 0, 'no setup form after setup');
    assert.doesNotMatch(await page.locator('main').innerText(), /`/, 'no literal backticks');
    assert.deepEqual(errors, []);
  } catch (error) {
    throw await withPageText(page, error);
  } finally {
    await context.close();
  }
});

test('ok/console defect 6: the first admin without training is pointed to their own user page', { timeout: 60_000 }, async (t) => {
  if (skipWithoutBrowser(t) || browser === undefined) return;
  await hospital.people();
  const { context, page, errors } = await pageIn(await hospital.contextFor(browser, hospital.admin));
  try {
    await page.goto('/patients');
    await page.getByRole('heading', { name: 'Access denied' }).waitFor();
    assert.doesNotMatch((await page.getByTestId('denied-reason').textContent()) ?? '', /ask your administrator/i);
    await page.getByRole('link', { name: 'open your user page' }).click();
    await page.waitForURL(new RegExp(`/users/${hospital.admin.id}$`));
    await page.getByRole('heading', { name: 'Training records' }).waitFor();
    assert.deepEqual(errors, []);
  } catch (error) {
    throw await withPageText(page, error);
  } finally {
    await context.close();
  }
});

test('ok/console defects 2, 3, 5: a clinician sees names, the organization’s patients outside their care, and honest counts', { timeout: 90_000 }, async (t) => {
  if (skipWithoutBrowser(t) || browser === undefined) return;
  await hospital.ward();
  const [inCareDevice, outsideDevice] = hospital.devices;
  assert.ok(inCareDevice !== undefined && outsideDevice !== undefined);
  await hospital.ingest(inCareDevice, 142, 96);
  await hospital.ingest(outsideDevice, 150, 95);
  await hospital.platform.clinical.alerts.drain();
  const { context, page, errors } = await pageIn(await hospital.contextFor(browser, hospital.clinician));
  try {
    // 2. The inbox names the patient (and the screen-reader label too), and who acknowledged.
    await page.goto('/alerts');
    await page.getByRole('heading', { name: 'Clinical alerts' }).waitFor();
    const row = page.getByTestId('clinical-alerts').getByRole('row').filter({ hasText: 'Heart rate > 130' });
    await row.getByRole('link', { name: inCareName }).waitFor();
    assert.doesNotMatch(await row.innerText(), /[0-9a-f]{8}-[0-9a-f]{4}-/, 'no UUID in the alert row');
    // 5. The other patient's open alert is counted, not shown.
    assert.match((await page.getByTestId('alerts-outside-care').textContent()) ?? '', /1 open alert concerns patients outside your care/);
    await row.getByRole('button', { name: `Acknowledge the alert for ${inCareName}` }).click();
    await row.waitFor({ state: 'detached' });
    await page.getByRole('tab', { name: 'Acknowledged', exact: true }).click();
    await page.getByTestId('clinical-alerts').getByText(`by ${CLINICIAN.displayName}`).waitFor();

    // 2. The care team of a patient in care, by name.
    await page.goto(`/patients/${hospital.inCareId}`);
    await page.getByRole('heading', { name: `${IN_CARE.givenName} ${IN_CARE.familyName}` }).waitFor();
    await page.getByRole('button', { name: 'Care team and devices' }).click();
    await page.getByRole('heading', { name: 'Care team' }).waitFor();
    assert.match(await page.locator('main').innerText(), new RegExp(CLINICIAN.displayName));

    // 3. Unticked, the list shows the organization's patients, outside ones marked, with break-glass.
    await page.goto('/patients');
    await page.getByRole('link', { name: inCareName, exact: true }).waitFor();
    assert.equal(await page.getByRole('link', { name: outsideName, exact: true }).count(), 0);
    // 5. The clinician's counts: 1 open alert for the patient in care is acknowledged now, so 0.
    // A click, then the URL and the box follow (the router applies the URL change asynchronously:
    // under load, uncheck()'s immediate state check raced it).
    await page.getByLabel('Only patients in my care').click();
    await page.waitForURL(/scope=all/);
    await page.locator('input[name="onlyMine"]:not(:checked)').waitFor();
    await page.getByRole('link', { name: outsideName, exact: true }).waitFor();
    const outsideRow = page.getByRole('row').filter({ hasText: OUTSIDE.mrn });
    assert.match(await outsideRow.innerText(), /outside your care/);
    await outsideRow.getByRole('link', { name: `Emergency access to ${outsideName}` }).click();
    await page.getByRole('button', { name: 'Emergency access' }).waitFor();
    assert.deepEqual(errors, []);
  } catch (error) {
    throw await withPageText(page, error);
  } finally {
    await context.close();
  }
});

test('ok/console defects 4, 5, 8, 11: an org admin manages a care team without the record, sees honest counts, releases and decommissions, and sees their own API calls', { timeout: 90_000 }, async (t) => {
  if (skipWithoutBrowser(t) || browser === undefined) return;
  const { context, page, errors } = await pageIn(await hospital.contextFor(browser, hospital.admin));
  try {
    // 5. Counts for patients outside the admin's care are "—", and what is open elsewhere is said.
    await page.goto('/patients');
    const row = page.getByRole('row').filter({ hasText: IN_CARE.mrn });
    await row.waitFor();
    assert.doesNotMatch(await row.innerText(), /\t0$|\s0\s*$/, 'no fake 0 for a patient outside the admin’s care');
    assert.match((await page.getByTestId('patients-outside-care').textContent()) ?? '', /open clinical alerts? concerns? patients outside your care/);
    await page.goto('/alerts');
    await page.getByTestId('alerts-outside-care').waitFor();

    // 4. The care team of a patient whose record is closed to the admin, by name, editable.
    await page.goto(`/patients/${hospital.inCareId}`);
    await page.getByTestId('record-closed').waitFor();
    await page.getByRole('heading', { name: `${inCareName} (MRN ${IN_CARE.mrn})` }).waitFor();
    await page.getByRole('cell', { name: `${CLINICIAN.displayName} (${CLINICIAN.username})`, exact: true }).waitFor();
    await page.getByLabel('Add a member').selectOption({ label: `${OFFICER.displayName} (${OFFICER.username})` });
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('button', { name: 'Save care team' }).click();
    await page.getByText('Care team saved.').waitFor();
    await hospital.careTeam(hospital.inCareId, [hospital.clinician.id]);

    // 8. Quarantine, then Release and Decommission, each with a coded reason.
    const device = hospital.devices[1];
    assert.ok(device !== undefined);
    await page.goto(`/devices/${device.deviceId}`);
    await page.getByRole('button', { name: 'Quarantine' }).click();
    let dialog = page.getByRole('dialog', { name: `Quarantine ${device.serial}?` });
    await dialog.getByRole('combobox', { name: 'Reason' }).click();
    await dialog.getByRole('option', { name: 'Suspicious traffic' }).click();
    await dialog.getByRole('button', { name: 'Quarantine' }).click();
    await page.getByRole('button', { name: 'Release' }).click();
    dialog = page.getByRole('dialog', { name: `Release ${device.serial}?` });
    await dialog.getByRole('combobox', { name: 'Reason' }).click();
    await dialog.getByRole('option', { name: 'False positive' }).click();
    await dialog.getByRole('button', { name: 'Release' }).click();
    await page.getByRole('button', { name: 'Quarantine' }).waitFor();
    assert.equal((await hospital.api.call<{ status: string }>('GET', `/api/v1/devices/${device.deviceId}`, { bearer: hospital.admin.token })).status, 'active');
    await page.getByRole('button', { name: 'Decommission' }).click();
    dialog = page.getByRole('dialog', { name: `Decommission ${device.serial}?` });
    await dialog.getByRole('combobox', { name: 'Reason' }).click();
    await dialog.getByRole('option', { name: 'End of life' }).click();
    await dialog.getByRole('button', { name: 'Decommission' }).click();
    await page.getByText('decommissioned', { exact: true }).first().waitFor();

    // 11. The console's own API calls are counted at once; count axes start at 0.
    await page.goto('/usage');
    await page.getByRole('heading', { name: 'Usage' }).waitFor();
    await page.getByRole('cell', { name: 'GET /api/v1/patients', exact: true }).waitFor();
    await page.getByTestId('usage-apiCalls-current').waitFor();
    const yMin = Number(await page.getByTestId('usage-apiCalls').locator('.chart-canvas').getAttribute('data-y-min'));
    assert.ok(yMin >= 0, `the count axis starts at ${yMin}`);
    await screenshot(page, 'usage');
    assert.deepEqual(errors, []);
  } catch (error) {
    throw await withPageText(page, error);
  } finally {
    await context.close();
  }
});

test('ok/console defects 2 and 7: the break-glass queue shows who, which patient and when', { timeout: 60_000 }, async (t) => {
  if (skipWithoutBrowser(t) || browser === undefined) return;
  await hospital.api.call('POST', `/api/v1/patients/${hospital.outsideId}/break-glass`, { bearer: hospital.clinician.token, body: { reason: 'Unresponsive patient in the emergency department' } });
  const { context, page, errors } = await pageIn(await hospital.contextFor(browser, hospital.officer));
  try {
    await page.goto('/break-glass');
    const row = page.getByRole('row').filter({ hasText: 'Unresponsive patient' });
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, new RegExp(CLINICIAN.displayName));
    assert.match(text, new RegExp(`${outsideName} \\(MRN ${OUTSIDE.mrn}\\)`));
    assert.doesNotMatch(text, /Granted\s*—|[0-9a-f]{8}-[0-9a-f]{4}-/);
    assert.equal(await row.locator('time').count(), 2, 'granted and expires are both times');
    await row.getByRole('button', { name: `Review emergency access by ${CLINICIAN.displayName} to ${outsideName} (MRN ${OUTSIDE.mrn})` }).waitFor();
    assert.deepEqual(errors, []);
  } catch (error) {
    throw await withPageText(page, error);
  } finally {
    await context.close();
  }
});

/** Types into a picker until the suggestion appears, then picks it (the native datalist). */
async function pick(page: Page, label: string, typed: string, option: string): Promise<void> {
  const field = page.getByLabel(label);
  await field.fill(typed);
  await page.locator(`datalist option[value="${option}"]`).waitFor({ state: 'attached' });
  await field.fill(option);
}

test('ok/console defect 10 and 2: pickers find patients by name or MRN, users and devices by name and serial; names on security pages', { timeout: 60_000 }, async (t) => {
  if (skipWithoutBrowser(t) || browser === undefined) return;
  const officer = await pageIn(await hospital.contextFor(browser, hospital.officer));
  try {
    const page = officer.page;
    // The accounting of disclosures, found by MRN (its answer itself carries no PHI).
    await page.goto('/usage');
    await pick(page, 'Accounting of disclosures for the patient (name or MRN)', 'WORK-0002', `${outsideName} (MRN ${OUTSIDE.mrn})`);
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.getByRole('heading', { name: `Accounting of disclosures: patient ${hospital.outsideId.slice(0, 8)}…` }).waitFor();
    // The recorded disclosures one by one: searched, sorted and paged by the server, the view in the URL.
    for (let i = 0; i < 12; i += 1) {
      const coroner = i === 3;
      await hospital.api.call('POST', `/api/v1/patients/${hospital.outsideId}/disclosures/records`, {
        bearer: hospital.admin.token,
        body: {
          disclosedAt: new Date(Date.now() - (i + 1) * 86_400_000).toISOString(),
          recipientName: coroner ? 'County Coroner' : `Registry ${String(i).padStart(2, '0')}`,
          description: `Report ${i}`,
          purpose: coroner ? 'decedents' : 'public-health',
          purposeStatement: `Statement ${i}`,
        },
      });
    }
    await page.reload();
    const records = page.getByTestId('disclosure-records');
    await records.getByRole('cell', { name: 'Registry 00' }).waitFor();
    assert.equal(await records.locator('tbody tr').count(), 10, 'ten a page, newest first');
    await records.getByRole('button', { name: 'Next' }).click();
    await records.getByRole('cell', { name: 'Registry 11' }).waitFor();
    assert.equal(await records.locator('tbody tr').count(), 2, 'the rest on the second page');
    assert.match(page.url(), /cursor=/);
    await page.getByLabel('Search').fill('coroner');
    await records.getByRole('cell', { name: 'County Coroner' }).waitFor();
    await page.waitForURL(/q=coroner/);
    assert.doesNotMatch(page.url(), /cursor=/, 'a new search starts at the first page');
    // The view reloads as it was (the filter is in the URL).
    await page.reload();
    await records.getByRole('cell', { name: 'County Coroner' }).waitFor();
    assert.equal(await records.locator('tbody tr').count(), 1);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await records.getByRole('cell', { name: 'Registry 00' }).waitFor();
    // Recording one through the form (a Mantine dialog) shows it in the accounting and the list at once.
    await page.getByRole('button', { name: 'Record a disclosure' }).click();
    const form = page.getByRole('dialog', { name: 'Record a disclosure to an outside party' });
    await form.getByLabel('Date disclosed').fill(new Date(Date.now() - 86_400_000).toISOString().slice(0, 10));
    await form.getByLabel('Recipient (person or organization)').fill('Poison Control Center');
    await form.getByLabel('Information disclosed (brief description)').fill('Medication list');
    await form.getByLabel('Statement of purpose (or the request it answered)').fill('Poisoning report');
    await form.getByRole('button', { name: 'Record', exact: true }).click();
    await form.waitFor({ state: 'detached' });
    await records.getByRole('cell', { name: 'Poison Control Center' }).waitFor();
    await page.getByTestId('accounting').getByRole('cell', { name: 'Poison Control Center' }).waitFor();
    // Security events: users and devices by name and serial, in the filter and in the table.
    await page.goto('/security/events');
    await page.getByRole('heading', { name: 'Security events' }).waitFor();
    await page.locator('datalist option[value="SN-WORK-0002 (pulse-2)"]').waitFor({ state: 'attached' });
    const clinician = `${CLINICIAN.displayName} (${CLINICIAN.username})`;
    await pick(page, 'User', 'Cleo', clinician);
    await page.getByRole('button', { name: 'Filter' }).click();
    // The clinician's break-glass is a security event of theirs.
    await page.getByTestId('security-events').getByRole('cell', { name: clinician }).first().waitFor();
    const table = await page.getByTestId('security-events').innerText();
    assert.doesNotMatch(table.split('\n').map((line) => line.split('\t').slice(4, 6).join(' ')).join('\n'), /[0-9a-f]{8}-[0-9a-f]{4}/, 'users and devices by name');
    assert.deepEqual(officer.errors, []);
  } catch (error) {
    throw await withPageText(officer.page, error);
  } finally {
    await officer.context.close();
  }
  const admin = await pageIn(await hospital.contextFor(browser, hospital.admin));
  try {
    const page = admin.page;
    // The alert-rule editor: a per-patient rule by the patient's name.
    await page.goto('/alert-rules');
    await page.getByRole('button', { name: 'Add a rule' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Value').fill('120');
    await pick(page, 'Only for the patient (name or MRN; empty: every patient)', 'Incare', `${inCareName} (MRN ${IN_CARE.mrn})`);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: `${inCareName} (MRN ${IN_CARE.mrn})` }).waitFor();
    assert.deepEqual(admin.errors, []);
  } catch (error) {
    throw await withPageText(admin.page, error);
  } finally {
    await admin.context.close();
  }
});

test('ok/console defect 12: at 390 px every page fits and Sign out is reachable', { timeout: 120_000 }, async (t) => {
  if (skipWithoutBrowser(t) || browser === undefined) return;
  // One browser context per person (its cache warm), one page load per path.
  const opened = new Map<string, Awaited<ReturnType<typeof pageIn>>>();
  try {
    for (const [path, who, name] of everyPage()) {
      let open = opened.get(who);
      if (open === undefined) {
        open = await pageIn(await hospital.contextFor(browser, hospital[who], { width: 390, height: 844 }));
        opened.set(who, open);
      }
      const { page, errors } = open;
      try {
        await page.goto(path);
        await page.locator('main h1').first().waitFor();
        await page.waitForLoadState('networkidle');
        await assertFitsViewport(page, `${name} at 390 px`);
        await shoot(page, name, 390);
        const signOut = await page.getByRole('button', { name: 'Sign out' }).boundingBox();
        assert.ok(signOut !== null && signOut.x >= 0 && signOut.x + signOut.width <= 390, `${name}: Sign out is on screen`);
        assert.deepEqual(errors, [], name);
      } catch (error) {
        throw await withPageText(page, error);
      }
    }
  } finally {
    for (const open of opened.values()) await open.context.close();
  }
  const { context, page } = await openPage(browser, hospital.base);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await assertFitsViewport(page, 'sign-in at 390 px');
  await page.goto('/setup');
  await page.getByRole('heading', { name: 'Set up Vigil' }).waitFor();
  await page.waitForLoadState('networkidle');
  await assertFitsViewport(page, 'setup at 390 px');
  await context.close();
});

/** Pages shot for docs/console.md at 1280 and 390 px (only with VIGIL_SCREENSHOTS=1). */
const SHOTS: Record<string, string> = { 'alert rules': 'alert-rules', user: 'user-page', 'break-glass': 'break-glass-queue' };

async function shoot(page: Page, name: string, width: 1280 | 390): Promise<void> {
  const file = SHOTS[name];
  if (process.env['VIGIL_SCREENSHOTS'] !== '1' || file === undefined) return;
  await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
  await screenshot(page, `${file}-${width}`);
}

/** The console's pages by who sees them (the ward board is the clinician's home). */
function everyPage(): Array<[string, 'admin' | 'clinician' | 'officer', string]> {
  return [
    ['/', 'clinician', 'ward board'],
    ['/patients', 'clinician', 'patients'],
    [`/patients/${hospital.inCareId}`, 'clinician', 'patient'],
    ['/alerts', 'clinician', 'alerts'],
    ['/account', 'clinician', 'account'],
    ['/', 'admin', 'home'],
    ['/patients', 'admin', 'patients (admin)'],
    [`/patients/${hospital.inCareId}`, 'admin', 'care team (admin)'],
    ['/users', 'admin', 'users'],
    [`/users/${hospital.clinician.id}`, 'admin', 'user'],
    ['/devices', 'admin', 'devices'],
    [`/devices/${hospital.devices[0]?.deviceId ?? ''}`, 'admin', 'device'],
    ['/usage', 'admin', 'usage'],
    ['/alert-rules', 'admin', 'alert rules'],
    ['/security/alerts', 'officer', 'security alerts'],
    ['/security/events', 'officer', 'security events'],
    ['/security/delivery', 'officer', 'delivery'],
    ['/break-glass', 'officer', 'break-glass'],
    [`/patients/${hospital.outsideId}/disclosures`, 'officer', 'disclosures'],
    ['/no/such/page', 'officer', 'not found'],
  ];
}

test('ok/console accessibility: axe-core finds no serious or critical violation on any page', { timeout: 180_000 }, async (t) => {
  if (skipWithoutBrowser(t) || browser === undefined) return;
  const found: string[] = [];
  let rulesPassed = 0;
  const check = async (page: Page, name: string) => {
    const result = await axeSeriousOrCritical(page, name);
    rulesPassed += result.rulesPassed;
    found.push(...result.violations);
  };
  // One browser context per person (its cache warm), one page load per path.
  const opened = new Map<string, Awaited<ReturnType<typeof pageIn>>>();
  try {
    for (const [path, who, name] of everyPage()) {
      let open = opened.get(who);
      if (open === undefined) {
        open = await pageIn(await hospital.contextFor(browser, hospital[who]));
        opened.set(who, open);
      }
      const { page } = open;
      await page.goto(path);
      await page.locator('main h1').first().waitFor();
      await page.waitForLoadState('networkidle');
      await check(page, name);
      await shoot(page, name, 1280);
    }
  } finally {
    for (const open of opened.values()) await open.context.close();
  }
  const { context, page } = await openPage(browser, hospital.base);
  await page.goto('/');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await check(page, 'sign-in');
  await page.goto('/setup');
  await page.getByRole('heading', { name: 'Set up Vigil' }).waitFor();
  await check(page, 'setup');
  await context.close();
  assert.ok(rulesPassed > 100, `axe ran its rules (${rulesPassed} passed)`);
  assert.deepEqual(found, [], 'no serious or critical accessibility violation');
});
