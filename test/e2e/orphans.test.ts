// No services left behind: with the daemon SIGKILLed while services run, `down` and `daemon stop`
// find this home's services and stop them (reverse dependency order, stop signal and timeout, then
// SIGKILL), their last output reaches the logs, and the FIFO keeper goes once nothing is left.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { type CliEnv, homeFor, killDaemon, psJson, upProject } from '../helpers/cli.js';
import { fixture, pidsWithEnv } from '../helpers/home.js';
import { isGone } from '../helpers/proc.js';
import { waitFor } from '../helpers/wait.js';

const node = process.execPath;

// a service that writes its name to ORDER when SIGTERM comes, says so on stdout, and exits 0
const SCRIPT =
  "const [n,f]=process.argv.slice(1);process.on('SIGTERM',()=>{require('fs').appendFileSync(f,n+'\\n');" +
  "process.stdout.write(n+' got SIGTERM\\n');process.exit(0)});setInterval(()=>{},1e9);process.stdout.write(n+' ready\\n')";

/** db <- api (api depends on db), and stubborn (ignores SIGTERM, stop timeout 300 ms). */
function shop(order: string): string {
  const svc = (name: string): string => JSON.stringify([node, '-e', SCRIPT, name, order]);
  return `name: shop
services:
  db:
    command: ${svc('db')}
  api:
    command: ${svc('api')}
    depends_on: { db: started }
  stubborn:
    command: ["${node}", "${fixture('ignore-sigterm.mjs')}"]
    stop: { timeout: 300ms }
`;
}

/** The live FIFO keepers of the home. */
function keepers(c: CliEnv): number[] {
  const marker = `CORRAL_HOME=${c.env.CORRAL_HOME}\0`;
  return pidsWithEnv('CORRAL_FIFO_KEEPER', '1').filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'latin1').includes(marker) && !isGone(pid);
    } catch {
      return false;
    }
  });
}

/** Pids of the services once all three run. */
async function runningPids(c: CliEnv): Promise<Record<string, number>> {
  const rows = await waitFor(
    async () => {
      const r = await psJson(c);
      return r.length === 3 && r.every((p) => p.state === 'running' && p.pid !== null) ? r : null;
    },
    { what: 'db, api and stubborn to run' },
  );
  return Object.fromEntries(rows.map((r) => [r.service as string, r.pid as number]));
}

describe('no daemon, services still running', () => {
  test('down stops them in reverse dependency order (SIGKILL after the stop timeout), forgets the project, and the keeper goes', async (t) => {
    const c = homeFor(t);
    const orderFile = join(c.projectDir, 'order.txt');
    c.writeConfig(shop(orderFile));
    const applied = await c.corral(['up', '--wait']);
    assert.equal(applied.code, 0, applied.stderr);
    const pids = await runningPids(c);
    assert.ok(keepers(c).length > 0, 'a FIFO keeper holds the log FIFOs');
    await killDaemon(c);

    const down = await c.corral(['down']);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stderr, new RegExp(`shop/api:0 \\(pid ${pids.api}\\): stopped`));
    assert.match(down.stderr, new RegExp(`shop/db:0 \\(pid ${pids.db}\\): stopped`));
    assert.match(
      down.stderr,
      new RegExp(`shop/stubborn:0 \\(pid ${pids.stubborn}\\): killed with SIGKILL after its stop timeout`),
    );
    assert.match(down.stderr, /shop: stopped 3 running processes \(no daemon was running\); removed/);

    for (const [name, pid] of Object.entries(pids)) assert.ok(isGone(pid), `${name} (pid ${pid}) is gone`);
    assert.equal(readFileSync(orderFile, 'utf8'), 'api\ndb\n', 'api (the dependent) stopped before db');
    const logs = join(c.env.CORRAL_HOME!, 'logs', 'shop');
    assert.match(
      readFileSync(join(logs, 'api.log'), 'utf8'),
      /api got SIGTERM/,
      'the last output reached the log',
    );
    assert.deepEqual(keepers(c), [], 'no FIFO keeper is left: nothing is left to keep');
    for (const file of ['state.json', 'projects.json']) {
      const path = join(c.env.CORRAL_HOME!, file);
      // state.json is written a moment after a change: a daemon killed that early left none
      if (file === 'state.json' && !existsSync(path)) continue;
      assert.doesNotMatch(readFileSync(path, 'utf8'), /"shop"/, `${file} no longer has the project`);
    }
    const events = readFileSync(join(c.env.CORRAL_HOME!, 'events.jsonl'), 'utf8');
    assert.match(events, /"type":"stopped","project":"shop","service":"api".*"reason":"stopped-by-user"/);
    assert.match(
      events,
      /"type":"stopped","project":"shop","service":"stubborn".*"reason":"killed-after-timeout"/,
    );

    // the next daemon finds nothing to run
    const ps = await c.corral(['ps', '--json']);
    assert.equal(ps.code, 0, ps.stderr);
    assert.deepEqual(JSON.parse(ps.stdout), []);
  });

  test('daemon stop stops every service of the home and keeps the project, recorded as stopped: the next daemon starts none', async (t) => {
    const c = await upProject(t, shop('/dev/null'));
    const pids = await runningPids(c);
    await killDaemon(c);

    const stop = await c.corral(['daemon', 'stop']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stderr, /No daemon was running: stopped 3 processes of /);
    for (const [name, pid] of Object.entries(pids)) assert.ok(isGone(pid), `${name} (pid ${pid}) is gone`);
    assert.deepEqual(keepers(c), [], 'no FIFO keeper is left');

    const ps = await c.corral(['ps', '--json']);
    assert.equal(ps.code, 0, ps.stderr);
    const rows = JSON.parse(ps.stdout) as Array<{
      name: string;
      state: string;
      pid: number | null;
      restarts: number;
    }>;
    assert.deepEqual(
      rows.map((r) => [r.name, r.state, r.pid, r.restarts]).sort(),
      [
        ['shop/api:0', 'stopped', null, 0],
        ['shop/db:0', 'stopped', null, 0],
        ['shop/stubborn:0', 'stopped', null, 0],
      ],
      'the project is kept, every process stopped, none started again',
    );
  });

  test('daemon stop --keep-services names what runs, with pids, and leaves it running', async (t) => {
    const c = await upProject(t, shop('/dev/null'));
    const pids = await runningPids(c);
    await killDaemon(c);

    const stop = await c.corral(['daemon', 'stop', '--keep-services']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stderr, /No daemon is running\. These services of .* run on without one: /);
    for (const [name, pid] of Object.entries(pids)) {
      assert.match(stop.stderr, new RegExp(`shop/${name}:0 \\(pid ${pid}\\)`));
      assert.ok(!isGone(pid), `${name} still runs`);
    }
    assert.ok(keepers(c).length > 0, 'the keeper stays: there is something to keep');
  });

  // A project of one service, `brief` (restart: always), running `node -e SCRIPT`, which prints
  // "ready" once it is; returns its row once it runs.
  const upBrief = async (t: TestContext, script: string) => {
    const c = await upProject(
      t,
      `name: shop\nservices:\n  brief:\n    command: ${JSON.stringify([node, '-e', script])}\n    restart: always\n    ready: { log: ready }\n`,
    );
    const [row] = await waitFor(
      async () => {
        const r = await psJson(c);
        return r[0]?.state === 'running' ? r : null;
      },
      { what: 'brief to run' },
    );
    return { c, row: row! };
  };

  test('daemon stop with nothing left running: what waited in a FIFO reaches the log, the keeper goes, and the next daemon restarts nothing', async (t) => {
    // exits 3 on SIGUSR2, after a last line; restart: always would start it again
    const script =
      "process.on('SIGUSR2',()=>{process.stdout.write('last words\\n');process.exit(3)});" +
      "setInterval(()=>{},1e9);process.stdout.write('ready\\n')";
    const { c, row } = await upBrief(t, script);
    await killDaemon(c);
    process.kill(row.pid!, 'SIGUSR2');
    await waitFor(() => isGone(row.pid!), { what: 'brief to exit while no daemon runs' });
    const log = join(c.env.CORRAL_HOME!, 'logs', 'shop', 'brief.log');
    assert.doesNotMatch(readFileSync(log, 'utf8'), /last words/, 'the line waits in the FIFO');
    assert.ok(keepers(c).length > 0, 'the keeper holds it');

    const stop = await c.corral(['daemon', 'stop']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stderr, /^No daemon is running\.$/m);
    assert.match(readFileSync(log, 'utf8'), /last words/, 'the line reached the log');
    assert.deepEqual(keepers(c), [], 'no FIFO keeper is left: nothing is left to keep');

    const ps = await c.corral(['ps', '--json']);
    assert.equal(ps.code, 0, ps.stderr);
    const [after] = JSON.parse(ps.stdout) as Array<{ state: string; pid: number | null; restarts: number }>;
    assert.deepEqual([after.state, after.pid, after.restarts], ['stopped', null, 0], 'not started again');
  });

  test('daemon stop with no daemon, its snapshot older than the journal: the next daemon still restarts nothing', async (t) => {
    const script =
      "process.on('SIGUSR2',()=>process.exit(3));setInterval(()=>{},1e9);process.stdout.write('ready\\n')";
    const { c, row } = await upBrief(t, script);
    await killDaemon(c);
    // as if the daemon was killed before its last snapshot: state.json says `starting` and stands
    // where the journal was before the `ready` event (which the next daemon would then replay)
    const home = c.env.CORRAL_HOME!;
    const journal = readFileSync(join(home, 'events.jsonl'), 'utf8');
    const at = journal.lastIndexOf('"type":"ready"');
    assert.ok(at > 0, 'the journal has the ready event');
    const lineStart = Buffer.byteLength(journal.slice(0, journal.lastIndexOf('\n', at) + 1));
    const statePath = join(home, 'state.json');
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    state.journal.offset = lineStart;
    for (const rec of state.processes) if (rec.pid === row.pid) rec.state = 'starting';
    writeFileSync(statePath, JSON.stringify(state));
    process.kill(row.pid!, 'SIGUSR2');
    await waitFor(() => isGone(row.pid!), { what: 'brief to exit while no daemon runs' });

    const stop = await c.corral(['daemon', 'stop']);
    assert.equal(stop.code, 0, stop.stderr);
    const ps = await c.corral(['ps', '--json']);
    assert.equal(ps.code, 0, ps.stderr);
    const [after] = JSON.parse(ps.stdout) as Array<{ state: string; pid: number | null; restarts: number }>;
    assert.deepEqual([after.state, after.pid, after.restarts], ['stopped', null, 0], 'not started again');
  });
});
