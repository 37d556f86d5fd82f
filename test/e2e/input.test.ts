// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these configs hold ${VAR} references on purpose
// Bad input and silent failures, through the real CLI against a real daemon: every case ends
// with a message that says what is wrong and the exit code of its kind, and changes nothing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CliEnv, type CliResult, cliEnv, psJson } from '../helpers/cli.js';
import { CLI, fixture, pidsMarkedWith } from '../helpers/home.js';
import { waitFor } from '../helpers/wait.js';

const node = process.execPath;

/** Runs the CLI with its stdin a pipe from a file, or with its stdout's reader gone before it writes. */
function runCli(
  c: CliEnv,
  args: string[],
  opts: { stdinFrom?: string; closeStdout?: boolean } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // a shell pipe (`cat FILE | corral ...`): a real pipe, which /dev/stdin can open
    const command = opts.stdinFrom === undefined ? node : 'sh';
    const argv =
      opts.stdinFrom === undefined
        ? [CLI, ...args]
        : ['-c', 'cat "$0" | "$@"', opts.stdinFrom, node, CLI, ...args];
    const child = spawn(command, argv, { cwd: c.projectDir, env: c.env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    // a reader that went away: the read end of the pipe is closed, writes get EPIPE
    if (opts.closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`corral ${args.join(' ')} did not finish in 30 s\n${stderr}`));
    }, 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The pid of every running process of the project, by name. */
async function pids(c: CliEnv): Promise<Map<string, number | null>> {
  return new Map((await psJson(c)).map((p) => [p.name, p.pid]));
}

describe('bad input and silent failures', () => {
  let c: CliEnv;
  before(async () => {
    c = cliEnv();
    c.writeConfig(`
name: inputs
services:
  a:
    command: [${node}, ${fixture('forever.mjs')}]
  b:
    command: [${node}, ${fixture('forever.mjs')}]
    env: { VERSION: "1" }
  talk:
    command: [${node}, ${fixture('print-lines.mjs')}, "3000", "--pad=40", "--stay"]
`);
    const r = await c.corral(['up', '--wait']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await c.cleanup();
  });

  test('up sends the text it validated: a config on a pipe (/dev/stdin) applies', async () => {
    // the daemon cannot read the CLI's stdin: only the text sent along can work
    const file = c.writeConfig(
      `name: piped\nservices:\n  p:\n    command: [${node}, ${fixture('forever.mjs')}]\n`,
      'piped.yaml',
    );
    const r = await runCli(c, ['up', '-f', '/dev/stdin', '--wait'], { stdinFrom: file });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /piped: created p/);
    const down = await c.corral(['down', 'piped']);
    assert.equal(down.code, 0, down.stderr);
  });

  test('an unset ${VAR} is a warning at FILE:LINE:COL from check and up; the config applies', async () => {
    const file = c.writeConfig(
      `name: warned\nservices:\n  w:\n    command: [${node}, ${fixture('forever.mjs')}]\n    env: { X: "-\${CORRAL_TEST_UNSET_X}" }\n`,
      'warned.yaml',
    );
    const warning = `${file}:5:17: warning: services.w.env.X: expected the variable CORRAL_TEST_UNSET_X to be set, got nothing`;
    const check = await c.corral(['check', '-f', file]);
    assert.equal(check.code, 0, check.stderr);
    assert.ok(check.stderr.includes(warning), check.stderr);
    const up = await c.corral(['up', '-f', file, '--no-wait']);
    assert.equal(up.code, 0, up.stderr);
    assert.ok(up.stderr.includes(warning), up.stderr);
    assert.match(up.stderr, /warned: created w/);
    assert.equal((await c.corral(['down', 'warned'])).code, 0);
  });

  test('${VAR:?message} unset is a config error at its position: exit 2, nothing applied', async () => {
    const file = c.writeConfig(
      `name: required\nservices:\n  r:\n    command: "run \${CORRAL_TEST_UNSET_Y:?set it to the database URL}"\n`,
      'required.yaml',
    );
    const r = await c.corral(['up', '-f', file, '--no-wait']);
    assert.equal(r.code, 2);
    assert.ok(
      r.stderr.includes(
        `${file}:4:19: services.r.command: expected the variable CORRAL_TEST_UNSET_Y to be set (set it to the database URL)`,
      ),
      r.stderr,
    );
    assert.ok(!(await psJson(c)).some((p) => p.name.startsWith('required/')));
  });

  test('a cwd that does not exist is a config error at check and up', async () => {
    const file = c.writeConfig(
      `name: nocwd\nservices:\n  n:\n    command: [${node}, ${fixture('forever.mjs')}]\n    cwd: ./not-there\n`,
      'nocwd.yaml',
    );
    for (const args of [
      ['check', '-f', file],
      ['up', '-f', file, '--no-wait'],
    ]) {
      const r = await c.corral(args);
      assert.equal(r.code, 2, r.stderr);
      assert.ok(
        r.stderr.includes(
          `${file}:5:10: services.n.cwd: expected an existing directory, got nothing at ${join(c.projectDir, 'not-there')}`,
        ),
        r.stderr,
      );
    }
    assert.ok(!(await psJson(c)).some((p) => p.name.startsWith('nocwd/')));
  });

  test('--since that is neither a duration nor a date is exit 2; durations and ISO times work', async () => {
    for (const args of [
      ['logs', 'a', '--since', '5'],
      ['events', '--since', '45'],
    ]) {
      const r = await c.corral(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /^corral: since: expected a duration like 30s, 5m or 2h, or a time like 2026-11-23T10:00:00Z, got "(5|45)" \(a number needs a unit: /,
      );
    }
    for (const since of ['5m', '1h30m', new Date(Date.now() - 60_000).toISOString()]) {
      const logs = await c.corral(['logs', 'a', '--since', since]);
      assert.equal(logs.code, 0, logs.stderr);
      const events = await c.corral(['events', '--since', since]);
      assert.equal(events.code, 0, events.stderr);
      assert.match(events.stdout, /spawned/);
    }
  });

  test('a reader that goes away (| head) ends logs, logs -f, events, inspect and ps quietly, exit 0', async () => {
    for (const args of [
      ['logs', 'talk', '-n', '3000'],
      ['logs', '-f', 'talk'],
      ['events'],
      ['events', '-f', '--since', '1h'],
      ['inspect', 'talk'],
      ['ps'],
    ]) {
      const r = await runCli(c, args, { closeStdout: true });
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /EPIPE|Error|\n\s+at /, args.join(' '));
    }
  });

  test('run whose reader goes away stops its services, then exits 0: nothing is left running', async () => {
    const file = c.writeConfig(
      `name: fg\nservices:\n  f:\n    command: [${node}, ${fixture('forever.mjs')}]\n`,
      'fg.yaml',
    );
    const daemon = new Set(pidsMarkedWith(c.home.dir));
    const r = await runCli(c, ['run', '-f', file], { closeStdout: true });
    // whatever the test home's processes are now, they are the ones from before `run`
    const left = pidsMarkedWith(c.home.dir).filter((pid) => !daemon.has(pid));
    assert.deepEqual(left, [], 'processes left running by run');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /the output was closed: stopping every service/);
    assert.doesNotMatch(r.stderr, /EPIPE|Error|\n\s+at /);
  });

  test('stop A B with an unknown B changes nothing: exit 2 naming B', async () => {
    const before = await pids(c);
    const r = await c.corral(['stop', 'a', 'nope']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /nope/);
    const now = await psJson(c);
    const a = now.find((p) => p.name === 'inputs/a:0');
    assert.equal(a?.state, 'running');
    assert.equal(a?.pid, before.get('inputs/a:0'));
  });

  test('daemon start --idle-timeout with a daemon running says it was ignored, exit 1', async () => {
    const r = await c.corral(['daemon', 'start', '--idle-timeout', '5s']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^A daemon is already running for .* \(pid \d+\)\.\n/);
    assert.match(
      r.stderr,
      /--idle-timeout 5s was ignored: the running daemon keeps the setting it was started with\. To change it: corral daemon restart --idle-timeout 5s \(services keep running\)\./,
    );
  });

  test('reload applies the changed file: the changed service restarts, the other keeps its pid', async () => {
    const before = await pids(c);
    const file = join(c.projectDir, 'corral.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('VERSION: "1"', 'VERSION: "2"'));
    const r = await c.corral(['reload']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /inputs: changed b; unchanged a, talk/);
    await waitFor(
      async () => {
        const p = await psJson(c);
        const b = p.find((x) => x.name === 'inputs/b:0');
        return b?.state === 'running' && b.pid !== before.get('inputs/b:0');
      },
      { timeout: 15_000, interval: 200, what: 'b restarted with the new definition' },
    );
    assert.equal((await pids(c)).get('inputs/a:0'), before.get('inputs/a:0'));
  });

  test('reload of an invalid file is exit 2 and changes nothing; an unknown project is exit 2', async () => {
    const before = await pids(c);
    const file = join(c.projectDir, 'corral.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(
      file,
      text.replace('env: { VERSION: "2" }', 'env: { VERSION: "3" }\n    restart: sometimes'),
    );
    const r = await c.corral(['reload', 'inputs']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /corral\.yaml:\d+:\d+: services\.b\.restart: expected one of always \| on-failure \| never/,
    );
    assert.match(r.stderr, /inputs: the configuration has 1 problem; not reloaded, nothing changed/);
    assert.deepEqual(await pids(c), before);
    writeFileSync(file, text);
    const unknown = await c.corral(['reload', 'nope']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /No project "nope" is loaded \(loaded: inputs\)/);
  });

  test('reload skips, and says so, a project posted as text with no file', async () => {
    const body = JSON.stringify({
      config: `name: posted\nservices:\n  q:\n    command: [${node}, ${fixture('forever.mjs')}]\n`,
      dir: c.projectDir,
    });
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          socketPath: join(String(c.env.CORRAL_HOME), 'corral.sock'),
          path: '/v1/projects',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(status, 200);
    const r = await c.corral(['reload']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /posted: applied from text with no file; nothing to read again, skipped/);
    assert.match(r.stderr, /inputs: unchanged a, b, talk/);
    assert.equal((await c.corral(['down', 'posted'])).code, 0);
  });

  test('down of a project whose file no longer validates (its cwd removed) still stops it', async () => {
    const dir = join(c.projectDir, 'gone-later');
    mkdirSync(join(dir, 'work'), { recursive: true });
    writeFileSync(
      join(dir, 'corral.yaml'),
      `name: fragile\nservices:\n  x:\n    command: [${node}, ${fixture('forever.mjs')}]\n    cwd: ./work\n`,
    );
    const up = await c.corral(['up', '--wait'], { cwd: dir });
    assert.equal(up.code, 0, up.stderr);
    rmSync(join(dir, 'work'), { recursive: true });
    const down = await c.corral(['down'], { cwd: dir });
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stderr, /fragile: stopped and removed/);
  });

  test('daemon stop says the truth when the daemon outlives its timeout, and the daemon still leaves', async () => {
    const file = c.writeConfig(
      `name: stubborn\nservices:\n  s:\n    command: [${node}, ${fixture('ignore-sigterm.mjs')}]\n    stop: { timeout: 3s }\n`,
      'stubborn.yaml',
    );
    const up = await c.corral(['up', '-f', file, '--wait']);
    assert.equal(up.code, 0, up.stderr);
    const daemonPid = JSON.parse((await c.corral(['daemon', 'status', '--json'])).stdout).pid as number;
    const r = await c.corral(['daemon', 'stop', '--timeout', '1s']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stderr,
      `Daemon ${daemonPid} is still running 1s after it was asked to stop (it may still be stopping services). See corral daemon status; to end it now: kill ${daemonPid}\n`,
    );
    process.kill(daemonPid, 0); // still there, as it said
    // and it still leaves once its services are stopped, though nobody waits for its answer
    await waitFor(
      () => {
        try {
          process.kill(daemonPid, 0);
          return false;
        } catch {
          return true;
        }
      },
      { timeout: 20_000, what: 'the daemon to exit after its abandoned shutdown' },
    );
    assert.deepEqual(pidsMarkedWith(c.home.dir), [], 'the service was stopped too');
  });
});
