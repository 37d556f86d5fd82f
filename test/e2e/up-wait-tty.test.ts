// `up --wait` on a terminal rewrites one line per process in place until all are ready (the
// final lines stay on screen, NO_COLOR respected); when stderr is not a terminal, a line is
// appended for each change, as plain text.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { type CliEnv, homeFor } from '../helpers/cli.js';
import { CLI, fixture } from '../helpers/home.js';
import { TmuxPane } from '../helpers/tmux-pane.js';

const node = process.execPath;

/**
 * A project whose `slow` becomes ready only once the test creates `go` (it shows `starting` until
 * then); with `after`, a service that waits for it.
 */
function slowProject(c: CliEnv, { after = false } = {}): string {
  const go = join(c.home.dir, 'go');
  const script = `const fs=require('fs');const t=setInterval(()=>{if(fs.existsSync(${JSON.stringify(go)})){clearInterval(t);console.log('ready')}},20);setInterval(()=>{},1<<30)`;
  c.writeConfig(
    [
      'name: tty',
      'services:',
      '  quick:',
      `    command: [${node}, ${fixture('forever.mjs')}]`,
      '  slow-to-be-ready:',
      `    command: ${JSON.stringify([node, '-e', script])}`,
      '    ready: { log: ready, timeout: 60s }',
      ...(after
        ? [
            '  after:',
            `    command: [${node}, ${fixture('forever.mjs')}]`,
            '    depends_on: { slow-to-be-ready: ready }',
          ]
        : []),
      '',
    ].join('\n'),
  );
  return go;
}

/** `corral up --wait` in a tmux pane, with `env` added. */
function upInPane(t: TestContext, c: CliEnv, env: NodeJS.ProcessEnv): TmuxPane {
  const all = Object.entries({ CORRAL_HOME: c.env.CORRAL_HOME, ...env });
  // env's options (-u NAME) before its assignments
  const vars = [
    ...all.filter(([, v]) => v === undefined).map(([k]) => `-u ${k}`),
    ...all.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${JSON.stringify(v)}`),
  ].join(' ');
  const pane = new TmuxPane(`env ${vars} ${node} ${CLI} up --wait`, {
    dir: c.home.dir,
    env: c.env,
    cwd: c.projectDir,
  });
  t.after(() => pane.close());
  return pane;
}

describe('up --wait', () => {
  test('on a terminal, one line per process, rewritten in place until all are ready', async (t) => {
    const c = homeFor(t);
    const go = slowProject(c);
    const pane = upInPane(t, c, { NO_COLOR: '1' });
    await pane.waitFor(/tty\/slow-to-be-ready:0\s+starting/, 'slow-to-be-ready to show starting');
    await pane.waitFor(/tty\/quick:0\s+running/, 'quick to show running');
    writeFileSync(go, '');
    const screen = await pane.waitFor(/\[exit \d+\]/, 'up --wait to end');
    assert.match(screen, /\[exit 0\]/, screen);
    const lines = screen.split('\n');
    // each process has one line, aligned, with its last state: the starting line was rewritten
    assert.deepEqual(
      lines.filter((l) => l.includes('tty/')),
      ['  tty/quick:0             running', '  tty/slow-to-be-ready:0  running'],
      screen,
    );
    assert.match(screen, /^tty: ready$/m);
    assert.doesNotMatch(pane.capture(true), /\x1b\[3\dm/, 'NO_COLOR: no colour');
  });

  test('on a terminal without NO_COLOR, states are coloured', async (t) => {
    const c = homeFor(t);
    writeFileSync(join(c.home.dir, 'go'), '');
    slowProject(c);
    const pane = upInPane(t, c, { NO_COLOR: undefined });
    await pane.waitFor(/\[exit \d+\]/, 'up --wait to end');
    assert.match(pane.capture(true), /tty\/quick:0 +\x1b\[32mrunning/);
  });

  test('when stderr is not a terminal, a plain line is appended for each change', async (t) => {
    const c = homeFor(t);
    const go = slowProject(c, { after: true });
    const up = c.spawnCorral(['up', '--wait']);
    const exited = new Promise<number | null>((resolve) => up.on('exit', resolve));
    const { waitFor } = await import('../helpers/wait.js');
    await waitFor(() => /slow-to-be-ready:0\s+starting/.test(up.output()), { what: 'starting' });
    writeFileSync(go, '');
    assert.equal(await exited, 0, up.output());
    const out = up.output();
    assert.match(out, /^ {2}tty\/slow-to-be-ready:0 {2}starting$/m);
    assert.match(out, /^ {2}tty\/slow-to-be-ready:0 {2}running$/m);
    // a waiting process says what for, once
    assert.match(out, /^ {2}tty\/after:0 +waiting for slow-to-be-ready to be ready$/m);
    assert.doesNotMatch(out, /waiting \(waiting/);
    assert.doesNotMatch(out, /\x1b/, 'no escape sequence');
  });
});
