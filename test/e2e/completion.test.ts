// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are bash, with ${...} expansions on purpose
// `corral completion bash|zsh|fish`: each script loaded in its real shell completes commands,
// flags, and the service and project names of a running daemon; completing with no daemon
// running starts none; an unknown shell is a usage error.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { type CliEnv, homeFor, runProcess, upProject } from '../helpers/cli.js';
import { CLI, fixture, pidsMarkedWith } from '../helpers/home.js';
import { TmuxPane } from '../helpers/tmux-pane.js';

const node = process.execPath;

function installed(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
}

/** A `corral` on PATH (what the scripts call), and the environment that finds it. */
function corralOnPath(c: CliEnv): NodeJS.ProcessEnv {
  const bin = join(c.home.dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'corral'), `#!/bin/sh\nexec ${node} ${CLI} "$@"\n`);
  chmodSync(join(bin, 'corral'), 0o755);
  return { ...c.env, PATH: `${bin}:${process.env.PATH}` };
}

/** A project `shop` with a two-instance `web` and a `db`, up. */
function shop(t: TestContext): Promise<CliEnv> {
  const forever = `[${node}, ${fixture('forever.mjs')}]`;
  return upProject(
    t,
    `name: shop\nservices:\n  web:\n    command: ${forever}\n    instances: 2\n  db:\n    command: ${forever}\n`,
    { wait: false },
  );
}

/**
 * What bash completes for each line (the cursor at its end): the completion function called as
 * bash calls it, with COMP_WORDS split as bash splits them (at spaces, and at `:`).
 */
async function bashCompletes(c: CliEnv, lines: string[]): Promise<string[][]> {
  const script = [
    'source <(corral completion bash) || exit 9',
    'complete -p corral',
    'try() {',
    '  COMP_LINE=$1; COMP_POINT=${#COMP_LINE}',
    '  local spaced=${COMP_LINE//:/ : }',
    '  read -ra COMP_WORDS <<<"$spaced"',
    '  [[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")',
    '  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))',
    '  COMPREPLY=()',
    '  _corral_complete',
    '  echo "=== $1"',
    '  printf "%s\\n" "${COMPREPLY[@]}"',
    '}',
    ...lines.map((l) => `try ${JSON.stringify(l)}`),
  ].join('\n');
  const r = await runProcess('bash', ['--norc', '--noprofile', '-c', script], {
    cwd: c.projectDir,
    env: corralOnPath(c),
    timeoutMs: 30_000,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^complete -F _corral_complete corral$/m);
  const blocks = r.stdout.split(/^=== .*\n/m).slice(1);
  return blocks.map((b) => b.split('\n').filter((l) => l !== ''));
}

describe('completion', () => {
  test('bash: commands, flags, names from the daemon, instances after a colon, files after -f', async (t) => {
    const c = await shop(t);
    const [commands, flags, names, projects, instances, files, shells, signals] = await bashCompletes(c, [
      'corral sto',
      'corral stop --',
      'corral stop ',
      'corral logs -p ',
      'corral restart web:',
      'corral up -f corr',
      'corral completion ',
      'corral kill web -s SIGH',
    ]);
    assert.deepEqual(commands, ['stop']);
    for (const flag of ['--all', '--json', '--project', '--help'])
      assert.ok(flags.includes(flag), `${flag}: ${flags}`);
    for (const name of ['web', 'db', 'shop/web', 'shop/db', 'web:0', 'shop/web:1', 'shop'])
      assert.ok(names.includes(name), `${name}: ${names}`);
    assert.deepEqual(projects, ['shop']);
    assert.deepEqual(instances, ['0', '1']);
    assert.deepEqual(files, ['corral.yaml']);
    assert.deepEqual(shells, ['bash', 'zsh', 'fish']);
    assert.deepEqual(signals, ['SIGHUP']);
  });

  test('with no daemon running, completion offers commands and no names, and starts no daemon', async (t) => {
    const c = homeFor(t);
    c.writeConfig(`name: shop\nservices:\n  web:\n    command: [${node}, ${fixture('forever.mjs')}]\n`);
    const [commands, names] = await bashCompletes(c, ['corral ', 'corral stop ']);
    for (const command of ['up', 'down', 'ps', 'logs', 'completion'])
      assert.ok(commands.includes(command), command);
    assert.ok(!commands.includes('__complete'), 'the helper is hidden');
    assert.deepEqual(names, []);
    assert.equal(
      existsSync(join(c.env.CORRAL_HOME as string, 'corral.sock')),
      false,
      'no daemon was started',
    );
    assert.deepEqual(pidsMarkedWith(c.home.dir), [], 'no process of this home is left');
  });

  test('an unknown shell is a usage error that lists the shells', async (t) => {
    const c = homeFor(t);
    const r = await c.corral(['completion', 'tcsh']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bash, zsh, fish/);
    assert.equal(r.stdout, '');
  });

  test('fish: complete -C', { skip: !installed('fish') && 'fish is not installed' }, async (t) => {
    const c = await shop(t);
    const env = corralOnPath(c);
    const script = [
      'corral completion fish | source',
      'echo "=== sto"',
      "complete -C 'corral sto'",
      'echo "=== stop"',
      "complete -C 'corral stop '",
      'echo "=== web:"',
      "complete -C 'corral restart shop/web:'",
    ].join('\n');
    const r = await runProcess('fish', ['--no-config', '-c', script], {
      cwd: c.projectDir,
      env,
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 0, r.stderr);
    const [commands, names, instances] = r.stdout
      .split(/^=== .*\n/m)
      .slice(1)
      .map((b) => b.split('\n').filter((l) => l !== ''));
    assert.deepEqual(
      commands.map((l) => l.split('\t')[0]),
      ['stop'],
    );
    assert.match(commands[0], /^stop\t\S/, 'with its description');
    const values = names.map((l) => l.split('\t')[0]);
    for (const name of ['web', 'db', 'shop/web', 'shop'])
      assert.ok(values.includes(name), `${name}: ${values}`);
    assert.deepEqual(
      instances.map((l) => l.split('\t')[0]),
      ['shop/web:0', 'shop/web:1'],
    );
  });

  test('zsh: the script parses, and Tab completes a command in a real zsh', {
    skip: !installed('zsh') && 'zsh is not installed',
  }, async (t) => {
    const c = await shop(t);
    const env = corralOnPath(c);
    const file = join(c.home.dir, '_corral');
    writeFileSync(file, execFileSync(node, [CLI, 'completion', 'zsh'], { env, encoding: 'utf8' }));
    execFileSync('zsh', ['-n', file]);
    const pane = new TmuxPane('zsh -f', { dir: c.home.dir, env: { ...env, PS1: '$ ' }, cwd: c.projectDir });
    t.after(() => pane.close());
    pane.sendKeys(`autoload -U compinit && compinit -u -D && source ${file} && echo loaded`, 'Enter');
    await pane.waitFor(/^loaded$/m, 'the script to load');
    pane.sendKeys('corral resta', 'Tab');
    await pane.waitFor(/corral restart\s*$/m, 'corral resta<Tab> to become corral restart');
    pane.sendKeys('shop/w', 'Tab');
    await pane.waitFor(/corral restart shop\/web/m, 'a service name');
  });
});
