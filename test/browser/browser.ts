// Debian's Chromium driven by playwright-core, for the dashboard's tests and screenshots: a
// browser per test (closed when it ends), logged in through the URL `corral dashboard --no-open`
// prints, with every uncaught error of the page collected.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { CliEnv } from '../helpers/cli.js';

/** The Chromium the tests drive: $CORRAL_CHROMIUM, else Debian's. */
export const CHROMIUM: string = process.env.CORRAL_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or null when they can. */
export function noBrowser(): string | null {
  return existsSync(CHROMIUM)
    ? null
    : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CORRAL_CHROMIUM)`;
}

/** A headless Chromium, closed when `t` ends (root has no sandbox to run in). */
export async function launch(t: TestContext | null): Promise<Browser> {
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  const browser = await chromium.launch({ executablePath: CHROMIUM, args, headless: true });
  t?.after(() => browser.close());
  return browser;
}

/**
 * A page logged into the home's dashboard through `corral dashboard --no-open`; `errors` collects
 * the page's uncaught errors, `requests` every request it makes (`GET /v1/services`).
 */
export async function openDashboard(
  c: CliEnv,
  browser: Browser,
  viewport = { width: 1440, height: 900 },
): Promise<{ page: Page; errors: string[]; origin: string; requests: string[] }> {
  const r = await c.corral(['dashboard', '--no-open']);
  assert.equal(r.code, 0, `corral dashboard failed:\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stdout, got:\n${r.stdout}`);
  const url = new URL(lines[0]);
  assert.equal(url.pathname, '/login');
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const requests: string[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    requests.push(`${r.method()} ${u.pathname}`);
  });
  await page.goto(url.href);
  assert.equal(page.url(), `${url.origin}/`, 'the login lands on the dashboard');
  return { page, errors, origin: url.origin, requests };
}

/** The row of process `name` in the table (found by its row header, the first cell). */
export function row(page: Page, name: string): ReturnType<Page['locator']> {
  return page.locator('tbody tr.row', { has: page.getByRole('rowheader', { name, exact: true }) });
}
