// The synopsis lines of docs/cli.md and the commands the CLI defines stay in step: every
// command has a line, every option and argument of it is on that line, and nothing else is.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { Command } from 'commander';
import { ProcessStatus } from '../../src/api/schemas.js';
import { buildProgram } from '../../src/cli/main.js';
import { REPO_ROOT } from '../helpers/home.js';

interface Documented {
  /** e.g. "daemon start" */
  path: string;
  line: string;
}

/** Every `corral COMMAND ...` line inside a fenced block of docs/cli.md, by command path. */
function synopsisLines(doc: string, commandPaths: string[]): Documented[] {
  const out: Documented[] = [];
  for (const block of doc.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    if (block[1] !== '') continue; // json and other examples
    for (const line of block[2].split('\n')) {
      if (!line.startsWith('corral ') || line.startsWith('corral [--home')) continue;
      const words = line.split(' ');
      // the longest command path the line starts with: "daemon start" before "daemon"
      const path = commandPaths
        .filter((p) => words.slice(1, 1 + p.split(' ').length).join(' ') === p)
        .sort((a, b) => b.length - a.length)[0];
      out.push({ path: path ?? words[1], line });
    }
  }
  return out;
}

/** Every command that runs something (not a group such as `daemon`), with its path. */
function leafCommands(program: Command): Array<{ path: string; cmd: Command }> {
  const out: Array<{ path: string; cmd: Command }> = [];
  const visit = (cmd: Command, prefix: string[]): void => {
    for (const sub of cmd.commands) {
      if (sub.name() === 'help') continue;
      const path = [...prefix, sub.name()];
      if (sub.commands.length > 0) visit(sub, path);
      else out.push({ path: path.join(' '), cmd: sub });
    }
  };
  visit(program, []);
  return out;
}

/** How docs write an argument: SERVICE... (in brackets when optional), PROJECT. */
function argumentWord(arg: { name(): string; variadic: boolean }): string {
  return `${arg.name().toUpperCase()}${arg.variadic ? '...' : ''}`;
}

/** The flags written on a synopsis line: -f, --wait, --no-wait. */
function flagsOn(line: string): string[] {
  return [...line.matchAll(/(?<=[\s[|])(--?[a-z][a-z-]*)/g)].map((m) => m[1]);
}

test('docs/cli.md has a synopsis line for every command, with exactly its options and arguments', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'cli.md'), 'utf8');
  const sink = new PassThrough();
  const program = buildProgram({ out: sink, err: sink }, { code: 0 });
  const commands = leafCommands(program);
  const documented = synopsisLines(
    doc,
    commands.map((c) => c.path),
  );
  const known = new Set(commands.map((c) => c.path));
  for (const d of documented)
    assert.ok(known.has(d.path), `docs/cli.md documents unknown command: ${d.line}`);
  for (const { path, cmd } of commands) {
    const lines = documented.filter((d) => d.path === path).map((d) => d.line);
    assert.ok(lines.length > 0, `docs/cli.md has no synopsis line for "corral ${path}"`);
    const written = new Set(lines.flatMap(flagsOn));
    const options = cmd.options.filter((o) => !o.hidden);
    for (const o of options) {
      const flags = [o.long, o.short].filter((f): f is string => f !== undefined);
      assert.ok(
        flags.some((f) => written.has(f)),
        `"corral ${path}" has option ${flags.join(', ')} that docs/cli.md does not show: ${lines.join(' / ')}`,
      );
    }
    const accepted = new Set(options.flatMap((o) => [o.long, o.short]));
    for (const flag of written) {
      assert.ok(
        accepted.has(flag),
        `docs/cli.md shows ${flag} for "corral ${path}", which has no such option`,
      );
    }
    for (const arg of cmd.registeredArguments) {
      const word = argumentWord(arg);
      assert.ok(
        lines.some((l) => l.split(/[\s[\]|]+/).includes(word)),
        `docs/cli.md does not show argument ${word} of "corral ${path}": ${lines.join(' / ')}`,
      );
    }
  }
});

test('corral --help lists every command', async () => {
  let text = '';
  const out = new PassThrough();
  out.on('data', (d) => (text += d));
  const program = buildProgram({ out, err: out }, { code: 0 });
  program.exitOverride();
  await program.parseAsync(['--help'], { from: 'user' }).catch(() => {});
  for (const { path } of leafCommands(program)) {
    const top = path.split(' ')[0];
    assert.match(text, new RegExp(`^  ${top}\\b`, 'm'), `corral --help does not list ${top}`);
  }
});

test('the ps --json example in docs/cli.md has exactly the fields a status has', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'cli.md'), 'utf8');
  const ps = doc.slice(doc.indexOf('## ps'));
  const example = /^```json\n([\s\S]*?)^```$/m.exec(ps);
  assert.ok(example, 'docs/cli.md has no ps --json example');
  const [row] = JSON.parse(example[1]) as Array<Record<string, unknown>>;
  assert.deepEqual(Object.keys(row).sort(), Object.keys(ProcessStatus.properties).sort());
});
