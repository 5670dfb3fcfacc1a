/**
 * Browser tests (Debian's Chromium, playwright-core) of the server-paged lists (issue 16): on the
 * devices list, a search narrows the rows and lives in the URL (a reload shows the same view),
 * a sort header orders by the server, Next and Previous page with the cursor, and a bulk
 * quarantine of a selection asks for a coded reason and reports each device. axe-core finds no
 * serious or critical violation, and nothing is wider than the viewport at 390 px.
 */
import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { newId } from '../kernel/index.js';
import { deviceStore } from '../storage/index.js';
import { assertFitsViewport, CHROMIUM, launchChromium, pageIn, withPageText } from './console-browser.js';
import { WorkHospital } from './console-work-fixtures.js';

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
  if (existsSync(CHROMIUM)) browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await hospital?.close();
});

async function serialsShown(page: Page): Promise<string[]> {
  return page.getByRole('table', { name: 'Devices' }).getByRole('link').allInnerTexts();
}

async function axeSeriousOrCritical(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
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
    assert.deepEqual(await axeSeriousOrCritical(page), [], 'axe with the confirm dialog open');
    await dialog.getByRole('combobox', { name: 'Reason' }).click();
    await page.getByRole('option', { name: 'Suspicious traffic' }).click();
    await dialog.getByRole('button', { name: 'Quarantine' }).click();
    await page.getByText('2 of 2 changed.').waitFor();
    await dialog.waitFor({ state: 'hidden' });
    const { devices } = await hospital.api.call<{ devices: Array<{ serial: string }> }>('GET', '/api/v1/devices?status=quarantined', { bearer: hospital.admin.token });
    assert.deepEqual(devices.map((d) => d.serial).sort(), ['LIST-12', 'LIST-13']);

    assert.deepEqual(await axeSeriousOrCritical(page), [], 'axe on the devices list');
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
