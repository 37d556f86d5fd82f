// The web dashboard in a real browser (Debian's Chromium through playwright-core) against a real
// daemon on its TCP listener: log in through the URL `corral dashboard --no-open` prints, restart
// a process from its row and see its pid change, stop a service after confirming (and not after
// cancelling), send a signal, move with the keyboard, filter and sort, open a process's logs and
// search them, read the event timeline, stop the whole project; with 1,000 processes, the frame
// times while scrolling and filtering.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { homeFor, upProject, waitForState } from '../helpers/cli.js';
import { daemonEvents, services, waitForRow, waitUntil } from '../helpers/daemon-api.js';
import { fixture } from '../helpers/home.js';
import { waitFor } from '../helpers/wait.js';
import { launch, noBrowser, openDashboard, row } from './browser.js';

const node = process.execPath;
const skip = noBrowser() ?? false;

const SHOP = `
name: shop
services:
  api:
    command: [${node}, ${fixture('forever.mjs')}]
    instances: 2
  worker:
    command: [${node}, ${fixture('forever.mjs')}]
  talk:
    command: ["/bin/sh", "-c", "i=0; while true; do i=$((i+1)); echo line $i; [ $((i % 5)) = 0 ] && echo needle $i; sleep 0.05; done"]
`;

test('restart from a row, stop a service after confirming, signal, keyboard, filter, search logs', {
  skip,
}, async (t) => {
  const c = await upProject(t, SHOP);
  const browser = await launch(t);
  const { page, errors, requests } = await openDashboard(c, browser);

  // the table: one row per process, the name in its first cell, the state as a word
  for (const name of ['shop/api:0', 'shop/api:1', 'shop/worker:0', 'shop/talk:0']) {
    await row(page, name).getByText('running', { exact: true }).waitFor();
  }
  assert.equal(await page.getByRole('rowheader').count(), 4);

  // Restart on a row: the row shows the new pid, the one the daemon reports
  const before = (await services(c)).find((p) => p.name === 'shop/api:0')!.pid!;
  await row(page, 'shop/api:0').locator('td.num').first().getByText(String(before)).waitFor();
  await row(page, 'shop/api:0').getByRole('button', { name: 'Restart', exact: true }).click();
  const after = await waitForRow(
    c,
    (p) => p.name === 'shop/api:0' && p.pid !== before && p.state === 'running',
  );
  await row(page, 'shop/api:0').locator('td.num').first().getByText(String(after.pid)).waitFor();

  // Stop asks first: cancelled, nothing is stopped
  await row(page, 'shop/api:1').getByRole('button', { name: 'Stop', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('Stop shop/api:1?').waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });

  // a service's stop, from the detail of one of its processes, confirmed in the dialog
  await row(page, 'shop/worker:0').getByRole('rowheader').getByRole('button').click();
  await page
    .getByRole('group', { name: 'Service shop/worker' })
    .getByRole('button', { name: 'Stop', exact: true })
    .click();
  await dialog.getByText('Stop every process of service shop/worker?').waitFor();
  await dialog.getByRole('button', { name: 'Stop', exact: true }).click();
  await waitForState(c, 'shop/worker:0', 'stopped');
  await row(page, 'shop/worker:0').getByText('stopped', { exact: true }).waitFor();
  const stoppedApi = (await daemonEvents(c, 'api')).filter((e) => e.type === 'stopping' && e.instance === 1);
  assert.deepEqual(stoppedApi, [], 'the cancelled stop stopped nothing');
  assert.equal((await services(c)).find((p) => p.name === 'shop/api:1')?.state, 'running');

  // a signal from the detail: SIGTERM ends forever.mjs, which its policy restarts
  const signalled = (await services(c)).find((p) => p.name === 'shop/api:1')!.pid!;
  await row(page, 'shop/api:1').getByRole('rowheader').getByRole('button').click();
  await page.getByRole('group', { name: 'Send a signal' }).getByLabel('Signal').selectOption('SIGTERM');
  await page.getByRole('button', { name: 'Send to process' }).click();
  await waitForRow(c, (p) => p.name === 'shop/api:1' && p.pid !== signalled && p.state === 'running');

  // the keyboard: arrows move the selection (and the focus) through the rows; / goes to the filter
  await row(page, 'shop/api:1').getByRole('rowheader').getByRole('button').focus();
  await page.keyboard.press('ArrowUp');
  await waitFor(async () => (await page.locator('#detail h2').textContent()) === 'shop/api:0', {
    what: 'the detail of the process above',
  });
  assert.equal(await page.evaluate('document.activeElement.textContent'), 'shop/api:0');
  await page.keyboard.press('/');
  assert.equal(await page.evaluate('document.activeElement.id'), 'filter');

  // filter: by name, then by state
  await page.getByLabel('Filter').fill('talk');
  await waitFor(async () => (await page.getByRole('rowheader').count()) === 1, { what: 'one row for talk' });
  assert.equal(await page.getByRole('rowheader').textContent(), 'shop/talk:0');
  await page.getByLabel('Filter').fill('');
  await page.getByLabel('State').selectOption('stopped');
  await waitFor(
    async () => (await page.getByRole('rowheader').allTextContents()).join() === 'shop/worker:0',
    {
      what: 'only the stopped process',
    },
  );
  await page.getByLabel('State').selectOption('');

  // sort: Name again reverses the order; Restarts orders by the daemon's counts
  const names = (): Promise<string[]> => page.getByRole('rowheader').allTextContents();
  await page.getByRole('button', { name: 'Name', exact: true }).click();
  await waitFor(async () => (await names())[0] === 'shop/worker:0', { what: 'names in reverse' });
  assert.deepEqual(await names(), ['shop/worker:0', 'shop/talk:0', 'shop/api:1', 'shop/api:0']);
  assert.equal(
    await page.getByRole('columnheader', { name: 'Name' }).getAttribute('aria-sort'),
    'descending',
  );
  await page.getByRole('button', { name: 'Restarts', exact: true }).click();
  const byRestarts = (await services(c))
    .sort((a, b) => a.restarts - b.restarts || a.name.localeCompare(b.name))
    .map((p) => p.name);
  await waitFor(async () => (await names()).join() === byRestarts.join(), {
    what: `the order by restarts, ${byRestarts.join(', ')}`,
  });
  await page.getByRole('button', { name: 'Name', exact: true }).click();

  // logs: live, then searched; every line shown has the word, marked
  await row(page, 'shop/talk:0').getByRole('rowheader').getByRole('button').click();
  await page.getByRole('tab', { name: 'Logs' }).click();
  await page.getByRole('heading', { name: 'Logs of shop/talk:0' }).waitFor();
  const log = page.getByRole('log');
  await log
    .getByText(/^line \d+$/)
    .first()
    .waitFor();
  const firstCount = await log.locator('.log-line').count();
  await waitFor(async () => (await log.locator('.log-line').count()) > firstCount, {
    what: 'new lines, live',
  });
  await page.getByLabel('Search').fill('needle');
  await waitFor(
    async () => {
      const shown = await log.locator('.log-line').allTextContents();
      return shown.length > 0 && shown.every((l) => /^needle \d+$/.test(l));
    },
    { what: 'only the lines with needle' },
  );
  assert.ok((await log.locator('mark').count()) > 0, 'the matches are marked');
  assert.match((await page.locator('#log-count').textContent()) ?? '', /^\d+ matching of \d+ lines/);

  // the lines are kept when switching to another process and back
  const kept = await log.locator('.log-line').count();
  await page.getByLabel('Search').fill('');
  await row(page, 'shop/api:0').getByRole('rowheader').getByRole('button').click();
  await waitFor(async () => (await page.locator('#logs-title').textContent()) === 'Logs of shop/api:0');
  await row(page, 'shop/talk:0').getByRole('rowheader').getByRole('button').click();
  await page.getByLabel('Search').fill('needle');
  await waitFor(async () => (await log.locator('.log-line').count()) >= kept, { what: 'the kept lines' });

  // the event timeline: the worker's stop is there, and only the selected process's events when asked
  await page.getByRole('tab', { name: 'Events' }).click();
  const timeline = page.getByRole('list', { name: 'Events, newest first' });
  await timeline.locator('li', { hasText: 'shop/worker:0' }).filter({ hasText: 'stopped' }).first().waitFor();
  await page.getByLabel('Selected process only').check();
  await waitFor(
    async () => {
      const items = await timeline.locator('li').allTextContents();
      return items.length > 0 && items.every((i) => i.includes('shop/talk:0'));
    },
    { what: 'only the events of shop/talk:0' },
  );

  // a project's stop, from the detail, confirmed: every process of it stops
  await page.getByRole('tab', { name: 'Detail' }).click();
  await page
    .getByRole('group', { name: 'Project shop' })
    .getByRole('button', { name: 'Stop', exact: true })
    .click();
  await dialog.getByText('Stop every process of project shop?').waitFor();
  await dialog.getByRole('button', { name: 'Stop', exact: true }).click();
  await waitUntil(c, async () => (await services(c)).every((p) => p.state === 'stopped'), {
    what: 'every process of shop stopped',
  });
  await page.getByLabel('State').selectOption('stopped');
  await waitFor(async () => (await page.getByRole('rowheader').count()) === 4, { what: 'four stopped rows' });

  // live from the event stream: the whole list was read once, then only what events named
  assert.deepEqual(
    requests.filter((r) => r === 'GET /v1/services'),
    ['GET /v1/services'],
  );
  assert.ok(requests.some((r) => r.startsWith('GET /v1/services/shop%2Fapi')));
  assert.deepEqual(errors, [], 'no uncaught error in the page');
});

/** min, median, p95 and max of a list of ms. */
function summary(ms: number[]): { n: number; min: number; median: number; p95: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] * 10) / 10;
  return { n: s.length, min: at(0), median: at(0.5), p95: at(0.95), max: at(1) };
}

test('1,000 processes: scrolling and filtering keep frames short', { skip, timeout: 300_000 }, async (t) => {
  const c = homeFor(t);
  c.writeConfig(`
name: many
services:
  sleeper:
    command: ["sleep", "86400"]
    instances: 1000
`);
  const up = await c.corral(['up', '--no-wait'], { timeoutMs: 120_000 });
  assert.equal(up.code, 0, up.stderr);
  const browser = await launch(t);
  const opened = Date.now();
  const { page, errors } = await openDashboard(c, browser);
  await waitFor(async () => (await page.locator('#count').textContent()) === '1000', {
    timeout: 60_000,
    what: '1,000 rows in the table',
  });
  t.diagnostic(`login to a table of 1,000 processes: ${Date.now() - opened} ms (corral dashboard included)`);
  const drawn = await page.getByRole('rowheader').count();
  assert.ok(drawn < 100, `only the rows in view are in the document (${drawn})`);
  assert.equal(await page.getByRole('table').getAttribute('aria-rowcount'), '1001');

  // frame times: the gap between animation frames while the table scrolls and filters
  // (the page's code as text: this project's TypeScript has no DOM types)
  await page.evaluate(`(() => {
    window.frames_ = [];
    window.stop_ = false;
    window.drawsFrom_ = window.corralDrawTimes.length;
    let last = performance.now();
    const tick = () => {
      const now = performance.now();
      window.frames_.push(now - last);
      last = now;
      if (!window.stop_) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  // while every process restarts: 1,000 restarts' events, each re-read, as the table scrolls
  const restart = c.corral(['restart', 'many'], { timeoutMs: 120_000 });
  await page.locator('#table-scroll').hover();
  for (let i = 0; i < 60; i++) await page.mouse.wheel(0, 600);
  for (let i = 0; i < 30; i++) await page.mouse.wheel(0, -1200);
  await page.keyboard.press('End');
  const filter = page.getByLabel('Filter');
  for (const text of ['s', 'sl', 'sle', 'sleeper:9', 'sleeper:99', 'sleeper:999', '']) {
    await filter.fill(text);
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  }
  await filter.fill('sleeper:99');
  await waitFor(async () => (await page.locator('#count').textContent()) === '11 of 1000', {
    what: 'the filter',
  });
  const { frames, draws } = (await page.evaluate(
    '(window.stop_ = true, { frames: window.frames_.slice(1), draws: window.corralDrawTimes.slice(window.drawsFrom_) })',
  )) as { frames: number[]; draws: number[] };
  const f = summary(frames);
  const d = summary(draws);
  t.diagnostic(
    `frame gaps (ms) while scrolling and filtering 1,000 processes as they restart: ${JSON.stringify(f)}`,
  );
  t.diagnostic(`the page's own draw per frame (ms): ${JSON.stringify(d)}`);
  assert.ok(f.max < 1000, `no frame over 1 s (longest ${f.max} ms)`);
  assert.deepEqual(errors, []);
  assert.equal((await restart).code, 0);
});
