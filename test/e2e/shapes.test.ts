// What the CLI shows, as a user runs it against a real daemon: the `waiting` state, the one shape
// of --json, inspect, logs prefixes and --since notes, a shell's exit 127, and slow stops.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type CliEnv, homeFor, upProject, waitForState } from '../helpers/cli.js';
import { fixture } from '../helpers/home.js';
import { freePort } from '../helpers/port.js';
import { waitFor } from '../helpers/wait.js';

const node = process.execPath;

/** GET on the home's socket: the body. */
function get(c: CliEnv, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: join(c.env.CORRAL_HOME!, 'corral.sock'), path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('waiting', () => {
  test('a service waiting for a dependency is `waiting` in plain ps, ps --json, inspect and /metrics; a stop ends it', async (t) => {
    const port = await freePort(); // nothing listens there: db never becomes ready
    const c = await upProject(
      t,
      `
name: w
services:
  db:
    command: [${node}, ${fixture('forever.mjs')}]
    ready: { tcp: "127.0.0.1:${port}", timeout: 5m }
  api:
    command: [${node}, ${fixture('forever.mjs')}]
    depends_on: { db: ready }
`,
      { wait: false },
    );
    await waitForState(c, 'w/api:0', 'waiting');
    const ps = await c.corral(['ps']);
    assert.equal(ps.code, 0, ps.stderr);
    assert.match(ps.stdout, /^w\/api:0\s+waiting for db to be ready\s/m);
    const rows = JSON.parse((await c.corral(['ps', '--json'])).stdout) as { name: string; state: string }[];
    assert.equal(rows.find((r) => r.name === 'w/api:0')?.state, 'waiting');
    const inspect = await c.corral(['inspect', 'api']);
    assert.match(inspect.stdout, /state\s+waiting \(waiting for db to be ready\)/);
    const metrics = await get(c, '/metrics');
    assert.match(
      metrics,
      /^corral_process_state\{project="w",service="api",replica="0",state="waiting"\} 1$/m,
    );
    assert.match(
      metrics,
      /^corral_process_state\{project="w",service="api",replica="0",state="stopped"\} 0$/m,
    );

    const stop = await c.corral(['stop', 'api']);
    assert.equal(stop.code, 0, stop.stderr);
    await waitForState(c, 'w/api:0', 'stopped');
  });
});

describe('logs', () => {
  test('logs -f of a multi-instance service keeps each line’s process prefix', async (t) => {
    const c = await upProject(
      t,
      `
name: lf
services:
  w:
    command: [${node}, ${fixture('tick.mjs')}, "100"]
    instances: 2
`,
    );
    const follow = c.spawnCorral(['logs', '-f', '-n', '0', 'w']);
    await waitFor(
      () => /^lf\/w:0 \| tick \d+/m.test(follow.output()) && /^lf\/w:1 \| tick \d+/m.test(follow.output()),
      {
        what: 'lines of both instances, each with its prefix',
      },
    );
    assert.doesNotMatch(follow.output(), /^tick /m, 'no line without its prefix');
  });

  test('--since on a service without timestamps says so on stderr; --json prints one array', async (t) => {
    const c = await upProject(
      t,
      `
name: ls
services:
  plain:
    command: [${node}, ${fixture('tick.mjs')}, "50"]
  stamped:
    command: [${node}, ${fixture('tick.mjs')}, "50"]
    logs: { timestamps: true }
`,
    );
    await waitFor(async () => (await c.corral(['logs', '-n', '1', 'plain'])).stdout.includes('tick'), {
      what: 'a line of plain',
    });
    const plain = await c.corral(['logs', '--since', '5s', 'plain']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(
      plain.stderr,
      /ls\/plain keeps no timestamps \(logs\.timestamps: false\): --since cannot filter/,
    );
    const stamped = await c.corral(['logs', '--since', '5s', 'stamped']);
    assert.doesNotMatch(stamped.stderr, /timestamps/);

    const json = await c.corral(['logs', '-n', '2', '--json', 'plain']);
    assert.equal(json.code, 0, json.stderr);
    const lines = JSON.parse(json.stdout) as { name: string; time: string | null; line: string }[];
    assert.ok(Array.isArray(lines));
    assert.equal(lines.length, 2);
    assert.equal(lines[0]?.name, 'ls/plain:0');
    assert.match(lines[0]?.line ?? '', /^tick \d+/);
  });
});

describe('exit 127 of a shell command', () => {
  test('the state says the program was not found and where to look; check warns beforehand', async (t) => {
    const c = homeFor(t);
    c.writeConfig(`
name: nf
services:
  missing:
    command: nosuchprogram-corral-test --flag
    restart: never
  fine:
    command: exec ${node} ${fixture('forever.mjs')}
`);
    const check = await c.corral(['check']);
    assert.equal(check.code, 0, check.stderr);
    assert.match(
      check.stderr,
      /corral\.yaml:5:14: warning: services\.missing\.command: "nosuchprogram-corral-test" is not an executable program on PATH/,
    );
    assert.doesNotMatch(check.stderr, /services\.fine/);
    assert.equal((await c.corral(['up', '--no-wait'])).code, 0);
    const row = await waitForState(c, 'nf/missing:0', 'exited');
    assert.match(
      String(row.message),
      /^a program of the command was not found \(the shell's exit 127; see corral logs nf\/missing\)/,
    );
  });
});

describe('--json, one shape', () => {
  test('check --json: the definition with the file’s key names; an invalid file’s problems on stdout, exit 2', async (t) => {
    const c = homeFor(t);
    c.writeConfig(`
name: cj
services:
  db:
    command: [${node}, ${fixture('forever.mjs')}]
  api:
    command: [${node}, ${fixture('forever.mjs')}]
    depends_on: { db: started }
    stop: { timeout: 2s }
    env: { camelCase: "1" }
`);
    const ok = await c.corral(['check', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    const project = JSON.parse(ok.stdout) as { name: string; services: Record<string, unknown>[] };
    const api = project.services[1]!;
    assert.deepEqual(api.depends_on, { db: 'started' });
    assert.deepEqual(api.success_codes, [0]);
    assert.deepEqual(api.stop, { signal: 'SIGTERM', timeout_ms: 2000 });
    assert.equal(
      (api.env as Record<string, string>).camelCase,
      '1',
      'the user’s own names are left as they are',
    );
    assert.deepEqual(Object.keys(api.backoff as object), [
      'free',
      'initial_ms',
      'factor',
      'max_ms',
      'reset_after_ms',
    ]);
    const { env: _env, ...rest } = api;
    assert.doesNotMatch(JSON.stringify(rest), /"[a-z]+[A-Z][A-Za-z]*":/, 'no camelCase key outside env');

    c.writeConfig(`
name: cj
services:
  api:
    command: [x]
    restrat: always
`);
    const bad = await c.corral(['check', '--json']);
    assert.equal(bad.code, 2);
    const { problems } = JSON.parse(bad.stdout) as { problems: Record<string, unknown>[] };
    assert.equal(problems.length, 1);
    assert.deepEqual(Object.keys(problems[0]!).sort(), ['col', 'file', 'line', 'message', 'path']);
    assert.equal(problems[0]!.line, 6);
    assert.equal(problems[0]!.path, 'services.api.restrat');
    const text = await c.corral(['check']);
    assert.equal(text.code, 2);
    assert.match(text.stderr, /corral\.yaml:6:5: services\.api\.restrat: /);
    assert.match(text.stderr, /has 1 problem$/m);
    assert.doesNotMatch(text.stderr, /nothing was changed/, 'check never changes anything');
  });

  test('events --json is one array whose events carry `name`; inspect --json uses the file’s key names; kill --json', async (t) => {
    const c = await upProject(
      t,
      `
name: ej
services:
  web:
    command: [${node}, ${fixture('forever.mjs')}]
    max_memory: 1GB
`,
    );
    const events = await c.corral(['events', '--json']);
    assert.equal(events.code, 0, events.stderr);
    const list = JSON.parse(events.stdout) as { type: string; name: string | null }[];
    const spawned = list.find((e) => e.type === 'spawned');
    assert.equal(spawned?.name, 'ej/web:0');
    assert.equal(list.find((e) => e.type === 'config-applied')?.name, null);

    const inspect = JSON.parse((await c.corral(['inspect', 'web', '--json'])).stdout) as {
      definition: Record<string, unknown>;
    };
    assert.equal(inspect.definition.max_memory_bytes, 1024 ** 3);
    assert.equal(inspect.definition.maxMemoryBytes, undefined);

    const again = await c.corral(['up', '--no-wait', '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), {
      project: 'ej',
      created: [],
      changed: [],
      removed: [],
      unchanged: ['web'],
    });

    const kill = await c.corral(['kill', 'web', '-s', 'SIGCONT', '--json']);
    assert.equal(kill.code, 0, kill.stderr);
    assert.deepEqual(JSON.parse(kill.stdout), { signal: 'SIGCONT', sent: ['ej/web:0'] });

    // -s 0, as kill -0: is it alive? nothing is sent
    const [web] = await c
      .corral(['ps', '--json'])
      .then((r) => JSON.parse(r.stdout) as Array<{ pid: number }>);
    const alive = await c.corral(['kill', 'web', '-s', '0']);
    assert.equal(alive.code, 0, alive.stderr);
    assert.match(alive.stderr, new RegExp(`^ej/web:0 \\(pid ${web!.pid}\\) runs$`, 'm'));
    assert.equal((await c.corral(['stop', 'web'])).code, 0);
    const gone = await c.corral(['kill', 'web', '-s', 'SIG0', '--json']);
    assert.equal(gone.code, 1, gone.stderr);
    assert.deepEqual(JSON.parse(gone.stdout), { signal: 0, alive: [] });
  });
});

describe('inspect', () => {
  test('shows env (secrets masked), probes and their last results, log paths, sockets, max_memory and durations as written', async (t) => {
    const port = await freePort();
    const c = await upProject(
      t,
      `
name: in
services:
  web:
    command: exec ${node} ${fixture('http-server.mjs')} ${port}
    env: { MODE: dev, API_TOKEN: hunter2 }
    ready: { http: "http://127.0.0.1:${port}/", interval: 200ms, timeout: 20s }
    health: { tcp: "127.0.0.1:${port}", interval: 1s, timeout: 2s, failures: 3 }
    stop: { timeout: 4s }
    max_memory: 512MB
`,
    );
    const r = await c.corral(['inspect', 'web']);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout;
    assert.match(out, new RegExp(`command\\s+exec ${node.replace(/[/.]/g, '\\$&')} `));
    assert.match(out, /MODE=dev/);
    assert.match(out, /API_TOKEN=\*\*\*/);
    assert.doesNotMatch(out, /hunter2/);
    assert.match(out, new RegExp(`ready\\s+http http://127\\.0\\.0\\.1:${port}/, every 200ms, within 20s`));
    assert.match(
      out,
      new RegExp(`health\\s+tcp 127\\.0\\.0\\.1:${port}, every 1s, timeout 2s, unhealthy after 3 failures`),
    );
    assert.match(out, /stop\s+SIGTERM, SIGKILL after 4s/);
    assert.match(out, /max memory\s+512MB/);
    assert.match(out, /sockets\s+-/);
    assert.match(
      out,
      new RegExp(`logs\\s+${join(c.env.CORRAL_HOME!, 'logs', 'in', 'web.log').replace(/[/.]/g, '\\$&')} `),
    );
    assert.match(out, /^ {2}ready\s+passed \d+s ago$/m);
    assert.doesNotMatch(out, /\d+ ms/);
  });
});

describe('slow stops', () => {
  test('stop, restart and down say which process they wait for, and report the SIGKILL', async (t) => {
    const c = await upProject(
      t,
      `
name: ss
services:
  stub:
    command: [${node}, ${fixture('ignore-sigterm.mjs')}]
    ready: { log: ready, timeout: 10s }
    stop: { timeout: 2s }
  other:
    command: [${node}, ${fixture('ignore-sigterm.mjs')}]
    ready: { log: ready, timeout: 10s }
    stop: { timeout: 2s }
`,
    );
    const waiting = (name: string): RegExp =>
      new RegExp(
        `^corral: waiting for ${name.replace('/', '\\/')} to stop \\((SIGKILL in [12]s|SIGKILL sent)\\)$`,
        'm',
      );
    const restart = await c.corral(['restart', 'stub']);
    assert.equal(restart.code, 0, restart.stderr);
    assert.match(restart.stderr, waiting('ss/stub:0'));
    assert.match(
      restart.stderr,
      /ss\/stub:0: (starting|running) \(pid \d+\) \(the previous process did not stop within its stop\.timeout and was killed with SIGKILL\)/,
    );
    // the new process ignores SIGTERM only once it is ready (its handler is in place)
    await waitForState(c, 'ss/stub:0', 'running');

    const stop = await c.corral(['stop', 'stub']);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stderr, waiting('ss/stub:0'));
    assert.match(stop.stderr, /ss\/stub:0: stopped: killed after 2000 ms/);

    const down = await c.corral(['down', '--json']);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stderr, waiting('ss/other:0'));
    assert.match(
      down.stderr,
      /ss: stopped and removed \(ss\/other:0: did not stop within its stop\.timeout, killed with SIGKILL\)/,
    );
    assert.deepEqual(JSON.parse(down.stdout), [
      { removed: 'ss', stopped: ['ss/other:0'], killed: ['ss/other:0'] },
    ]);
  });
});
