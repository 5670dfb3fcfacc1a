/**
 * The idle-logout warning (HIPAA §164.312(a)(2)(iii); console/src/idle-warning.tsx) in Debian's
 * Chromium: a server whose sessions end after one minute of inactivity, so the warning (shown in
 * the last two minutes) is up as soon as a signed-in page opens.
 *
 * Covers: the warning is an ARIA alertdialog (WAI-ARIA 1.2), not a plain dialog, named by its
 * title and described by its message (the countdown); axe finds no serious or critical violation
 * with it open; "Sign out now" ends the session and returns to sign-in.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { axeSeriousOrCritical, CHROMIUM, launchChromium, pageIn, withPageText } from './console-browser.js';
import { WorkHospital } from './console-work-fixtures.js';

let hospital: WorkHospital;
let browser: Browser | undefined;

before(async () => {
  hospital = await WorkHospital.start({ idleMinutes: 1 });
  if (!existsSync(CHROMIUM)) return;
  browser = await launchChromium();
  await hospital.setupByApi();
  await hospital.people();
  await hospital.training(hospital.clinician.id);
});

after(async () => {
  await browser?.close();
  await hospital?.close();
});

test('ok/console idle warning: an alertdialog named by its title, described by its countdown; Sign out now signs out', { timeout: 60_000 }, async (t) => {
  if (browser === undefined) {
    t.skip(`Debian's Chromium is not installed at ${CHROMIUM}`);
    return;
  }
  const { context, page, errors } = await pageIn(await hospital.contextFor(browser, hospital.clinician));
  try {
    await page.goto('/');
    const warning = page.getByRole('alertdialog', { name: 'Are you still there?' });
    await warning.waitFor();
    assert.equal(await page.getByRole('dialog').count(), 0, 'the warning is an alertdialog, not a dialog');
    assert.equal(await warning.getAttribute('aria-modal'), 'true');
    // Its description is the message with the countdown (aria-describedby), not only its title.
    const described = await warning.getAttribute('aria-describedby');
    assert.ok(described !== null && described !== '', 'the alertdialog has aria-describedby');
    const description = (await page.locator(`[id="${described}"]`).textContent()) ?? '';
    assert.match(description, /signed out for inactivity in \d+:\d\d/);
    assert.doesNotMatch(description, /Sign out now/, 'the description is the message, not the buttons');

    assert.deepEqual((await axeSeriousOrCritical(page, 'idle warning')).violations, [], 'axe with the idle warning open');

    await warning.getByRole('button', { name: 'Sign out now' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.getByRole('alertdialog').count(), 0);
    assert.deepEqual(errors, []);
  } catch (error) {
    throw await withPageText(page, error);
  } finally {
    await context.close();
  }
});
