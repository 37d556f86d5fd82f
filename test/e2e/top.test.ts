// corral top in a real terminal: tmux on a private server (`tmux -L`, killed when the test
// ends, pass or fail) runs a shell, the shell runs the built CLI; keys go in with send-keys, the
// screen comes back with capture-pane. Each key is checked for its effect, on the daemon (over
// its API) or on the screen; the terminal is checked to be given back (the alternate screen
// left, the cursor shown, the shell reading lines again) however top ends.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { type CliEnv, daemonPid, homeFor, runProcess, upProject, waitForState } from '../helpers/cli.js';
import { services, waitForRow, waitUntil } from '../helpers/daemon-api.js';
import { CLI, fixture, REPO_ROOT } from '../helpers/home.js';
import { waitFor } from '../helpers/wait.js';

const node = process.execPath;
let servers = 0;

/** A tmux server of the test's own with one pane running a shell, in the test's environment. */
class Tmux {
  readonly socket = `corral-top-test-${process.pid}-${++servers}`;
  private readonly env: NodeJS.ProcessEnv;

  constructor(t: TestContext, c: CliEnv, cols: number, rows: number, env: NodeJS.ProcessEnv = {}) {
    this.env = { ...c.env, ENV: '', ...env };
    this.tmux(
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-s',
      'top',
      '-x',
      String(cols),
      '-y',
      String(rows),
      '-c',
      c.projectDir,
      'sh',
    );
    const socketPath = this.format('#{socket_path}');
    t.after(() => {
      try {
        this.tmux('kill-server');
      } catch {
        // already gone (the home's cleanup kills what carries its mark, the server too)
      }
      rmSync(socketPath, { force: true });
    });
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], {
      env: this.env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** Types `text` as it is (no key names). */
  type(text: string): void {
    this.tmux('send-keys', '-t', 'top', '-l', text);
  }

  /** Presses keys by tmux's names: Enter, Down, C-c, Escape, Tab. */
  press(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'top', ...keys);
  }

  /** Runs a command line in the pane's shell. */
  run(line: string): void {
    this.type(line);
    this.press('Enter');
  }

  /** The screen as text (with its attributes as escape sequences when `escapes`). */
  capture(escapes = false): string {
    return this.tmux('capture-pane', '-p', '-t', 'top', ...(escapes ? ['-e'] : []));
  }

  /** A format of the pane: #{alternate_on}, #{cursor_flag}, #{pane_pid}. */
  format(f: string): string {
    return this.tmux('display-message', '-p', '-t', 'top', f).trim();
  }

  /** Waits until the screen satisfies `check`; returns the screen. */
  async screen(check: (screen: string) => boolean, what: string, timeout = 15_000): Promise<string> {
    let last = '';
    try {
      return await waitFor(
        () => {
          last = this.capture();
          return check(last) ? last : null;
        },
        { timeout, interval: 50, what },
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}; the screen:\n${last}`);
    }
  }

  /** Waits until `text` is on the screen. */
  shows(text: string | RegExp, timeout?: number): Promise<string> {
    const ok = (s: string): boolean => (typeof text === 'string' ? s.includes(text) : text.test(s));
    return this.screen(ok, `the screen to show ${text}`, timeout);
  }

  /** The pid of the command the shell runs now (top). */
  foregroundPid(): number {
    const shell = this.format('#{pane_pid}');
    const children = readFileSync(`/proc/${shell}/task/${shell}/children`, 'utf8').trim().split(/\s+/);
    assert.equal(children.length, 1, `the shell runs ${children.join(', ')}`);
    return Number(children[0]);
  }
}

/** The command line that runs top in the pane and says how it ended. */
const topLine = (args = ''): string => `${node} ${CLI} top ${args}; echo "top exited $?"`;

/** The row of the table whose NAME is `name` (the marker > on the selected one). */
const rowOf = (screen: string, name: string): string | undefined =>
  screen.split('\n').find((l) => new RegExp(`^[> ] ${name.replace(/[/:]/g, '\\$&')}\\s`).test(l));

/** Checks that the shell has its terminal back: normal screen, cursor shown, lines read again. */
async function shellIsBack(tm: Tmux, exited: string | null): Promise<void> {
  if (exited !== null) await tm.shows(`top exited ${exited}`);
  else
    await waitFor(() => tm.format('#{alternate_on}') === '0', { what: 'top to leave the alternate screen' });
  assert.equal(tm.format('#{alternate_on}'), '0', 'the alternate screen was left');
  assert.equal(tm.format('#{cursor_flag}'), '1', 'the cursor is shown');
  tm.run('echo "back $((40 + 2))"');
  await tm.shows('back 42');
}

const config = (services: string): string => `name: shop\nservices:\n${services}`;
const forever = (name: string, extra = ''): string =>
  `  ${name}:\n    command: [${node}, ${fixture('forever.mjs')}]\n${extra}`;

test('corral top with no terminal, or one too small, says so and exits 2', async (t) => {
  const c = homeFor(t);
  const piped = await c.corral(['top']);
  assert.equal(piped.code, 2);
  assert.match(piped.stderr, /corral top needs a terminal, and its stdout is not one/);
  const tm = new Tmux(t, c, 80, 24);
  tm.run(topLine('< /dev/null'));
  await tm.shows('top exited 2');
  assert.match(tm.capture(), /needs a terminal, and its stdin is not one/);
  tm.tmux('resize-window', '-t', 'top', '-x', '50', '-y', '12');
  tm.run('clear');
  await tm.screen((s) => !s.includes('top exited'), 'the screen cleared');
  tm.run(topLine());
  await tm.shows('top exited 2');
  // wrapped lines joined (-J), their spaces kept
  assert.match(tm.tmux('capture-pane', '-p', '-J', '-t', 'top'), /at least 60x15, and this one is 50x12/);
  // nothing was started for it
  assert.equal((await c.corral(['daemon', 'status'])).code, 3);
});

test('corral top shows 20 services in 80x24 (the picture in docs/top.md)', async (t) => {
  const services = Array.from({ length: 18 }, (_, i) => forever(`svc${String(i + 1).padStart(2, '0')}`)).join(
    '',
  );
  const c = await upProject(t, config(`${services}${forever('worker', '    instances: 2\n')}`));
  const tm = new Tmux(t, c, 80, 24);
  tm.run(topLine());
  const screen = await tm.shows('20 processes: 20 running');
  const lines = screen.replace(/\n$/, '').split('\n');
  assert.equal(lines.length, 24);
  for (const l of lines) assert.ok([...l].length <= 80, `wider than 80: ${l}`);
  assert.match(lines[1], /NAME↑\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+HEALTH\s+CPU\s+MEM/);
  assert.match(lines[2], /^> shop\/svc01:0\s+running\s+\d+/);
  assert.ok(rowOf(screen, 'shop/svc02:0'));
  assert.match(screen, /── logs of shop\/svc01:0 · following/);
  assert.match(screen, /── events/);
  assert.match(
    lines[23],
    /q quit\s+\? help\s+Tab logs\s+s start\s+x stop\s+r restart\s+k signal\s+t target:process/,
  );
  assert.equal(tm.format('#{alternate_on}'), '1');
  // the worker's instances are told apart; the end of the list is reached by End
  tm.press('End');
  const end = await tm.shows(/^> shop\/worker:1 /m);
  assert.ok(rowOf(end, 'shop/worker:0'));
  // PgUp and PgDn move by a screen of rows (9 here, less one)
  tm.press('PageUp');
  await tm.shows(/^> shop\/svc12:0 /m);
  tm.press('Home', 'PageDown');
  await tm.shows(/^> shop\/svc09:0 /m);
  tm.press('Home');
  const picture = await tm.screen(
    (s) => /^> shop\/svc01:0 /m.test(s) && /\d+\.\d%/.test(s) && /ready/.test(s),
    'the first row selected, CPU figures and the log',
  );
  if (process.env.CORRAL_TOP_PICTURE === '1') savePicture(picture);
  tm.press('q');
  await shellIsBack(tm, '0');
});

/** Puts a capture into docs/top.md between its picture markers. */
function savePicture(screen: string): void {
  const path = join(REPO_ROOT, 'docs', 'top.md');
  const doc = readFileSync(path, 'utf8');
  const begin = '<!-- picture: begin -->\n';
  const end = '<!-- picture: end -->';
  const text = screen
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
  const from = doc.indexOf(begin) + begin.length;
  writeFileSync(path, `${doc.slice(0, from)}\`\`\`\n${text}\n\`\`\`\n${doc.slice(doc.indexOf(end))}`);
}

test('corral top: start, stop (asked first), restart and signal the process, its service or its project', async (t) => {
  const c = await upProject(
    t,
    config(
      `  api:\n    command: [${node}, ${fixture('signals.mjs')}]\n${forever('worker', '    instances: 2\n')}`,
    ),
  );
  const pidOf = async (name: string): Promise<number | null> =>
    (await services(c)).find((p) => p.name === name)?.pid ?? null;
  const tm = new Tmux(t, c, 80, 24);
  tm.run(topLine());
  await tm.shows(/^> shop\/api:0 /m);
  await tm.shows('ready');

  // k: a signal, named at a prompt, reaches the process (its log says so)
  tm.press('k');
  await tm.shows('signal to shop/api:0');
  tm.type('USR1');
  tm.press('Enter');
  await tm.shows('SIGUSR1 sent to shop/api:0');
  await tm.shows('got SIGUSR1');

  // r: restart (a new pid)
  const before = await pidOf('shop/api:0');
  tm.press('r');
  await waitForRow(c, (p) => p.name === 'shop/api:0' && p.pid !== before && p.state === 'running', {
    what: 'api restarted',
  });

  // x asks; any key but y leaves it running; y stops it
  tm.press('x');
  await tm.shows('Stop shop/api:0? y stops');
  tm.press('n');
  await tm.shows('not stopped');
  assert.equal((await services(c)).find((p) => p.name === 'shop/api:0')?.state, 'running');
  tm.press('x');
  await tm.shows('Stop shop/api:0?');
  tm.press('y');
  await waitForState(c, 'shop/api:0', 'stopped');
  await tm.screen((s) => /^> shop\/api:0\s+stopped/m.test(s), 'api shown stopped');

  // s: start
  tm.press('s');
  await waitForState(c, 'shop/api:0', 'running');

  // ↓ selects the next process; t widens what the keys reach to its service: both instances restart
  tm.press('Down');
  await tm.shows(/^> shop\/worker:0 /m);
  tm.press('t');
  await tm.shows('target:service');
  const workers = [await pidOf('shop/worker:0'), await pidOf('shop/worker:1')];
  const api = await pidOf('shop/api:0');
  tm.press('r');
  await waitUntil(
    c,
    async () => {
      const list = await services(c);
      return ['shop/worker:0', 'shop/worker:1'].every((n, i) => {
        const p = list.find((r) => r.name === n);
        return p?.state === 'running' && p.pid !== workers[i];
      });
    },
    { what: 'both workers restarted' },
  );
  assert.equal(await pidOf('shop/api:0'), api, 'the service reached is the selected one alone');

  // t again: the project; a stop asks naming it, and stops every process
  tm.press('t');
  await tm.shows('target:project');
  tm.press('x');
  await tm.shows('Stop every process of project shop?');
  tm.press('y');
  await waitUntil(c, async () => (await services(c)).every((p) => p.state === 'stopped'), {
    what: 'every process stopped',
  });
  await tm.shows('3 processes: 3 stopped');
  tm.press('q');
  await shellIsBack(tm, '0');
});

test('corral top: filter, sort, the log pane (search, hold, follow), the full-screen log, the pager, help, events', async (t) => {
  const c = await upProject(
    t,
    config(
      `  ticker:\n    command: [${node}, ${fixture('tick.mjs')}, "100"]\n${forever('alpha')}${forever('zulu')}`,
    ),
  );
  const paged = join(c.projectDir, 'paged.txt');
  const pager = join(c.projectDir, 'pager.sh');
  writeFileSync(pager, `#!/bin/sh\ncp "$1" ${paged}\n`, { mode: 0o755 });
  const tm = new Tmux(t, c, 80, 24, { PAGER: pager });
  tm.run(topLine());
  await tm.shows(/^> shop\/alpha:0 /m);

  // / filters as it is typed; Esc clears
  tm.press('/');
  tm.type('tick');
  await tm.screen(
    (s) => rowOf(s, 'shop/ticker:0') !== undefined && rowOf(s, 'shop/alpha:0') === undefined,
    'only ticker',
  );
  tm.press('Enter');
  await tm.shows('filter "tick": 1');
  await tm.shows(/^> shop\/ticker:0 /m);
  tm.press('Escape');
  await tm.screen((s) => rowOf(s, 'shop/alpha:0') !== undefined, 'the filter cleared');

  // o: the next sort column (STATE), O: reversed; by name reversed, zulu comes first
  tm.press('o');
  await tm.shows('STATE↑');
  tm.press('o', 'o', 'o', 'o', 'o');
  await tm.shows('NAME↑');
  tm.press('O');
  await tm.shows('NAME↓');
  const reversed = await tm.screen((s) => /^[> ] shop\/zulu:0 /m.test(s.split('\n')[2] ?? ''), 'zulu first');
  assert.match(reversed.split('\n')[4], /shop\/alpha/);
  tm.press('O');
  await tm.shows('NAME↑');

  // Tab: the log pane has the keys; / searches it, f holds and follows
  tm.press('Home', 'Down');
  await tm.shows(/^> shop\/ticker:0 /m);
  await tm.shows(/tick \d+/);
  tm.press('Tab');
  await tm.shows('Tab table');
  tm.press('f');
  await tm.shows(/held, \d+ newer line/);
  tm.press('f');
  await tm.shows('· following');
  tm.press('/');
  tm.type('tick 3');
  tm.press('Enter');
  await tm.shows(/"tick 3": \d+ lines/);
  // n goes to older matches: the view holds on one
  tm.press('n', 'n', 'n', 'n', 'n', 'n');
  await tm.shows(/held/);
  // N goes back to newer ones, up to the newest, which follows again only when it is at the end
  const heldAt = (s: string): number => Number(/held, (\d+) newer/.exec(s)?.[1] ?? -1);
  const before = heldAt(tm.capture());
  tm.press('N');
  await tm.screen((s) => heldAt(s) !== before || s.includes('· following'), 'a newer match');
  tm.press('Escape', 'End');
  await tm.screen((s) => !s.includes('"tick 3"') && s.includes('· following'), 'search cleared, following');

  // + and -: a taller and a shorter log pane
  const paneRows = (s: string): number => {
    const lines = s.split('\n');
    return (
      lines.findIndex((l) => l.startsWith('── events')) - lines.findIndex((l) => l.startsWith('── logs'))
    );
  };
  const rowsBefore = paneRows(tm.capture());
  tm.press('+', '+');
  await tm.screen((s) => paneRows(s) === rowsBefore + 2, 'a taller log pane');
  tm.press('-');
  await tm.screen((s) => paneRows(s) === rowsBefore + 1, 'a shorter log pane');
  tm.press('Tab');
  await tm.shows('Tab logs');

  // Enter: the log full-screen, nothing but its title and its lines; q goes back
  tm.press('Enter');
  const full = await tm.screen((s) => s.startsWith('logs of shop/ticker:0'), 'the full-screen log');
  assert.ok(
    full
      .split('\n')
      .slice(1, 20)
      .every((l) => l === '' || /^tick \d+/.test(l)),
    full,
  );
  // y: the lines in view to the clipboard through the terminal (OSC 52; tmux keeps it as a buffer)
  tm.tmux('set-option', '-g', 'set-clipboard', 'on');
  tm.press('f', 'y');
  await tm.shows(/copied \d+ lines/);
  const copied = tm.tmux('show-buffer').trim().split('\n');
  assert.ok(copied.length >= 20 && copied.every((l) => /^tick \d+\s*$/.test(l)), copied.join('\n'));
  tm.press('f', 'q');
  await tm.shows('── events');

  // p: the kept log in $PAGER; top takes the screen back after
  tm.press('p');
  await waitFor(
    () => {
      try {
        return /tick \d+/.test(readFileSync(paged, 'utf8'));
      } catch {
        return false;
      }
    },
    { what: 'the pager to be given the log' },
  );
  await tm.shows('── events');
  assert.equal(tm.format('#{alternate_on}'), '1');

  // e: the events of the selected process only, and back
  tm.press('e');
  await tm.shows('events of shop/ticker:0');
  tm.press('e');
  await tm.shows('── events (e: selected only)');

  // ?: the help screen; any key goes back
  tm.press('?');
  await tm.shows('Process table');
  tm.press('x');
  await tm.shows('── events');
  assert.equal(
    (await services(c)).find((p) => p.name === 'shop/ticker:0')?.state,
    'running',
    'x in help stops nothing',
  );

  tm.press('C-c');
  await shellIsBack(tm, '0');
});

test('corral top follows resizes, says so when the terminal gets too small, writes only changed rows, and Ctrl-L draws all', async (t) => {
  const c = await upProject(t, config(Array.from({ length: 12 }, (_, i) => forever(`s${i + 10}`)).join('')));
  const tm = new Tmux(t, c, 80, 24);
  tm.run(topLine());
  await tm.shows('12 processes: 12 running');
  const visible = (s: string): number => s.split('\n').filter((l) => /^[> ] shop\/s\d+:0 /.test(l)).length;
  const rule = (s: string): string => s.split('\n').find((l) => l.startsWith('── events')) ?? '';
  const small = visible(tm.capture());
  assert.equal([...rule(tm.capture())].length, 80);
  tm.tmux('resize-window', '-t', 'top', '-x', '120', '-y', '40');
  await tm.screen((s) => visible(s) === 12 && [...rule(s)].length === 120, 'every row on a larger screen');
  assert.ok(small < 12, `80x24 shows ${small} rows`);
  tm.tmux('resize-window', '-t', 'top', '-x', '50', '-y', '12');
  await tm.shows('Terminal too small (50x12)');
  // keys do nothing that cannot be seen: a stop asked and answered while too small stops nothing
  tm.type('xy');
  tm.tmux('resize-window', '-t', 'top', '-x', '80', '-y', '24');
  await tm.screen((s) => visible(s) === small && !s.includes('too small'), 'the table back at 80x24');
  assert.doesNotMatch(tm.capture(), /y stops|stopping|stopped/, 'no stop asked or done');
  assert.deepEqual(
    (await services(c)).filter((p) => p.state !== 'running').map((p) => p.name),
    [],
    'every process still runs',
  );

  // only rows that changed are written: text put on the (unchanging) header row by someone
  // else stays there through the next frames, until Ctrl-L draws everything again
  writeFileSync(tm.format('#{pane_tty}'), '\x1b[2;3HSCRIBBLE');
  const uptimeOf = (s: string): string => /^> shop\/s10:0\s+running\s+\d+\s+(\S+)/m.exec(s)?.[1] ?? '';
  const scribbled = await tm.shows('SCRIBBLE');
  await tm.screen((s) => uptimeOf(s) !== uptimeOf(scribbled), 'a frame drawn since');
  assert.match(tm.capture(), /SCRIBBLE/);
  tm.press('C-l');
  await tm.screen((s) => !s.includes('SCRIBBLE') && /NAME↑\s+STATE/.test(s), 'the screen drawn again');
  tm.press('q');
  await shellIsBack(tm, '0');
});

test('corral top honours NO_COLOR and --no-color, and has colours otherwise', async (t) => {
  const c = await upProject(t, config(forever('web')));
  // a colour: 3x or 9x foreground, 4x or 10x background, or 38/48 extended, in any SGR
  const colour = /\x1b\[(?:[0-9;]*;)?(?:3[0-8]|9[0-7]|4[0-8]|10[0-7])(?:;[0-9;]*)?m/;
  for (const [what, env, args, coloured] of [
    ['NO_COLOR', {}, '', false],
    ['--no-color', { NO_COLOR: '' }, '--no-color', false],
    ['colours', { NO_COLOR: '' }, '', true],
  ] as const) {
    const tm = new Tmux(t, c, 80, 24, { ...env, TERM: 'xterm-256color' });
    tm.run(env.NO_COLOR === '' ? `unset NO_COLOR; ${topLine(args)}` : topLine(args));
    await tm.shows(/^> shop\/web:0\s+running/m);
    const screen = tm.capture(true);
    assert.equal(colour.test(screen), coloured, `${what}:\n${JSON.stringify(screen.slice(0, 600))}`);
    // the selected row is still seen without colour: reverse video
    assert.match(screen, /\x1b\[[0-9;]*7[0-9;]*m> shop\/web/);
    tm.press('q');
    await shellIsBack(tm, '0');
  }
});

test('corral top gives the terminal back after q, Ctrl-C, SIGTERM and SIGHUP, and while suspended (Ctrl-Z)', async (t) => {
  const c = await upProject(t, config(forever('web')));
  for (const [how, code] of [
    ['q', '0'],
    ['C-c', '0'],
    ['SIGTERM', '143'],
    ['SIGHUP', '129'],
  ] as const) {
    const tm = new Tmux(t, c, 80, 24);
    tm.run(topLine());
    await tm.shows(/^> shop\/web:0\s+running/m);
    assert.equal(tm.format('#{alternate_on}'), '1', how);
    assert.equal(tm.format('#{cursor_flag}'), '0', how);
    if (how.startsWith('SIG')) process.kill(tm.foregroundPid(), how);
    else tm.press(how);
    await shellIsBack(tm, code);
  }
  // Ctrl-Z gives the terminal to the shell; fg gives it back to top, redrawn
  // (top alone on its command line: the shell would go on to the next command of a list)
  const tm = new Tmux(t, c, 80, 24);
  tm.run(`${node} ${CLI} top`);
  await tm.shows(/^> shop\/web:0\s+running/m);
  tm.press('C-z');
  await tm.shows('Stopped');
  assert.equal(tm.format('#{alternate_on}'), '0');
  assert.equal(tm.format('#{cursor_flag}'), '1');
  tm.run('fg');
  await tm.shows(/^> shop\/web:0\s+running/m);
  assert.equal(tm.format('#{alternate_on}'), '1');
  tm.press('q');
  await shellIsBack(tm, null);
});

test('corral top gives the terminal back when it throws', async (t) => {
  const c = homeFor(t);
  const tm = new Tmux(t, c, 80, 24);
  const terminal = join(REPO_ROOT, 'dist', 'src', 'tui', 'terminal.js');
  const script = `const { Terminal } = await import(${JSON.stringify(terminal)});
const term = new Terminal({ input: process.stdin, output: process.stdout });
term.guard((code) => process.exit(code));
term.enter();
term.write('drawn');
process.stdin.once('data', () => {
  throw new Error('a bug in a frame');
});`;
  writeFileSync(join(c.projectDir, 'throws.mjs'), script);
  tm.run(`${node} throws.mjs; echo "top exited $?"`);
  await tm.shows('drawn');
  assert.equal(tm.format('#{alternate_on}'), '1');
  tm.press('z');
  await shellIsBack(tm, '1');
  assert.match(tm.capture(), /corral top: Error: a bug in a frame/);
});

test('corral top says when the daemon is gone, and reconnects to the next one', async (t) => {
  const c = await upProject(t, config(forever('web')));
  const tm = new Tmux(t, c, 80, 24);
  tm.run(topLine());
  const first = daemonPid(c);
  await tm.shows(`daemon ${first}`);
  process.kill(first, 'SIGKILL');
  await tm.shows('daemon lost (');
  // the next daemon: the one top's streams start once the socket stays dead, or one a command starts
  await runProcess(node, [CLI, 'daemon', 'start'], { cwd: c.projectDir, env: c.env, timeoutMs: 30_000 });
  const second = await waitFor(() => {
    const pid = daemonPid(c);
    return pid !== first ? pid : null;
  });
  await tm.shows(`daemon ${second}`, 20_000);
  await tm.shows(/^> shop\/web:0\s+running/m);
  // the service survived the daemon (adopted), and top still acts through the new one
  const pid = (await services(c)).find((p) => p.name === 'shop/web:0')?.pid;
  tm.press('r');
  await waitForRow(c, (p) => p.name === 'shop/web:0' && p.pid !== pid && p.state === 'running');
  tm.press('q');
  await shellIsBack(tm, '0');
});

test('what corral top loads, no other command loads', async (t) => {
  const c = homeFor(t);
  const r = await runProcess(node, ['--import', fixture('list-modules.mjs'), CLI, 'ps'], {
    cwd: c.projectDir,
    env: c.env,
    timeoutMs: 30_000,
  });
  assert.equal(r.code, 0, r.stderr);
  const modules = r.stderr.split('\n').filter((l) => l.startsWith('module: '));
  assert.ok(modules.some((m) => m.includes('/cli/commands/ps.js')));
  for (const part of ['/tui/', '/cli/commands/top.js'])
    assert.ok(!modules.some((m) => m.includes(part)), `ps loaded ${part}`);
});
