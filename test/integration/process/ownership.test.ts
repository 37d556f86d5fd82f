// The one /proc scan for a home's processes: session leaders with CORRAL_HOME set to the home.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { homeProcesses } from '../../../src/process/ownership.js';
import { tempHome } from '../../helpers/home.js';
import { startFixture, testEnv } from './support.js';

test("homeProcesses finds this home's session leaders, not another home's nor a mere group member", async (t) => {
  const home = tempHome();
  const other = tempHome();
  t.after(() => {
    home.cleanup();
    other.cleanup();
  });
  const ours = startFixture(home, 'forever.mjs', [], {
    env: { ...testEnv(home), CORRAL_HOME: home.dir, CORRAL_SERVICE: 'web' },
  });
  const theirs = startFixture(other, 'forever.mjs', [], {
    env: { ...testEnv(other), CORRAL_HOME: other.dir },
  });
  // a child in our leader's session, with the same environment: not a session leader
  const forker = startFixture(home, 'forker.mjs', [], { env: { ...testEnv(home), CORRAL_HOME: home.dir } });
  const [, , line] = await Promise.all([ours.line('ready'), theirs.line('ready'), forker.line('"child"')]);
  const { child } = JSON.parse(line) as { child: number };
  const found = homeProcesses(home.dir);
  assert.equal(
    found.some((p) => p.pid === child),
    false,
    'the child of a leader is not one',
  );
  assert.deepEqual(found.map((p) => p.pid).sort(), [ours.pid, forker.pid].sort());
  assert.equal(found.find((p) => p.pid === ours.pid)?.env('CORRAL_SERVICE'), 'web');
  assert.equal(found.find((p) => p.pid === ours.pid)?.env('CORRAL'), undefined, 'a prefix is not a variable');
  assert.deepEqual(
    homeProcesses(home.dir, (p) => p.env('CORRAL_SERVICE') === 'web').map((p) => p.pid),
    [ours.pid],
  );
});
