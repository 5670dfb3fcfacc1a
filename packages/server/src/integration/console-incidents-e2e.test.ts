/**
 * Containment from the incident page (issue 15) in Debian's Chromium: a security officer asks to
 * quarantine the whole blast radius (12 devices: a bulk action, confirmed with a reason and a
 * second-factor code), cannot approve it herself, and the org admin approves it with his own code;
 * he disables a user (whose session ends); the officer blocks a source range with an expiry and
 * pauses rollouts; she zooms the timeline and sets the organization's time zone of the clocks (an invalid name refused).
 * axe-core finds no serious or critical violation with the page and its
 * dialog open, and at 390 px nothing is wider than the viewport.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { cliPrincipal } from '../kernel/index.js';
import { assertFitsViewport, axeSeriousOrCritical, CHROMIUM, launchChromium, pageIn, withPageText } from './console-browser.js';
import { WorkHospital } from './console-work-fixtures.js';
import { testContext } from './fixtures.js';

let hospital: WorkHospital;
let browser: Browser | undefined;
let incidentId = '';
const deviceIds: string[] = [];

before(async () => {
  hospital = await WorkHospital.start();
  if (!existsSync(CHROMIUM)) return;
  browser = await launchChromium();
  await hospital.setupByApi();
  await hospital.people();
  for (let i = 0; i < 12; i += 1) deviceIds.push((await hospital.enrolDevice(`SN-INC-${String(i).padStart(2, '0')}`)).deviceId);
  const opened = await hospital.api.call<{ id: string }>('POST', '/api/v1/incidents', {
    bearer: hospital.officer.token,
    body: { title: 'Monitors beaconing to an unknown host', type: 'device-compromise', seeds: { deviceIds } },
  });
  incidentId = opened.id;
});

after(async () => {
  await browser?.close();
  await hospital?.close();
});

async function axe(page: Page, name: string): Promise<string[]> {
  return (await axeSeriousOrCritical(page, name)).violations;
}

const statusOf = async (id: string) => (await hospital.platform.devices.service.get({ ...testContext, principal: cliPrincipal('test') }, { deviceId: id, orgId: hospital.orgId })).status;

test('ok/console incident containment: bulk quarantine waits for a second person with MFA; block, pause, disable; time zone; axe; 390 px', { timeout: 240_000 }, async (t) => {
  if (browser === undefined) {
    t.skip(`Debian's Chromium is not installed at ${CHROMIUM}`);
    return;
  }
  const violations: string[] = [];
  const officer = await pageIn(await hospital.contextFor(browser, hospital.officer));
  const page = officer.page;
  try {
    await page.goto(`/incidents/${incidentId}`);
    await page.getByRole('heading', { name: 'Containment' }).waitFor();
    await page.getByText('No containment actions yet.').waitFor();

    // 1. Quarantine the whole blast radius: 12 devices, so a code and a second person.
    await page.getByRole('button', { name: 'Quarantine devices' }).click();
    const dialog = page.getByRole('dialog', { name: 'Quarantine devices?' });
    await dialog.waitFor();
    assert.equal(await dialog.getByLabel('The whole blast radius (12 devices)').isChecked(), true);
    await dialog.getByLabel('Reason').fill('The monitors beacon to 203.0.113.9');
    violations.push(...(await axe(page, 'contain dialog')));
    await dialog.getByLabel('Authenticator code').fill(await hospital.stepUpCode(hospital.officer));
    await dialog.getByRole('button', { name: 'Request approval' }).click();
    await page.getByRole('status').filter({ hasText: 'Quarantine devices: waiting for a second person.' }).waitFor();
    for (const id of deviceIds) assert.equal(await statusOf(id), 'active', 'nothing runs before the approval');

    // The requester cannot approve her own request.
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    const own = page.getByRole('dialog', { name: 'Approve the containment action?' });
    await own.getByLabel('Authenticator code').fill(await hospital.stepUpCode(hospital.officer));
    await own.getByRole('button', { name: 'Approve and run' }).click();
    await own.getByText('A second person must approve this action.').waitFor();
    await own.getByRole('button', { name: 'Cancel' }).click();

    // 2. The org admin approves with his own code: the 12 devices are quarantined.
    const admin = await pageIn(await hospital.contextFor(browser, hospital.admin));
    try {
      await admin.page.goto(`/incidents/${incidentId}`);
      await admin.page.getByRole('button', { name: 'Approve', exact: true }).click();
      const approve = admin.page.getByRole('dialog', { name: 'Approve the containment action?' });
      await approve.getByText('Quarantine devices on 12 targets').waitFor();
      violations.push(...(await axe(admin.page, 'approve dialog')));
      await approve.getByLabel('Authenticator code').fill(await hospital.stepUpCode(hospital.admin));
      await approve.getByRole('button', { name: 'Approve and run' }).click();
      await admin.page.getByRole('status').filter({ hasText: 'Quarantine devices: 12 ok.' }).waitFor();
      // The admin (users:manage) disables a user from a list: the session ends at once.
      await admin.page.getByRole('button', { name: 'Disable users and end sessions' }).click();
      const disable = admin.page.getByRole('dialog', { name: 'Disable users and end sessions?' });
      await disable.getByLabel('Users I list').check();
      await disable.getByLabel('User ids (one per line)').fill(hospital.clinician.id);
      await disable.getByLabel('Reason').fill('Password seen on a paste site');
      await disable.getByRole('button', { name: 'Disable users and end sessions' }).click();
      await admin.page.getByRole('status').filter({ hasText: 'Disable users and end sessions: 1 ok.' }).waitFor();
      await hospital.api.call('GET', '/api/v1/auth/session', { bearer: hospital.clinician.token, expect: [401] });
      assert.deepEqual(admin.errors, []);
    } catch (error) {
      throw await withPageText(admin.page, error);
    } finally {
      await admin.context.close();
    }
    for (const id of deviceIds) assert.equal(await statusOf(id), 'quarantined');

    // 3. Block a source range for an hour.
    await page.getByRole('button', { name: 'Block a source address' }).click();
    const block = page.getByRole('dialog', { name: 'Block a source address?' });
    await block.getByLabel('Address or range').fill('203.0.113.0/24');
    await block.getByLabel('Expires after').selectOption('1');
    await block.getByLabel('Reason').fill('The beacon target');
    await block.getByRole('button', { name: 'Block a source address' }).click();
    await page.getByRole('status').filter({ hasText: 'Block a source address: 1 ok.' }).waitFor();
    assert.equal(hospital.platform.incidents.blocks.isBlocked('203.0.113.77'), true, 'the block list holds the range');

    // 4. Pause rollouts (none running: done with nothing to pause).
    await page.getByRole('button', { name: 'Pause rollouts' }).click();
    const pause = page.getByRole('dialog', { name: 'Pause rollouts?' });
    await pause.getByLabel('Reason').fill('No firmware changes during the response');
    await pause.getByRole('button', { name: 'Pause rollouts' }).click();
    await page.getByRole('status').filter({ hasText: 'Pause rollouts: 0 ok.' }).waitFor();

    const rows = page.getByRole('region', { name: 'Containment' }).locator('tbody tr');
    await page.reload();
    await page.getByRole('heading', { name: 'Containment' }).waitFor();
    await rows.nth(3).waitFor();
    assert.equal(await rows.count(), 4, 'four actions listed');
    violations.push(...(await axe(page, 'incident page')));

    // The timeline zooms in time: a window after every entry shows none, an inverted one says so,
    // and the whole window shows them all again.
    const counted = page.getByText(/^\d+ of \d+ entries/);
    const all = /^(\d+) of (\d+) entries/.exec(await counted.innerText());
    assert.ok(all !== null && Number(all[1]) > 0 && all[1] === all[2], `every entry at first: ${all?.[0] ?? 'none'}`);
    await page.getByLabel('From', { exact: true }).fill('2099-01-01T00:00');
    await page.getByText('No entries in this window.').waitFor();
    assert.match(await counted.innerText(), new RegExp(`^0 of ${all?.[2] ?? ''} entries`));
    await page.getByLabel('To', { exact: true }).fill('2000-01-01T00:00');
    await page.getByText('From is after To: nothing can be shown.').waitFor();
    violations.push(...(await axe(page, 'timeline zoomed')));
    await page.getByRole('button', { name: 'Whole window' }).click();
    await page.getByText(`${all?.[2] ?? ''} of ${all?.[2] ?? ''} entries`).waitFor();

    // 5. The organization's time zone of the clocks, on the incidents page: names that are no IANA
    //    zone are refused there (the server would refuse them too); a real one is saved.
    await page.goto('/incidents');
    const zone = page.getByLabel('Time zone of the notification clocks');
    await zone.waitFor();
    assert.equal(await zone.inputValue(), 'UTC');
    const save = page.getByRole('button', { name: 'Save', exact: true });
    await zone.fill('EST');
    await page.getByRole('alert').filter({ hasText: 'is not an IANA time zone name' }).waitFor();
    assert.equal(await save.isDisabled(), true);
    await zone.fill('Mars/Olympus_Mons');
    await page.getByRole('alert').filter({ hasText: 'Unknown time zone' }).waitFor();
    violations.push(...(await axe(page, 'time zone refused')));
    await zone.fill('Europe/Berlin');
    await save.click();
    await page.getByRole('status').filter({ hasText: 'The clocks now count in Europe/Berlin.' }).waitFor();
    const host = { ...testContext, principal: cliPrincipal('test') };
    assert.equal((await hospital.platform.incidents.service.settings(host, hospital.orgId)).timeZone, 'Europe/Berlin');
    await page.reload();
    await zone.waitFor();
    assert.equal(await zone.inputValue(), 'Europe/Berlin');
    assert.deepEqual(officer.errors, []);
  } catch (error) {
    throw await withPageText(page, error);
  } finally {
    await officer.context.close();
  }

  // 6. At 390 px: the page and the containment dialog fit.
  const narrow = await pageIn(await hospital.contextFor(browser, hospital.officer, { width: 390, height: 844 }));
  try {
    await narrow.page.goto(`/incidents/${incidentId}`);
    await narrow.page.getByRole('heading', { name: 'Containment' }).waitFor();
    await narrow.page.waitForLoadState('networkidle');
    await assertFitsViewport(narrow.page, 'incident page at 390 px');
    await narrow.page.getByRole('button', { name: 'Revoke devices' }).click();
    await narrow.page.getByRole('dialog', { name: 'Revoke devices?' }).getByLabel('A whole device group').check();
    await assertFitsViewport(narrow.page, 'revoke dialog at 390 px');
    violations.push(...(await axe(narrow.page, 'revoke dialog at 390 px')));
  } catch (error) {
    throw await withPageText(narrow.page, error);
  } finally {
    await narrow.context.close();
  }
  assert.deepEqual(violations, [], 'no serious or critical accessibility violation');
});
