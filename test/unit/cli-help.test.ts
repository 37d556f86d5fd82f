// Every command's --help ends with examples; an unknown command is answered with another only
// when that one is a likely typo of it.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram, main } from '../../src/cli/main.js';

/** Runs the CLI in process; what it printed on stdout and stderr, and its exit code. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d) => (o += d));
  err.on('data', (d) => (e += d));
  const code = await main(argv, { out, err });
  return { code, out: o, err: e };
}

/** Every command path of the program, groups and leaves, `help` aside. */
function commandPaths(program: Command): string[][] {
  const out: string[][] = [];
  const visit = (cmd: Command, path: string[]): void => {
    for (const sub of cmd.commands) {
      if (sub.name() === 'help') continue;
      out.push([...path, sub.name()]);
      visit(sub, [...path, sub.name()]);
    }
  };
  visit(program, []);
  return out;
}

test("every command's --help ends with one to three examples", async () => {
  const sink = new PassThrough();
  const paths = [[], ...commandPaths(buildProgram({ out: sink, err: sink }, { code: 0 }))];
  assert.ok(paths.length > 20);
  for (const path of paths) {
    const { code, out } = await run([...path, '--help']);
    assert.equal(code, 0);
    const examples = /\nExamples:\n((?: {2}.*\n)+)$/.exec(out);
    assert.ok(examples, `corral ${path.join(' ')} --help has no examples at its end:\n${out}`);
    const lines = examples[1].split('\n').filter((l) => /^ {2}\S/.test(l));
    assert.ok(lines.length >= 1 && lines.length <= 3, `corral ${path.join(' ')}: ${lines.length} examples`);
    for (const line of lines) assert.match(line, /corral/, `an example runs corral: ${line}`);
    for (const line of examples[1].split('\n'))
      assert.ok(line.length <= 80, `corral ${path.join(' ')}: an example line is wider than 80: ${line}`);
  }
});

test('the help of --home and -f names every default', async () => {
  const top = await run(['--help']);
  assert.match(top.out, /\$CORRAL_HOME, else\s+\$XDG_STATE_HOME\/corral, else\s+~\/\.local\/state\/corral/);
  const up = await run(['up', '--help']);
  assert.match(up.out, /corral\.yaml or\s+corral\.yml, then\s+Procfile/);
});

test('an unknown command suggests only a close one', async () => {
  for (const [argv, suggestion] of [
    [['stpo'], 'stop'],
    [['lgos'], 'logs'],
    [['daemon', 'stats'], 'status'],
    [['bogus'], null],
    [['monit'], null],
    [['status'], null],
    [['daemon', 'bogus'], null],
  ] as const) {
    const r = await run([...argv]);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, new RegExp(`unknown command '${argv.at(-1)}'`));
    if (suggestion === null) assert.doesNotMatch(r.err, /Did you mean/, `${argv.join(' ')}: ${r.err}`);
    else assert.match(r.err, new RegExp(`\\(Did you mean ${suggestion}\\?\\)`), argv.join(' '));
  }
});
