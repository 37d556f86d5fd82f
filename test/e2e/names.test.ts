// Names from where the user stands: a bare service name means a service of the project of the
// config file in the current directory first (as compose does), `-p PROJECT` chooses the
// project, and a name that means nothing says what is close and what is known.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type CliEnv, homeFor, psJson, waitForState } from '../helpers/cli.js';
import { fixture } from '../helpers/home.js';

const node = process.execPath;
const forever = `${node} ${fixture('forever.mjs')}`;

/** Two projects that both have a `web`: day1 (corral.yaml, also a `setup`) and day2 (a Procfile). */
async function twoProjects(c: CliEnv): Promise<{ day1: string; day2: string }> {
  const day1 = join(c.home.dir, 'day1');
  const day2 = join(c.home.dir, 'day2');
  mkdirSync(day1);
  mkdirSync(day2);
  writeFileSync(
    join(day1, 'corral.yaml'),
    `name: day1\nservices:\n  web:\n    command: ${forever}\n  setup:\n    command: ${forever}\n`,
  );
  writeFileSync(join(day2, 'Procfile'), `web: exec ${forever}\n`);
  for (const cwd of [day1, day2]) {
    const r = await c.corral(['up', '--no-wait'], { cwd });
    assert.equal(r.code, 0, r.stderr);
  }
  for (const name of ['day1/web:0', 'day1/setup:0', 'day2/web:0']) await waitForState(c, name, 'running');
  return { day1, day2 };
}

async function stateOf(c: CliEnv, name: string): Promise<unknown> {
  return (await psJson(c)).find((p) => p.name === name)?.state;
}

describe('names from here', () => {
  test('a bare name means the service of the project of the config file here first; -p chooses the project', async (t) => {
    const c = homeFor(t);
    const { day1, day2 } = await twoProjects(c);

    // in day1's directory, `web` is day1's
    const inDay1 = await c.corral(['stop', 'web'], { cwd: day1 });
    assert.equal(inDay1.code, 0, inDay1.stderr);
    assert.match(inDay1.stderr, /^day1\/web:0: stopped/m);
    assert.equal(await stateOf(c, 'day1/web:0'), 'stopped');
    assert.equal(await stateOf(c, 'day2/web:0'), 'running');

    // in day2's (a Procfile), `web` is day2's; inspect and logs say so too
    const inspect = await c.corral(['inspect', 'web'], { cwd: day2 });
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, /^day2\/web\n/);
    const logs = await c.corral(['logs', 'web', '--json'], { cwd: day2 });
    assert.equal(logs.code, 0, logs.stderr);
    assert.deepEqual(
      [...new Set((JSON.parse(logs.stdout) as Array<{ name: string }>).map((l) => l.name))],
      ['day2/web:0'],
    );
    assert.doesNotMatch(logs.stdout, /day1/);

    // a service the project here does not have is looked for in every project
    const setup = await c.corral(['restart', 'setup'], { cwd: day2 });
    assert.equal(setup.code, 0, setup.stderr);
    assert.match(setup.stderr, /^day1\/setup:0: /m);

    // elsewhere the bare name is ambiguous, and the error says how to choose
    const ambiguous = await c.corral(['start', 'web']);
    assert.equal(ambiguous.code, 2);
    assert.match(
      ambiguous.stderr,
      /"web" is a service of several projects: day1\/web, day2\/web; .*-p PROJECT/,
    );

    // -p chooses, from anywhere
    const chosen = await c.corral(['start', '-p', 'day1', 'web']);
    assert.equal(chosen.code, 0, chosen.stderr);
    await waitForState(c, 'day1/web:0', 'running');
    const signal = await c.corral(['kill', '--project', 'day2', 'web', '-s', 'SIGTERM'], { cwd: day1 });
    assert.equal(signal.code, 0, signal.stderr);
    assert.match(signal.stderr, /SIGTERM sent to day2\/web:0/);

    // -p and no name: every service of the project
    const whole = await c.corral(['stop', '-p', 'day1']);
    assert.equal(whole.code, 0, whole.stderr);
    assert.equal(await stateOf(c, 'day1/web:0'), 'stopped');
    assert.equal(await stateOf(c, 'day1/setup:0'), 'stopped');

    // a name of another project than -p's is refused, and nothing is done
    const clash = await c.corral(['start', '-p', 'day1', 'day2/web', 'web']);
    assert.equal(clash.code, 2);
    assert.match(clash.stderr, /"day2\/web" is a service of project day2, but -p chose project day1/);
    assert.equal(await stateOf(c, 'day1/web:0'), 'stopped');
  });

  test('an unknown name gets a did-you-mean and the names of the project here first; an unknown project is its own error', async (t) => {
    const c = homeFor(t);
    const { day1 } = await twoProjects(c);

    const typo = await c.corral(['stop', 'setup', 'wbe'], { cwd: day1 });
    assert.equal(typo.code, 2);
    assert.match(
      typo.stderr,
      /^corral: No service or project named "wbe" \(did you mean "web"\?\); known: day1: web, setup; day2: web$/m,
    );
    assert.equal(await stateOf(c, 'day1/setup:0'), 'running', 'nothing was stopped');

    // not here: the daemon answers, with the same help
    const elsewhere = await c.corral(['restart', 'stup']);
    assert.equal(elsewhere.code, 2);
    assert.match(
      elsewhere.stderr,
      /No service or project named "stup" \(did you mean "setup"\?\); known: day1: web, setup; day2: web/,
    );

    for (const args of [
      ['stop', 'nosuchproj/web'],
      ['stop', '-p', 'nosuchproj', 'web'],
      ['stop', '-p', 'nosuchproj'],
      ['logs', '-p', 'nosuchproj'],
    ]) {
      const r = await c.corral(args, { cwd: day1 });
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /^corral: No project named "nosuchproj"; loaded: day1, day2$/m, args.join(' '));
    }
    const close = await c.corral(['stop', 'dya1/web']);
    assert.match(close.stderr, /No project named "dya1" \(did you mean "day1"\?\); loaded: day1, day2/);
    assert.equal(await stateOf(c, 'day1/web:0'), 'running', 'nothing was stopped');
  });
});
