/**
 * Clinical data and security monitoring end to end through the web console in Debian's Chromium
 * (playwright-core): a real server on an ephemeral port (real clock: the browser's TOTP codes and
 * the ingest time window use real time), the built console, and the HTTP API.
 *
 * Setup through the HTTP API: first-admin setup and TOTP enrolment, a clinician with current HIPAA
 * training on a patient's care team, an enrolled device bound to the patient, and an alert rule
 * (heart rate > 130). Readings go in through the running server's ingest pipeline (the path MQTT
 * and HTTPS ingest share), so clinical rules and the live stream see them as they would a device's.
 *
 * Covers: the clinician's patient list (only patients in their care), the patient's vitals charts
 * with the latest values, a live chart update over Server-Sent Events when a reading is ingested,
 * the alert that reading opens (threshold crossed) in the inbox, acknowledged there; then an org
 * admin's security alerts and usage pages. No script error and no CSP violation on any page
 * (uPlot under `style-src 'self'`).
 *
 * VIGIL_SCREENSHOTS=1 writes docs/images/console-patient-vitals.png, console-alerts.png,
 * console-security-alerts.png and console-usage.png.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { validate } from '../config/index.js';
import { makeTestCsr } from '../identity/ca/csr-fixtures.js';
import { systemClock, type RequestContext } from '../kernel/index.js';
import { defaultConsoleDir, initialize, openPlatform, startServer, type Platform, type RunningServer } from '../main.js';
import { createLogger } from '../observability/index.js';
import { ApiSetupClient, CHROMIUM, launchChromium, openPage, screenshot, signIn, STEP_TIMEOUT_MS, totpCode, totpStepAfter, withPageText } from './console-browser.js';
import { makeConfig, testContext } from './fixtures.js';

const ADMIN = { organization: 'St. Vitals Hospital', username: 'olga.admin', displayName: 'Olga Admin', password: 'Amber-Harbor-Signal-2026!' };
const CLINICIAN = { username: 'chris.clinician', displayName: 'Chris Clinician', password: 'Velvet-Orchard-Compass-5519!' };
const PATIENT = { mrn: 'MRN-VITALS-0001', givenName: 'Morgan', familyName: 'Vitals', birthDate: '1961-02-03', sex: 'male' };
const OTHER_PATIENT = { mrn: 'MRN-VITALS-0002', givenName: 'Jamie', familyName: 'Elsewhere', birthDate: '1970-07-07', sex: 'female' };
const MODEL = 'pulse-2';
const HEART_RATE = '8867-4';
const SPO2 = '59408-5';
const anonymous: RequestContext = { principal: { kind: 'anonymous', id: 'anonymous' }, requestId: 'req-e2e-enrol', source: '127.0.0.1' };

let root: string;
let platform: Platform;
let server: RunningServer;
let base: string;
let api: ApiSetupClient;
let browser: Browser | undefined;
let adminBearer: string;
let adminTotpSecret: string;
let adminTotpUsedAt: number;
let patientId: string;
let device: { deviceId: string; orgId: string; model: string; publicKeyPem: string };
let seq = 0;

interface LoginAnswer {
  readonly token: string;
  readonly state: string;
  readonly session: { readonly user: { readonly id: string; readonly orgId: string } };
}

/** One reading through the running server's ingest pipeline, as the device would send it. */
async function ingest(readings: readonly { metric: string; value: number; unit: string }[], at = new Date()): Promise<void> {
  seq += 1;
  const envelope = { v: 1, deviceId: device.deviceId, seq, ts: at.toISOString(), readings };
  const outcome = await server.telemetry.pipeline.ingest(device, envelope, 'https', '127.0.0.1');
  assert.equal(outcome.status, 'stored', `ingest of seq ${seq}: ${JSON.stringify(outcome)}`);
}

const vitals = (heartRate: number, spo2: number) => [
  { metric: HEART_RATE, value: heartRate, unit: '/min' },
  { metric: SPO2, value: spo2, unit: '%' },
];

async function training(userId: string): Promise<void> {
  const now = Date.now();
  await api.call('POST', `/api/v1/users/${userId}/training`, {
    bearer: adminBearer,
    body: { course: 'hipaa-privacy-security', completedAt: new Date(now - 86_400_000).toISOString(), expiresAt: new Date(now + 364 * 86_400_000).toISOString() },
  });
}

/** An invited user's first sign-in: the one-time password is changed (through the API). */
async function firstSignIn(username: string, oneTimePassword: string, password: string): Promise<LoginAnswer> {
  const first = await api.call<LoginAnswer>('POST', '/api/v1/auth/login', { body: { username, password: oneTimePassword, mode: 'bearer' } });
  return api.call<LoginAnswer>('POST', '/api/v1/auth/password', { bearer: first.token, body: { currentPassword: oneTimePassword, newPassword: password } });
}

before(async () => {
  const consoleDir = defaultConsoleDir();
  assert.ok(existsSync(join(consoleDir, 'index.html')), `the console is not built in ${consoleDir}: run npm run build`);
  const made = await makeConfig();
  root = made.root;
  const { config } = validate({ dataDir: made.config.dataDir, logLevel: 'silent', host: '127.0.0.1', httpPort: 0, mqttPort: 0, login: { rateLimitPerMinute: 1000 } });
  await initialize({ config, env: {}, clock: systemClock });
  platform = await openPlatform({ config, env: {}, clock: systemClock });
  const setupCredential = (await platform.setup.issue(testContext)).token;
  server = await startServer(platform, createLogger({ level: 'silent' }), { consoleDir });
  base = `https://127.0.0.1:${server.httpPort}`;
  if (!existsSync(CHROMIUM)) return;
  browser = await launchChromium();
  api = await ApiSetupClient.open(base);

  // The first admin, with TOTP (privileged roles must enrol a second factor).
  await api.call('POST', '/api/v1/setup', { body: { setupCredential, ...ADMIN } });
  const login = await api.call<LoginAnswer>('POST', '/api/v1/auth/login', { body: { username: ADMIN.username, password: ADMIN.password, mode: 'bearer' } });
  adminBearer = login.token;
  const adminId = login.session.user.id;
  const orgId = login.session.user.orgId;
  const totp = await api.call<{ secret: string }>('POST', '/api/v1/me/mfa/totp/setup', { bearer: adminBearer });
  adminTotpSecret = totp.secret;
  adminTotpUsedAt = Date.now();
  const confirmed = await api.call<{ state: string }>('POST', '/api/v1/me/mfa/totp/confirm', { bearer: adminBearer, body: { code: totpCode(adminTotpSecret, adminTotpUsedAt) } });
  assert.equal(confirmed.state, 'authenticated');

  // A clinician with current training on the care team of one patient (not of the other).
  const invited = await api.call<{ user: { id: string }; oneTimePassword: string }>('POST', '/api/v1/users', {
    bearer: adminBearer,
    body: { username: CLINICIAN.username, displayName: CLINICIAN.displayName, roles: ['clinician'] },
  });
  const clinicianId = invited.user.id;
  const changed = await firstSignIn(CLINICIAN.username, invited.oneTimePassword, CLINICIAN.password);
  assert.equal(changed.state, 'authenticated');
  await training(adminId);
  await training(clinicianId);
  patientId = (await api.call<{ id: string }>('POST', '/api/v1/patients', { bearer: adminBearer, body: PATIENT })).id;
  await api.call('POST', '/api/v1/patients', { bearer: adminBearer, body: OTHER_PATIENT });
  await api.call('PUT', `/api/v1/patients/${patientId}/care-team`, {
    bearer: adminBearer,
    body: {
      members: [
        { userId: clinicianId, role: 'primary' },
        { userId: adminId, role: 'member' },
      ],
    },
  });

  // A device, enrolled and bound to the patient; an organization rule: heart rate > 130.
  const { token } = await api.call<{ token: string }>('POST', '/api/v1/devices/enrollment-tokens', { bearer: adminBearer, body: { model: MODEL } });
  const csr = await makeTestCsr({ subject: 'CN=monitor, O=Vigil' });
  const enrolled = await platform.devices.service.enroll(anonymous, { token, csr: csr.pem, serial: 'SN-E2E-VITALS-1' });
  const publicKeyPem = new X509Certificate(enrolled.certificate).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  device = { deviceId: enrolled.deviceId, orgId, model: MODEL, publicKeyPem };
  await api.call('POST', `/api/v1/patients/${patientId}/bindings`, {
    bearer: adminBearer,
    body: { deviceId: device.deviceId, startAt: new Date(Date.now() - 10 * 60_000).toISOString() },
  });
  await api.call('POST', '/api/v1/alert-rules', {
    bearer: adminBearer,
    body: { metric: HEART_RATE, comparison: 'gt', value: 130, durationSeconds: 0, severity: 'high', enabled: true },
  });

  // Two minutes of normal readings (inside the ingest time window), every 10 s.
  const now = Date.now();
  for (let s = 120; s >= 10; s -= 10) await ingest(vitals(72 + (s % 30) / 10, 97), new Date(now - s * 1000));
});

after(async () => {
  await api?.dispose();
  await browser?.close();
  await server?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

/** The number of points a chart has drawn (its figure's data-points attribute). */
async function chartPoints(page: Page, chart: string): Promise<number> {
  return Number((await page.getByTestId(`chart-${chart}`).getAttribute('data-points')) ?? '-1');
}

/** Waits until a chart holds at least `atLeast` points (it re-renders as data arrive). */
async function waitForPoints(page: Page, chart: string, atLeast: number): Promise<void> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let seen = -1;
  while (Date.now() < deadline) {
    seen = await chartPoints(page, chart);
    if (seen >= atLeast) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`chart ${chart} holds ${seen} points, expected at least ${atLeast}`);
}

test('ok/console: a clinician sees their patients, the vitals charts, a live chart update and the alert it opens', { timeout: 120_000 }, async (t) => {
  if (browser === undefined) {
    t.skip(`Debian's Chromium is not installed at ${CHROMIUM}`);
    return;
  }
  const { context, page, errors } = await openPage(browser, base);
  try {
    await signIn(page, CLINICIAN.username, CLINICIAN.password);
    // A clinician's home is the ward board.
    await page.getByRole('heading', { name: 'Ward board' }).waitFor();

    // The patient list shows only the patients in the clinician's care.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Patients' }).click();
    // The list names patients as the server's summary does: "Family, Given".
    await page.getByRole('link', { name: `${PATIENT.familyName}, ${PATIENT.givenName}` }).waitFor();
    assert.equal(await page.getByRole('link', { name: `${OTHER_PATIENT.familyName}, ${OTHER_PATIENT.givenName}` }).count(), 0, 'a patient outside the care team is not listed');

    // The patient page: charts with the ingested history, the latest values, the live stream.
    await page.getByRole('link', { name: `${PATIENT.familyName}, ${PATIENT.givenName}` }).click();
    await page.getByRole('heading', { name: `${PATIENT.givenName} ${PATIENT.familyName}` }).waitFor();
    await page.getByTestId('chart-hr').waitFor();
    await waitForPoints(page, 'hr', 12);
    assert.match((await page.getByTestId(`latest-${SPO2}`).textContent()) ?? '', /97/);
    assert.equal(await page.locator('[data-testid="chart-hr"] canvas').count(), 1, 'uPlot drew the heart-rate chart on a canvas');
    await page.getByTestId('stream-state').filter({ hasText: /^live$/ }).waitFor();
    const before = await chartPoints(page, 'hr');

    // A reading ingested now reaches the open page over SSE: the latest value and the chart update.
    await ingest(vitals(142, 95));
    await page.getByTestId(`latest-${HEART_RATE}`).filter({ hasText: '142' }).waitFor();
    await waitForPoints(page, 'hr', before + 1);
    assert.ok((await chartPoints(page, 'hr')) > before, 'the heart-rate chart has the new point');

    // Heart rate 142 > 130: the rule opens an alert, shown on the patient page and in the inbox.
    await page.getByTestId('patient-open-alerts').waitFor();
    // The bedside default is the last 15 minutes (the data, not a thin strip at the edge of an hour).
    assert.equal(await page.getByRole('radio', { name: '15 minutes', exact: true }).isChecked(), true, 'the default range is 15 minutes');
    // The range picker works from the keyboard (radio buttons: arrows move); 6 hours asks for buckets.
    await page.getByRole('radio', { name: '1 hour' }).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getByRole('radio', { name: '6 hours' }).isChecked(), true);
    await waitForPoints(page, 'hr', 1);
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.getByRole('radio', { name: '1 hour' }).isChecked(), true);
    await waitForPoints(page, 'hr', 13);
    // 5- and 15-minute ranges are offered; zoom by drag: a drag across the heart-rate chart narrows
    // every chart's time axis to the dragged span, and Reset zoom restores the picked hour.
    assert.equal(await page.getByRole('radio', { name: '5 minutes', exact: true }).count(), 1);
    const xSpan = async (chart: string) => Number((await page.locator(`[data-testid="chart-${chart}"] .chart-canvas`).getAttribute('data-x-span')) ?? '-1');
    assert.ok(Math.abs((await xSpan('hr')) - 3600) <= 2, `the hour is drawn before zooming (${await xSpan('hr')} s)`);
    // The drag as the browser delivers it: mousedown on the plot, moves, mouseup on the document.
    // (Synthetic CDP mouse moves carry movementX 0, which uPlot ignores as a phantom drag.)
    await page.evaluate(`(() => {
      const over = document.querySelector('[data-testid="chart-hr"] .u-over');
      const r = over.getBoundingClientRect();
      const y = r.top + r.height / 2;
      const send = (type, x, target) => target.dispatchEvent(new MouseEvent(type, { clientX: x, clientY: y, movementX: 5, movementY: 0, bubbles: true, cancelable: true, view: window, button: 0, buttons: type === 'mouseup' ? 0 : 1 }));
      send('mousedown', r.left + r.width * 0.5, over);
      for (let i = 1; i <= 6; i += 1) send('mousemove', r.left + r.width * (0.5 + (0.4 * i) / 6), over);
      send('mouseup', r.left + r.width * 0.9, document);
    })()`);
    await page.getByRole('button', { name: 'Reset zoom' }).waitFor();
    const zoomed = await xSpan('hr');
    assert.ok(zoomed > 0 && zoomed < 3600 * 0.6, `the drag zoomed the heart-rate chart to ${zoomed} s`);
    assert.ok(Math.abs((await xSpan('spo2')) - zoomed) <= 2, 'every chart follows the zoom');
    await page.getByRole('button', { name: 'Reset zoom' }).click();
    await page.getByRole('button', { name: 'Reset zoom' }).waitFor({ state: 'detached' });
    assert.ok(Math.abs((await xSpan('hr')) - 3600) <= 2, 'Reset zoom shows the hour again');
    await screenshot(page, 'patient-vitals');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts', exact: true }).click();
    await page.getByRole('heading', { name: 'Clinical alerts' }).waitFor();
    const row = page.getByTestId('clinical-alerts').getByRole('row').filter({ hasText: 'Heart rate > 130' });
    await row.waitFor();
    await screenshot(page, 'alerts');
    // Acknowledge from the keyboard.
    await row.getByRole('button', { name: /^Acknowledge/ }).focus();
    await page.keyboard.press('Enter');
    // The open filter drops the acknowledged alert; the acknowledged filter shows it.
    await row.waitFor({ state: 'detached' });
    await page.getByRole('tab', { name: 'Acknowledged', exact: true }).click();
    await page.getByTestId('clinical-alerts').getByRole('row').filter({ hasText: 'Heart rate > 130' }).waitFor();

    assert.deepEqual(errors, [], 'the console logged no script error and no CSP violation');
  } catch (error) {
    throw await withPageText(page, error);
  } finally {
    await context.close();
  }
});

test('ok/console: an org admin sees security alerts (with a detail) and the usage dashboard', { timeout: 120_000 }, async (t) => {
  if (browser === undefined) {
    t.skip(`Debian's Chromium is not installed at ${CHROMIUM}`);
    return;
  }
  // A brute force on one account, for the detectors to see (the account locks; nobody else uses it).
  const target = await api.call<{ user: { id: string } }>('POST', '/api/v1/users', { bearer: adminBearer, body: { username: 'pat.target', displayName: 'Pat Target', roles: ['clinician'] } });
  assert.ok(target.user.id);
  for (let i = 0; i < 8; i += 1) assert.ok((await api.status('POST', '/api/v1/auth/login', { username: 'pat.target', password: `wrong-guess-${i}`, mode: 'bearer' })) >= 400);

  const { context, page, errors } = await openPage(browser, base);
  try {
    const codeAt = await totpStepAfter(adminTotpUsedAt);
    await signIn(page, ADMIN.username, ADMIN.password);
    await page.getByRole('heading', { name: 'Verify it’s you' }).waitFor();
    await page.getByLabel('Code from your authenticator app').fill(totpCode(adminTotpSecret, codeAt));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: `Welcome, ${ADMIN.displayName}` }).waitFor();

    // Security alerts: the filters, and the brute-force alert's detail with its evidence.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security', exact: true }).click();
    await page.getByRole('heading', { name: 'Security alerts' }).waitFor();
    await page.getByRole('search', { name: 'Filter security alerts' }).getByRole('combobox', { name: 'Status' }).click();
    await page.getByRole('option', { name: 'any', exact: true }).click();
    await page.waitForURL(/status=any/);
    const alerts = page.getByTestId('security-alerts');
    await alerts.waitFor();
    await screenshot(page, 'security-alerts');
    await alerts.getByRole('link').first().click();
    await page.getByRole('heading', { name: 'Evidence' }).waitFor();
    assert.ok(Number((await page.getByTestId('alert-count').textContent()) ?? '0') >= 1);
    await page.getByLabel('Add a note').fill('Checked with the user: not them. Password reset.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByText('Checked with the user: not them. Password reset.').waitFor();
    // Suppress with a coded reason (the server takes a code; free text was refused).
    await page.getByRole('button', { name: 'Suppress…' }).click();
    const suppress = page.getByRole('dialog', { name: 'Suppress the alert?' });
    assert.equal(await suppress.getByRole('button', { name: 'Suppress' }).isDisabled(), true, 'no reason, no suppression');
    await suppress.getByRole('combobox', { name: 'Reason' }).click();
    await suppress.getByRole('option', { name: 'False positive' }).click();
    await suppress.getByRole('button', { name: 'Suppress' }).click();
    await page.getByTestId('alert-status').filter({ hasText: 'suppressed — false-positive' }).waitFor();

    // Usage: four charts over time and the per-user table.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Usage', exact: true }).click();
    await page.getByRole('heading', { name: 'Usage' }).waitFor();
    for (const chart of ['logins', 'apiCalls', 'activeDevices', 'messagesIngested']) await page.getByTestId(`usage-${chart}`).locator('canvas').waitFor();
    await page.getByTestId('usage-users').getByRole('cell', { name: CLINICIAN.username }).waitFor();
    await screenshot(page, 'usage');

    assert.deepEqual(errors, [], 'the console logged no script error and no CSP violation');
  } catch (error) {
    throw await withPageText(page, error);
  } finally {
    await context.close();
  }
});
