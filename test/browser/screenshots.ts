// Takes the dashboard's screenshots for docs/: 100 processes in two projects (running, starting,
// waiting, in backoff, failed, exited, stopped), with logs and CPU and memory history, in a
// temporary home; then docs/dashboard.png (the table and a process's detail) and
// docs/dashboard-logs.png (its logs, searched). Everything it started is gone when it ends.
// Usage (after npm run build): node dist/test/browser/screenshots.js [DOCS_DIR]
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliEnv } from '../helpers/cli.js';
import { services } from '../helpers/daemon-api.js';
import { REPO_ROOT } from '../helpers/home.js';
import { waitFor } from '../helpers/wait.js';
import { launch, openDashboard } from './browser.js';

const docs = process.argv[2] ?? join(REPO_ROOT, 'docs');
const node = process.execPath;

// A web server's life in its log: requests, now and then a slow one or an error; some CPU.
const APP = `
const i = Number(process.env.CORRAL_INSTANCE ?? 0);
const burn = Number(process.env.BURN_MS ?? 2);
const paths = ['/v1/orders', '/v1/orders/8812', '/v1/cart', '/v1/users/me', '/healthz', '/v1/search?q=boots'];
let n = 0;
process.on('SIGTERM', () => process.exit(0));
console.log('listening on :' + (3000 + i));
setInterval(() => {
  const until = Date.now() + burn * (1 + Math.random() * 2);
  while (Date.now() < until);
  n++;
  const ms = Math.round(3 + Math.random() * 40);
  const path = paths[n % paths.length];
  if (n % 29 === 0) console.error('ERROR upstream payments timed out after 5000ms (' + path + ')');
  else if (n % 11 === 0) console.log('WARN slow query on orders: ' + (400 + ms * 10) + 'ms');
  else console.log('GET ' + path + ' 200 ' + ms + 'ms');
}, 250 + i * 40);
`;

// A shell worker: a loop of some work, a line per batch.
const work = (what: string, loops: number): string =>
  `["/bin/sh", "-c", "n=0; while :; do n=$((n+1)); i=0; while [ $i -lt $((${loops} + CORRAL_INSTANCE * ${Math.ceil(loops / 3)})) ]; do i=$((i+1)); done; echo ${what} batch $n done; sleep 1; done"]`;

const SHOP = `
name: shop
services:
  db:
    command: ["/bin/sh", "-c", "echo 'database system is ready to accept connections'; exec sleep 86400"]
    ready: { log: "ready to accept" }
  cache:
    command: ["/bin/sh", "-c", "echo 'cache warm: 12,408 keys'; exec sleep 86400"]
  api:
    command: [${node}, app.mjs]
    instances: 8
    env: { BURN_MS: "3", DATABASE_PASSWORD: "s3cret" }
    depends_on: { db: ready, cache: started }
  web:
    command: [${node}, app.mjs]
    instances: 4
    env: { BURN_MS: "1" }
    depends_on: { api: started }
    health: { exec: "true", interval: 5s }
  migrate:
    command: ["/bin/sh", "-c", "echo 'applying 3 migrations'; echo 'schema is at version 42'"]
    restart: never
  worker:
    command: ${work('orders', 3000)}
    instances: 6
    depends_on: { migrate: succeeded }
  mailer:
    command: ["/bin/sh", "-c", "echo 'connecting to smtp.internal:25'; sleep 1; echo 'smtp.internal:25: connection refused' >&2; exit 1"]
    backoff: { free: 1, initial: 40s, max: 5m }
  importer:
    command: ["/bin/sh", "-c", "echo 'reading s3://exports/2026-11-30.csv'; echo 'access denied' >&2; exit 2"]
    restart: on-failure
    max_restarts: 2
    backoff: { free: 2 }
  search:
    command: ["/bin/sh", "-c", "exec sleep 86400"]
    ready: { tcp: "127.0.0.1:1", timeout: 60s }
  indexer:
    command: ${work('index', 1000)}
    depends_on: { search: ready }
  report:
    command: ["/bin/sh", "-c", "echo 'monthly report written'"]
    autostart: false
`;

const FLEET = `
name: fleet
services:
  gateway: { command: ${work('route', 2000)}, instances: 6 }
  auth: { command: ${work('token', 500)}, instances: 6 }
  ingest: { command: ${work('ingest', 4000)}, instances: 16 }
  render: { command: ${work('frame', 9000)}, instances: 16 }
  queue: { command: ${work('queue', 800)}, instances: 12 }
  billing: { command: ${work('invoice', 600)}, instances: 6 }
  notify: { command: ${work('push', 300)}, instances: 6 }
  geo: { command: ${work('tile', 1500)}, instances: 6 }
`;

const c = cliEnv();
try {
  const shop = join(c.projectDir, 'shop');
  const fleet = join(c.projectDir, 'fleet');
  mkdirSync(shop);
  mkdirSync(fleet);
  writeFileSync(join(shop, 'app.mjs'), APP);
  writeFileSync(join(shop, 'corral.yaml'), SHOP);
  writeFileSync(join(fleet, 'corral.yaml'), FLEET);
  for (const dir of [shop, fleet]) {
    const up = await c.corral(['up', '--no-wait'], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(up.code, 0, up.stderr);
  }
  await waitFor(async () => (await services(c)).length === 100, { what: '100 processes' });
  const browser = await launch(null);
  try {
    const { page, errors, origin } = await openDashboard(c, browser, { width: 1440, height: 900 });
    // some history for the sparklines (the usage stream samples every 2 s while the page follows it)
    await waitFor(async () => (await services(c)).some((p) => p.state === 'failed'), {
      timeout: 60_000,
      what: 'the importer to give up',
    });
    await page.waitForTimeout(30_000);
    // sorted by state: the processes that want attention first; the one in backoff selected
    await page.getByRole('button', { name: 'State', exact: true }).click();
    await page.goto(`${origin}/#${encodeURIComponent('shop/mailer:0')}`);
    await page.getByText('Restarting in', { exact: false }).waitFor();
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(docs, 'dashboard.png') });
    await page.goto(`${origin}/#${encodeURIComponent('shop/api:0')}`);
    await page.getByRole('tab', { name: 'Logs' }).click();
    await page.getByRole('log').locator('.log-line').first().waitFor();
    await page.getByLabel('Search').fill('order');
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(docs, 'dashboard-logs.png') });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
  console.log(`wrote ${join(docs, 'dashboard.png')} and ${join(docs, 'dashboard-logs.png')}`);
} finally {
  await c.cleanup();
}
