/**
 * Shared helpers for the console's end-to-end tests in Debian's Chromium (playwright-core, no
 * downloaded browser): the launch options, a page that collects script errors and CSP violations,
 * screenshots for the README (VIGIL_SCREENSHOTS=1), axe-core's serious and critical findings,
 * sign-in, TOTP codes, and a small JSON client
 * of the HTTP API for test setup. Imported by tests only.
 */
import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { chromium, request, type APIRequestContext, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run'];
export const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', '..', '..', 'docs', 'images');
export const STEP_TIMEOUT_MS = 15_000;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Screenshots for the README, only when asked for (VIGIL_SCREENSHOTS=1): docs/images/console-<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env['VIGIL_SCREENSHOTS'] !== '1') return;
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `console-${name}.png`), fullPage: true });
}

/**
 * axe-core on the page as it is: its serious or critical violations, each as
 * `<name>: <rule> (<impact>) <first targets>`, and how many rules passed (to show axe ran).
 */
export async function axeSeriousOrCritical(page: Page, name: string): Promise<{ violations: string[]; rulesPassed: number }> {
  const result = await new AxeBuilder({ page }).analyze();
  const violations = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${name}: ${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  return { violations, rulesPassed: result.passes.length };
}

/** A TOTP code (RFC 6238: SHA-1, 6 digits, 30 s) from a base32 secret, at `at` (default now). */
export function totpCode(secret: string, at = Date.now()): string {
  return new TOTP({ secret: Secret.fromBase32(secret.replace(/\s+/g, '')), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: at });
}

/**
 * The time to make the next single-use TOTP code at, after the code made at `usedAt`: the next 30 s
 * step. The server accepts one step either side of its own (RFC 6238 window 1), so the next step is
 * usable at once when it is at most one ahead of now; otherwise this waits until it is. Make the
 * code with `totpCode(secret, at)` and remember `at` as the new `usedAt`.
 */
export async function totpStepAfter(usedAt: number): Promise<number> {
  const nextStep = Math.floor(usedAt / 30_000) + 1;
  const usableFrom = (nextStep - 1) * 30_000 + 250;
  const ms = usableFrom - Date.now();
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  return nextStep * 30_000 + 1;
}

/** A fresh browser context (its own cookies) whose page errors are collected. */
export async function openPage(browser: Browser, base: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, baseURL: base, viewport: { width: 1200, height: 800 }, reducedMotion: 'reduce' });
  return pageIn(context);
}

/** A page of an existing context whose script errors and CSP violations are collected. */
export async function pageIn(context: BrowserContext): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // Chromium logs every non-2xx fetch as "Failed to load resource"; a 401 for "no session yet"
    // and the 403 of a denied page are expected. Script errors and CSP violations are not.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  return { context, page, errors };
}

/** A failed step's error, with what the page showed (the server's error notice, usually). */
export async function withPageText(page: Page, error: unknown): Promise<Error> {
  const shown = await page
    .locator('main')
    .innerText({ timeout: 1000 })
    .catch(() => '(no page text)');
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`${message}\n--- the page at ${page.url()} showed:\n${shown.slice(0, 1500)}`, { cause: error });
}

/**
 * Measured in the page (a script string: the server's compiler has no DOM types): the widest
 * visible element, skipping what is deliberately off screen (visually hidden, the skip link).
 */
const MEASURE_OVERFLOW = `(() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const element of Array.from(document.querySelectorAll('body *'))) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right <= width + 1 && box.left >= -1) continue;
    if (element.closest('.visually-hidden, .skip-link, thead')) continue;
    wide.push(element.tagName.toLowerCase() + '.' + String(element.className) + ' ' + Math.round(box.left) + '..' + Math.round(box.right));
  }
  return { scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5) };
})()`;

/** Nothing on the page is wider than the viewport (no horizontal scrolling, nothing cut off). */
export async function assertFitsViewport(page: Page, where: string): Promise<void> {
  const overflow = (await page.evaluate(MEASURE_OVERFLOW)) as { scroll: number; width: number; wide: string[] };
  assert.ok(overflow.scroll <= overflow.width && overflow.wide.length === 0, `${where}: wider than ${overflow.width}px: scrollWidth ${overflow.scroll}; ${overflow.wide.join(', ')}`);
}

export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}

/** A JSON client of the HTTP API (bearer tokens), for test setup; the answer's status is checked. */
export class ApiSetupClient {
  private constructor(private readonly context: APIRequestContext) {}

  static async open(base: string): Promise<ApiSetupClient> {
    return new ApiSetupClient(await request.newContext({ baseURL: base, ignoreHTTPSErrors: true }));
  }

  async call<T = Record<string, unknown>>(method: string, path: string, options: { body?: unknown; bearer?: string; expect?: readonly number[] } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.bearer !== undefined) headers['authorization'] = `Bearer ${options.bearer}`;
    const response = await this.context.fetch(path, { method, headers, ...(options.body !== undefined ? { data: options.body } : {}) });
    const text = await response.text();
    const expected = options.expect ?? [200, 201, 202, 204];
    assert.ok(expected.includes(response.status()), `${method} ${path} answered ${response.status()}: ${text.slice(0, 500)}`);
    return (text === '' ? {} : JSON.parse(text)) as T;
  }

  /** The status only (for calls expected to fail, such as wrong passwords). */
  async status(method: string, path: string, body?: unknown): Promise<number> {
    const response = await this.context.fetch(path, { method, headers: { accept: 'application/json' }, ...(body !== undefined ? { data: body } : {}) });
    return response.status();
  }

  dispose(): Promise<void> {
    return this.context.dispose();
  }
}
