/**
 * The compliance pages of the console (issue 14) in Debian's Chromium: audit runs and findings
 * (filter, suppress with reason/owner/expiry, a mitigation action), the risk register's 5x5 heat
 * map, change requests with two-person approval and emergency review (MFA again in the page), and
 * the signed report with its verification (a changed byte fails). Every page: axe finds no serious
 * or critical violation, and at 390 px nothing is wider than the viewport. A clinician sees no
 * compliance navigation and is refused the pages.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertFitsViewport, axeSeriousOrCritical, CHROMIUM, launchChromium, pageIn, totpCode, totpStepAfter, withPageText } from './console-browser.js';
import { ADMIN, CLINICIAN, OFFICER, WorkHospital, type Person } from './console-work-fixtures.js';
import { testContext } from './fixtures.js';
import { contextOf, makeUser } from './patients-fixtures.js';
import { imageBytes, releaseInput, streamOf } from '../updates/testing/release-fixtures.js';

interface Signed extends Person {
  readonly secret: string;
}

let hospital: WorkHospital;
let browser: Browser | undefined;
let admin: Signed;
let officer: Signed;
let clinician: Signed;
/** When each person's last TOTP code was used (codes are single use: wait for the next step). */
const lastCode = new Map<string, number>();
/** Two firmware campaigns waiting for approval (a firmware-rollout change targets a campaign). */
const campaigns: string[] = [];
let campaignOrg = '';

async function freshCode(who: Signed): Promise<string> {
  const used = lastCode.get(who.id);
  const at = used === undefined ? Date.now() : await totpStepAfter(used);
  lastCode.set(who.id, at);
  return totpCode(who.secret, at);
}

async function enrol(token: string): Promise<string> {
  const totp = await hospital.api.call<{ secret: string }>('POST', '/api/v1/me/mfa/totp/setup', { bearer: token });
  await hospital.api.call('POST', '/api/v1/me/mfa/totp/confirm', { bearer: token, body: { code: totpCode(totp.secret) } });
  return totp.secret;
}

async function invite(who: { username: string; displayName: string; password: string }, role: string): Promise<Signed> {
  const invited = await hospital.api.call<{ user: { id: string }; oneTimePassword: string }>('POST', '/api/v1/users', { bearer: admin.token, body: { username: who.username, displayName: who.displayName, roles: [role] } });
  const first = await hospital.api.call<{ token: string }>('POST', '/api/v1/auth/login', { body: { username: who.username, password: invited.oneTimePassword, mode: 'bearer' } });
  const changed = await hospital.api.call<{ state: string }>('POST', '/api/v1/auth/password', { bearer: first.token, body: { currentPassword: invited.oneTimePassword, newPassword: who.password } });
  const secret = changed.state === 'mfa-enrollment-required' ? await enrol(first.token) : '';
  return { id: invited.user.id, token: first.token, secret };
}

before(async () => {
  hospital = await WorkHospital.start();
  if (!existsSync(CHROMIUM)) return;
  browser = await launchChromium();
  await hospital.setupByApi();
  const login = await hospital.api.call<{ token: string; session: { user: { id: string; orgId: string } } }>('POST', '/api/v1/auth/login', { body: { username: ADMIN.username, password: ADMIN.password, mode: 'bearer' } });
  admin = { id: login.session.user.id, token: login.token, secret: '' };
  admin = { ...admin, secret: await enrol(login.token) };
  lastCode.set(admin.id, Date.now());
  officer = await invite(OFFICER, 'security-officer');
  lastCode.set(officer.id, Date.now());
  clinician = await invite(CLINICIAN, 'clinician');
  const image = await hospital.platform.updates.releases.uploadImage(testContext, 'pulse-cc', streamOf(imageBytes(256)));
  await hospital.platform.updates.releases.publish(testContext, releaseInput({ model: 'pulse-cc', sha256: image.sha256, version: '1.0.0' }));
  campaignOrg = login.session.user.orgId;
  const owner = contextOf(makeUser(login.session.user.orgId, ['org-admin'], 'campaign-owner'));
  for (const priority of [1, 2]) campaigns.push((await hospital.platform.updates.rollouts.create(owner, { model: 'pulse-cc', version: '1.0.0', priority })).id);
  // One full audit: nothing is backed up and nobody has training, so there are findings.
  await hospital.api.call('POST', '/api/v1/compliance/audits', { bearer: admin.token, body: { cadence: 'full' } });
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

async function axe(page: Page, name: string, found: string[]): Promise<void> {
  found.push(...(await axeSeriousOrCritical(page, name)).violations);
}


/** Polls a condition read through Playwright's locators (CSP-safe) until it holds, or fails after 10 s. */
/** Picks an option of a filter bar's select (a Mantine combobox: open it, click the option). */
async function choose(page: Page, label: string, option: string | RegExp): Promise<void> {
  await page.getByRole('combobox', { name: label }).click();
  await page.getByRole('option', { name: option, exact: typeof option === 'string' }).click();
}

async function until(what: string, holds: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await holds())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('fail/a clinician sees no compliance navigation and is refused the pages', { timeout: 60_000 }, async (t) => {
  if (skipWithoutBrowser(t) || browser === undefined) return;
  const { context, page } = await pageIn(await hospital.contextFor(browser, clinician));
  try {
    await page.goto('/');
    await page.getByRole('navigation').first().waitFor();
    assert.equal(await page.getByRole('link', { name: 'Compliance' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Changes' }).count(), 0);
    await page.goto('/compliance');
    await page.getByRole('heading', { name: 'Access denied' }).waitFor();
    await page.goto('/changes');
    await page.getByRole('heading', { name: 'Access denied' }).waitFor();
  } catch (error) {
    throw await withPageText(page, error);
  } finally {
    await context.close();
  }
});

test('ok/audits and findings: runs listed, filter by severity and check, suppress with reason/owner/expiry, a mitigation action', { timeout: 120_000 }, async (t) => {
  if (skipWithoutBrowser(t) || browser === undefined) return;
  const { context, page, errors } = await pageIn(await hospital.contextFor(browser, admin));
  try {
    await page.goto('/');
    await page.getByRole('link', { name: 'Compliance' }).click();
    await page.getByRole('heading', { name: 'Security audits & findings' }).waitFor();
    assert.ok((await page.getByTestId('audit-runs').locator('tbody tr').count()) >= 1);
    const findings = page.getByTestId('findings');
    await findings.waitFor();
    const all = await findings.locator('tbody tr').count();
    assert.ok(all >= 2, 'the seeded platform has open findings');

    await choose(page, 'Severity', 'high');
    // Polled from the test side: a string predicate would be eval'd in the page, which its CSP refuses.
    await until('only high findings listed', async () => {
      const severities = await page.locator('[data-testid=findings] tbody tr > :nth-child(2)').allInnerTexts();
      return (severities.length > 0 && severities.every((text) => text.trim() === 'high')) || (await page.getByText('No finding matches.').count()) > 0;
    });
    assert.match(page.url(), /[?&]severity=high\b/, 'the filter is in the URL');
    await page.reload();
    assert.equal(await page.getByRole('combobox', { name: 'Severity' }).inputValue(), 'high', 'a reload keeps the filter');
    await choose(page, 'Severity', 'any');
    await choose(page, 'Check', /^PLT-BACKUP-RECENT:/);
    await until('only the PLT-BACKUP-RECENT finding listed', async () => {
      const rows = await page.locator('[data-testid=findings] tbody tr').allInnerTexts();
      return rows.length === 1 && (rows[0] ?? '').includes('PLT-BACKUP-RECENT');
    });

    // Suppress it: it leaves the open list and is listed as suppressed with its owner and reason.
    await page.getByRole('button', { name: 'Suppress…' }).click();
    const form = page.getByRole('form', { name: /Suppress finding PLT-BACKUP-RECENT/ });
    await form.getByLabel('Reason').fill('backup target ordered, arrives next week');
    await form.getByLabel('Owner').fill('it-ops');
    await form.getByRole('button', { name: 'Suppress' }).click();
    await page.getByText('No finding matches.').waitFor();
    await choose(page, 'Status', 'suppressed');
    await findings.getByText('it-ops: backup target ordered, arrives next week').waitFor();

    // A mitigation action from the clinician's lapsed-training finding: disable the user.
    await choose(page, 'Status', 'open');
    await choose(page, 'Check', /^PPL-TRAINING-LAPSED:/);
    const row = findings.locator('tbody tr', { hasText: clinician.id });
    await row.getByRole('combobox').selectOption('disable-user');
    await row.getByRole('button', { name: 'Run' }).click();
    await findings.locator('tbody tr', { hasText: clinician.id }).waitFor({ state: 'detached' });
    const users = await hospital.api.call<{ users: Array<{ id: string; status: string }> }>('GET', '/api/v1/users', { bearer: admin.token });
    assert.equal(users.users.find((u) => u.id === clinician.id)?.status, 'disabled', 'the action went through identity');
    assert.deepEqual(errors, []);
  } catch (error) {
    throw await withPageText(page, error);
  } finally {
    await context.close();
  }
});

test('ok/risk register: a 5x5 heat map whose counts add up to the register; a cell filters the table; exports offered', { timeout: 60_000 }, async (t) => {
  if (skipWithoutBrowser(t) || browser === undefined) return;
  const { context, page, errors } = await pageIn(await hospital.contextFor(browser, officer));
  try {
    await page.goto('/compliance/risks');
    await page.getByRole('heading', { name: 'Risk register' }).waitFor();
    const cells = page.getByTestId('risk-heatmap').getByRole('button');
    assert.equal(await cells.count(), 25);
    const labels = await cells.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    const counts = labels.map((l) => Number(/: (\d+) risk/.exec(l)?.[1] ?? 'NaN'));
    const rows = await page.getByTestId('risks').locator('tbody tr').count();
    assert.equal(counts.reduce((a, b) => a + b, 0), rows, 'every risk is in exactly one cell');
    assert.ok(rows >= 5, 'seeded from THREAT_MODEL.md');
    const busiest = counts.indexOf(Math.max(...counts));
    await cells.nth(busiest).click();
    assert.equal(await cells.nth(busiest).getAttribute('aria-pressed'), 'true');
    assert.equal(await page.getByTestId('risks').locator('tbody tr').count(), counts[busiest]);
    assert.equal(await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href'), '/api/v1/risks/export?format=csv');
    assert.deepEqual(errors, []);
  } catch (error) {
    throw await withPageText(page, error);
  } finally {
    await context.close();
  }
});

test('ok/change requests: requested with MFA, the requester cannot approve, a wrong code is refused, a second person approves; an emergency change is reviewed', { timeout: 180_000 }, async (t) => {
  if (skipWithoutBrowser(t) || browser === undefined) return;
  const requester = await pageIn(await hospital.contextFor(browser, admin));
  const approver = await pageIn(await hospital.contextFor(browser, officer));
  const { page } = requester;
  try {
    await page.goto('/');
    await page.getByRole('link', { name: 'Changes' }).click();
    await page.getByRole('heading', { name: 'Change requests' }).waitFor();
    const form = page.getByRole('form', { name: 'Request a change' });
    const request = async (summary: string, emergency: boolean, campaignId: string) => {
      await form.getByLabel('Kind').selectOption('firmware-rollout');
      await form.getByLabel('Target').fill(campaignId);
      await form.getByLabel('Payload (JSON)').fill('{"percent": 10}');
      await form.getByLabel('Summary').fill(summary);
      await form.getByLabel(/Emergency change/).setChecked(emergency);
      await form.getByLabel('Your authenticator code').fill(await freshCode(admin));
      await form.getByRole('button', { name: 'Request' }).click();
      await page.getByTestId('changes').locator('tbody tr', { hasText: summary }).waitFor();
    };
    await request('roll release 2026-12 out to ward 3 monitors', false, campaigns[0] ?? '');
    const mine = page.getByTestId('changes').locator('tbody tr', { hasText: 'ward 3 monitors' });
    await mine.getByText("Needs another person's approval.").waitFor();
    assert.equal(await mine.getByRole('button', { name: 'Approve' }).count(), 0, 'the requester is not offered approval');

    const other = approver.page;
    await other.goto('/changes');
    const theirs = other.getByTestId('changes').locator('tbody tr', { hasText: 'ward 3 monitors' });
    await theirs.getByLabel('Your code').fill('000000');
    await theirs.getByRole('button', { name: 'Approve' }).click();
    await theirs.getByRole('alert').waitFor();
    await theirs.getByLabel('Your code').fill(await freshCode(officer));
    await theirs.getByRole('button', { name: 'Approve' }).click();
    // The firmware-rollout change's applier starts the campaign it targets.
    await other.getByTestId('changes').locator('tbody tr', { hasText: 'ward 3 monitors' }).getByText(/^applied$/).waitFor();
    assert.equal((await hospital.platform.updates.rollouts.status(testContext, campaigns[0] ?? '', campaignOrg)).campaign.status, 'running');

    await request('emergency rollout: a dosing bug in release 2026-11', true, campaigns[1] ?? '');
    await other.reload();
    const emergency = other.getByTestId('changes').locator('tbody tr', { hasText: 'dosing bug' });
    await emergency.getByText(/review due/).waitFor();
    await emergency.getByLabel('Your code').fill(await freshCode(officer));
    await emergency.getByRole('button', { name: 'Review' }).click();
    await other.getByTestId('changes').locator('tbody tr', { hasText: 'dosing bug' }).getByText(/reviewed by user:/).waitFor();
    assert.deepEqual([...requester.errors, ...approver.errors], []);
  } catch (error) {
    throw await withPageText(page, error);
  } finally {
    await requester.context.close();
    await approver.context.close();
  }
});

test('ok/compliance report: generated and signed, its signature verified in the page; one changed byte is not valid', { timeout: 120_000 }, async (t) => {
  if (skipWithoutBrowser(t) || browser === undefined) return;
  const { context, page, errors } = await pageIn(await hospital.contextFor(browser, admin));
  try {
    await page.goto('/compliance/report');
    await page.getByRole('heading', { name: 'Compliance report' }).waitFor();
    await page.getByRole('button', { name: 'Generate the report now' }).click();
    await page.getByTestId('report-controls').waitFor({ timeout: 60_000 });
    assert.ok((await page.getByTestId('report-controls').locator('tbody tr').count()) >= 20);
    await page.getByRole('button', { name: 'Verify the report shown' }).click();
    await page.getByTestId('report-verdict').getByText('Signature valid').waitFor();
    const file = await hospital.api.call<Record<string, unknown>>('GET', '/api/v1/compliance/report?format=json', { bearer: admin.token });
    // One byte of the signed payload changed (the envelope stays canonical): "met" -> "mEt".
    const payload = String(file['payload']);
    const changed = payload.replace('"met"', '"mEt"');
    assert.notEqual(changed, payload);
    const text = JSON.stringify({ ...file, payload: changed });
    await page.getByLabel('Report file (HTML, JSON or PDF)').setInputFiles({ name: 'tampered.json', mimeType: 'application/json', buffer: Buffer.from(text) });
    await page.getByTestId('report-verdict').getByText('Signature NOT valid').waitFor();
    assert.deepEqual(errors, []);
  } catch (error) {
    throw await withPageText(page, error);
  } finally {
    await context.close();
  }
});

test('ok/every compliance page: axe finds no serious or critical violation; at 390 px nothing is wider than the viewport', { timeout: 180_000 }, async (t) => {
  if (skipWithoutBrowser(t) || browser === undefined) return;
  const found: string[] = [];
  for (const width of [1200, 390]) {
    const { context, page, errors } = await pageIn(await hospital.contextFor(browser, admin, { width, height: 900 }));
    try {
      for (const [path, heading] of [['/compliance', 'Security audits & findings'], ['/compliance/risks', 'Risk register'], ['/changes', 'Change requests'], ['/compliance/report', 'Compliance report']] as const) {
        await page.goto(path);
        await page.getByRole('heading', { name: heading, exact: true }).waitFor();
        await page.waitForLoadState('networkidle');
        if (width === 390) await assertFitsViewport(page, `${path} at 390 px`);
        else await axe(page, path, found);
      }
      assert.deepEqual(errors, []);
    } catch (error) {
      throw await withPageText(page, error);
    } finally {
      await context.close();
    }
  }
  assert.deepEqual(found, [], 'no serious or critical accessibility violation');
});
