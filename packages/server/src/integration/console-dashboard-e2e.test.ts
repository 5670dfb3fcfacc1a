/**
 * Browser tests (Debian's Chromium, playwright-core) of the role dashboards (issue 16): on a seeded
 * hospital (failed logins, a quarantined device, a break-glass grant awaiting review, a user without
 * MFA or training), the security officer's home shows each count as the API and the lists count
 * it, with the audit chain intact; the admin's home shows the fleet, the users without MFA or
 * training, and the delivery channels. Each dashboard: axe-core finds no serious or critical
 * violation, nothing is wider than the viewport at 390 px, the dark scheme follows the system
 * setting, and no script error or CSP violation is logged. The endpoints refuse a clinician.
 * Screenshots for the README with VIGIL_SCREENSHOTS=1 (light and dark).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertFitsViewport, axeSeriousOrCritical, CHROMIUM, launchChromium, pageIn, screenshot, withPageText } from './console-browser.js';
import { CLINICIAN, WorkHospital } from './console-work-fixtures.js';

let hospital: WorkHospital;
let browser: Browser | undefined;
let technicianId = '';

interface SecuritySummary {
  openSecurityAlerts: Record<'critical' | 'high' | 'medium' | 'low', number>;
  devices: Record<string, number>;
  breakGlassAwaitingReview: number;
  failedLogins: Array<{ hour: string; count: number }>;
}
interface AdminSummary {
  devices: Record<string, number>;
  users: { total: number; withoutMfa: number; withoutTraining: number; locked: number; disabled: number };
  channels: unknown[];
}

before(async () => {
  hospital = await WorkHospital.start();
  await hospital.setupByApi();
  await hospital.people();
  await hospital.ward();
  // Seeds: three failed logins, one quarantined device, one break-glass grant awaiting review, and
  // a technician who never signed in (no MFA, no training).
  for (let i = 0; i < 3; i += 1) assert.equal(await hospital.api.status('POST', '/api/v1/auth/login', { username: CLINICIAN.username, password: `wrong-password-${i}`, mode: 'bearer' }), 401);
  await hospital.api.call('POST', `/api/v1/devices/${hospital.devices[1]!.deviceId}/quarantine`, { bearer: hospital.admin.token, body: { reason: 'suspicious-traffic' } });
  await hospital.api.call('POST', `/api/v1/patients/${hospital.outsideId}/break-glass`, { bearer: hospital.clinician.token, body: { reason: 'Emergency: patient collapsed on the ward' } });
  const tech = await hospital.api.call<{ user: { id: string } }>('POST', '/api/v1/users', { bearer: hospital.admin.token, body: { username: 'tess.tech', displayName: 'Tess Tech', roles: ['technician'] } });
  technicianId = tech.user.id;
  if (existsSync(CHROMIUM)) browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await hospital?.close();
});

function skipWithoutBrowser(t: { skip: (message: string) => void }): boolean {
  if (browser !== undefined) return false;
  t.skip(`Debian's Chromium is not installed at ${CHROMIUM}`);
  return true;
}

/** The number a stat card shows, by its label, inside `scope`. */
async function stat(page: Page, scope: string, label: string): Promise<number> {
  const card = page.getByTestId(scope).locator('.stat-card').filter({ has: page.locator('.stat-label', { hasText: new RegExp(`^${label}$`) }) });
  return Number(await card.locator('.stat-value').innerText());
}

test('ok/security dashboard API counts what the lists count, for the organization', async () => {
  const summary = await hospital.api.call<SecuritySummary>('GET', '/api/v1/dashboard/security', { bearer: hospital.officer.token });
  assert.equal(summary.devices['quarantined'], 1);
  assert.equal(summary.devices['total'], 2);
  assert.equal(summary.breakGlassAwaitingReview, 1);
  assert.equal(summary.failedLogins.length, 24);
  assert.equal(summary.failedLogins.reduce((sum, p) => sum + p.count, 0), 3);
  const { alerts } = await hospital.api.call<{ alerts: Array<{ severity: string; status: string }> }>('GET', '/api/v1/security/alerts', { bearer: hospital.officer.token });
  for (const severity of ['critical', 'high', 'medium', 'low'] as const) {
    const listed = alerts.filter((a) => a.severity === severity && (a.status === 'open' || a.status === 'acknowledged')).length;
    assert.equal(summary.openSecurityAlerts[severity], listed, `open ${severity} alerts`);
  }
  const admin = await hospital.api.call<AdminSummary>('GET', '/api/v1/dashboard/admin', { bearer: hospital.admin.token });
  assert.equal(admin.users.total, 4);
  assert.equal(admin.users.withoutTraining, 1, 'only the technician has no HIPAA training');
  assert.ok(admin.users.withoutMfa >= 1, 'the technician has no second factor');
  assert.ok(technicianId !== '');
});

test('deny/dashboards: a clinician gets neither summary; without a session, 401', async () => {
  assert.equal((await hospital.api.call('GET', '/api/v1/dashboard/security', { bearer: hospital.clinician.token, expect: [403] })) !== undefined, true);
  await hospital.api.call('GET', '/api/v1/dashboard/admin', { bearer: hospital.clinician.token, expect: [403] });
  assert.equal(await hospital.api.status('GET', '/api/v1/dashboard/security'), 401);
  assert.equal(await hospital.api.status('GET', '/api/v1/dashboard/admin'), 401);
});

test('ok/console: the security officer’s home is the security dashboard (counts, failed logins chart, audit chain), accessible, fits 390 px, dark with the system', { timeout: 120_000 }, async (t) => {
  if (skipWithoutBrowser(t) || browser === undefined) return;
  const summary = await hospital.api.call<SecuritySummary>('GET', '/api/v1/dashboard/security', { bearer: hospital.officer.token });
  for (const scheme of ['light', 'dark'] as const) {
    const context = await hospital.contextFor(browser, hospital.officer);
    const { page, errors } = await pageIn(context);
    try {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto('/');
      await page.getByTestId('security-dashboard').waitFor();
      await page.getByTestId('audit-chain-status').waitFor();
      await page.waitForLoadState('networkidle');
      assert.equal(await page.locator('html').getAttribute('data-mantine-color-scheme'), scheme, 'the colour scheme follows the system');
      assert.equal(await stat(page, 'security-dashboard', 'Quarantined'), 1);
      assert.equal(await stat(page, 'security-dashboard', 'Break-glass to review'), 1);
      assert.equal(await stat(page, 'security-dashboard', 'High'), summary.openSecurityAlerts.high);
      assert.equal(await stat(page, 'security-dashboard', 'Critical'), summary.openSecurityAlerts.critical);
      assert.match((await page.getByTestId('failed-logins-chart').getByRole('img').getAttribute('aria-label')) ?? '', /3 failed logins in the last 24 hours/);
      assert.match(await page.getByTestId('audit-chain-status').innerText(), /intact/i);
      assert.deepEqual((await axeSeriousOrCritical(page, scheme)).violations, [], `axe (${scheme})`);
      await screenshot(page, `security-dashboard-${scheme}`);
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(300);
      await assertFitsViewport(page, `security dashboard at 390 px (${scheme})`);
      assert.deepEqual(errors, []);
    } catch (error) {
      throw await withPageText(page, error);
    } finally {
      await context.close();
    }
  }
});

test('ok/console: the admin’s home shows the fleet, users without MFA or training and the delivery channels, accessible, fits 390 px', { timeout: 120_000 }, async (t) => {
  if (skipWithoutBrowser(t) || browser === undefined) return;
  const summary = await hospital.api.call<AdminSummary>('GET', '/api/v1/dashboard/admin', { bearer: hospital.admin.token });
  for (const scheme of ['light', 'dark'] as const) {
    const context = await hospital.contextFor(browser, hospital.admin);
    const { page, errors } = await pageIn(context);
    try {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto('/');
      await page.getByTestId('admin-dashboard').waitFor();
      await page.waitForLoadState('networkidle');
      assert.equal(await stat(page, 'admin-dashboard', 'Devices'), 2);
      assert.equal(await stat(page, 'admin-dashboard', 'Quarantined'), 1);
      assert.equal(await stat(page, 'admin-dashboard', 'Without training'), 1);
      assert.equal(await stat(page, 'admin-dashboard', 'Without MFA'), summary.users.withoutMfa);
      await page.getByRole('table', { name: 'Alert delivery channels' }).waitFor();
      assert.deepEqual((await axeSeriousOrCritical(page, scheme)).violations, [], `axe (${scheme})`);
      await screenshot(page, `admin-dashboard-${scheme}`);
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(300);
      await assertFitsViewport(page, `admin dashboard at 390 px (${scheme})`);
      // At 390 px the navigation is behind the burger; Sign out stays in the header.
      await page.getByRole('button', { name: 'Open navigation' }).click();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
      await page.getByRole('heading', { level: 1 }).filter({ hasText: /Devices/ }).waitFor();
      const signOut = await page.getByRole('button', { name: 'Sign out' }).boundingBox();
      assert.ok(signOut !== null && signOut.x + signOut.width <= 390, 'Sign out is on screen');
      assert.deepEqual(errors, []);
    } catch (error) {
      throw await withPageText(page, error);
    } finally {
      await context.close();
    }
  }
});
