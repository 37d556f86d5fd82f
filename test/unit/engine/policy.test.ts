import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackoffSpec, RestartPolicy } from '../../../src/config/types.js';
import { DEFAULTS } from '../../../src/defaults.js';
import {
  backoffDelay,
  type Decision,
  decide,
  describeExit,
  type ExitInfo,
  exitCode,
  exitReason,
} from '../../../src/engine/policy.js';
import type { ExitReason } from '../../../src/engine/states.js';

const BACKOFF: BackoffSpec = { ...DEFAULTS.backoff };
/** the default schedule, restart n at index n - 1, as SPEC.md §2 states it */
const SCHEDULE = [0, 0, 0, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000];
const SHORT_RUN = 100;

function spec(restart: RestartPolicy, maxRestarts = 0) {
  return { restart, successCodes: [0, 3], backoff: BACKOFF, maxRestarts };
}

function exit(kind: Omit<ExitInfo, 'runMs'>, runMs = SHORT_RUN): ExitInfo {
  return { ...kind, runMs };
}

// Every way a process can end, with the action each restart mode takes (spec successCodes: [0, 3]).
type Action = Decision['action'];
interface Kind {
  name: string;
  exit: Omit<ExitInfo, 'runMs'>;
  always: Action;
  onFailure: Action;
  never: Action;
}
function kind(
  name: string,
  code: number | null,
  signal: NodeJS.Signals | null,
  reason: ExitReason,
  [always, onFailure, never]: [Action, Action, Action],
): Kind {
  return { name, exit: { code, signal, reason }, always, onFailure, never };
}
// actions:               always      on-failure  never
const RESTART_EXIT_EXIT: [Action, Action, Action] = ['restart', 'exit', 'exit'];
const RESTART_RESTART_EXIT: [Action, Action, Action] = ['restart', 'restart', 'exit'];
const EXIT_EXIT_EXIT: [Action, Action, Action] = ['exit', 'exit', 'exit'];
const FAIL_FAIL_FAIL: [Action, Action, Action] = ['fail', 'fail', 'fail'];
const KINDS: Kind[] = [
  kind('exit 0', 0, null, 'exited', RESTART_EXIT_EXIT),
  kind('exit 3, a success code', 3, null, 'exited', RESTART_EXIT_EXIT),
  kind('exit 1', 1, null, 'crashed', RESTART_RESTART_EXIT),
  kind('exit 255', 255, null, 'crashed', RESTART_RESTART_EXIT),
  kind('killed by SIGKILL', null, 'SIGKILL', 'crashed', RESTART_RESTART_EXIT),
  kind('killed by SIGTERM', null, 'SIGTERM', 'crashed', RESTART_RESTART_EXIT),
  kind('health failed, exit 0 on SIGTERM', 0, null, 'health-failed', RESTART_RESTART_EXIT),
  kind('health failed, killed', null, 'SIGTERM', 'health-failed', RESTART_RESTART_EXIT),
  kind('ready timeout, exit 0', 0, null, 'ready-timeout', RESTART_RESTART_EXIT),
  kind('ready timeout, killed', null, 'SIGKILL', 'ready-timeout', RESTART_RESTART_EXIT),
  kind('over max_memory, exit 0', 0, null, 'max-memory', RESTART_RESTART_EXIT),
  kind('killed after stop timeout', null, 'SIGKILL', 'killed-after-timeout', RESTART_RESTART_EXIT),
  kind('unknown status (ended while no daemon ran)', null, null, 'unknown', RESTART_RESTART_EXIT),
  kind('stopped by user, exit 0', 0, null, 'stopped-by-user', EXIT_EXIT_EXIT),
  kind('stopped by user, exit 1', 1, null, 'stopped-by-user', EXIT_EXIT_EXIT),
  kind('stopped by user, killed', null, 'SIGKILL', 'stopped-by-user', EXIT_EXIT_EXIT),
  kind('could not be started', null, null, 'spawn-failed', FAIL_FAIL_FAIL),
];

const MODES: Array<[RestartPolicy, 'always' | 'onFailure' | 'never']> = [
  ['always', 'always'],
  ['on-failure', 'onFailure'],
  ['never', 'never'],
];
const COUNTERS = [0, 1, 2, 3, 4, 8, 9, 10, 50];
const RUNS = [0, SHORT_RUN, BACKOFF.resetAfterMs - 1, BACKOFF.resetAfterMs, 3_600_000];

test('every restart mode × exit kind × counter × run length, with no max_restarts', () => {
  let cases = 0;
  for (const [mode, column] of MODES) {
    for (const kind of KINDS) {
      for (const counter of COUNTERS) {
        for (const runMs of RUNS) {
          const label = `${mode} / ${kind.name} / restarts ${counter} / ran ${runMs} ms`;
          const d = decide(spec(mode), exit(kind.exit, runMs), { restarts: counter });
          const counted = runMs >= BACKOFF.resetAfterMs ? 0 : counter;
          assert.equal(d.action, kind[column], label);
          assert.equal(d.reason, kind.exit.reason, label);
          if (d.action === 'restart') {
            assert.equal(d.restarts, counted + 1, label);
            assert.equal(d.delayMs, SCHEDULE[Math.min(counted, SCHEDULE.length - 1)], label);
          } else {
            assert.equal(d.delayMs, 0, label);
            const kept = kind.exit.reason === 'stopped-by-user' ? 0 : counted;
            assert.equal(d.restarts, kept, label);
          }
          cases++;
        }
      }
    }
  }
  assert.equal(cases, MODES.length * KINDS.length * COUNTERS.length * RUNS.length);
});

test('the default schedule: three free restarts, then 2 s doubling up to 60 s', () => {
  const got = SCHEDULE.map((_, i) => backoffDelay(BACKOFF, i + 1));
  assert.deepEqual(got, SCHEDULE);
  // and the same through decide(), restart after restart, as a crash loop would see it
  let restarts = 0;
  const delays: number[] = [];
  for (let i = 0; i < SCHEDULE.length; i++) {
    const d = decide(spec('always'), exit({ code: 1, signal: null, reason: 'crashed' }), { restarts });
    delays.push(d.delayMs);
    restarts = d.restarts;
  }
  assert.deepEqual(delays, SCHEDULE);
  assert.equal(restarts, SCHEDULE.length);
});

test('backoffDelay with other settings', () => {
  const fast: BackoffSpec = { free: 0, initialMs: 100, factor: 3, maxMs: 1_000, resetAfterMs: 1_000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((n) => backoffDelay(fast, n)),
    [100, 300, 900, 1_000, 1_000],
  );
  const flat: BackoffSpec = { free: 1, initialMs: 500, factor: 1, maxMs: 60_000, resetAfterMs: 1_000 };
  assert.deepEqual(
    [1, 2, 3, 4].map((n) => backoffDelay(flat, n)),
    [0, 500, 500, 500],
  );
  const fractional: BackoffSpec = {
    free: 0,
    initialMs: 1_000,
    factor: 1.5,
    maxMs: 60_000,
    resetAfterMs: 1_000,
  };
  assert.deepEqual(
    [1, 2, 3].map((n) => backoffDelay(fractional, n)),
    [1_000, 1_500, 2_250],
  );
  const allFree: BackoffSpec = {
    free: 1_000,
    initialMs: 1_000,
    factor: 2,
    maxMs: 60_000,
    resetAfterMs: 1_000,
  };
  assert.equal(backoffDelay(allFree, 1_000), 0);
  assert.equal(backoffDelay(allFree, 1_001), 1_000);
  // a factor ** attempt that overflows to Infinity is still capped
  assert.equal(backoffDelay(BACKOFF, 100_000), 60_000);
});

test('reset_after: a run that long starts the count again, one ms less does not', () => {
  const crash = { code: 1, signal: null, reason: 'crashed' } as const;
  const long = decide(spec('always'), exit(crash, BACKOFF.resetAfterMs), { restarts: 7 });
  assert.deepEqual([long.action, long.restarts, long.delayMs], ['restart', 1, 0]);
  const short = decide(spec('always'), exit(crash, BACKOFF.resetAfterMs - 1), { restarts: 7 });
  assert.deepEqual([short.action, short.restarts, short.delayMs], ['restart', 8, 32_000]);
});

test('max_restarts: gives up on the restart after the last allowed one', () => {
  const crash = { code: 1, signal: null, reason: 'crashed' } as const;
  for (const max of [1, 2, 5]) {
    let restarts = 0;
    const actions: string[] = [];
    for (let i = 0; i <= max; i++) {
      const d = decide(spec('always', max), exit(crash), { restarts });
      actions.push(d.action);
      restarts = d.restarts;
      if (d.action === 'fail') {
        assert.equal(d.restarts, max);
        assert.equal(d.delayMs, 0);
        assert.match(d.message, new RegExp(`gave up after ${max} restarts`));
      }
    }
    assert.deepEqual(actions, [...Array(max).fill('restart'), 'fail'], `max_restarts ${max}`);
  }
});

test('max_restarts: a long run in between resets the count, so it does not give up', () => {
  const crash = { code: 1, signal: null, reason: 'crashed' } as const;
  const d = decide(spec('always', 2), exit(crash, BACKOFF.resetAfterMs), { restarts: 2 });
  assert.equal(d.action, 'restart');
  assert.equal(d.restarts, 1);
});

test('max_restarts: 0 never gives up', () => {
  const d = decide(spec('always', 0), exit({ code: 1, signal: null, reason: 'crashed' }), {
    restarts: 1_000_000,
  });
  assert.equal(d.action, 'restart');
  assert.equal(d.delayMs, 60_000);
});

test('max_restarts does not turn a policy exit into a failure', () => {
  const d = decide(spec('on-failure', 1), exit({ code: 0, signal: null, reason: 'exited' }), { restarts: 1 });
  assert.equal(d.action, 'exit');
});

test('stopped-by-user is never restarted and ends the crash loop', () => {
  for (const [mode] of MODES) {
    const d = decide(spec(mode, 3), exit({ code: null, signal: 'SIGTERM', reason: 'stopped-by-user' }), {
      restarts: 3,
    });
    assert.deepEqual([d.action, d.delayMs, d.restarts], ['exit', 0, 0], mode);
    assert.match(d.message, /stopped by user/);
  }
});

test('messages say what happened and what comes next', () => {
  const crash = { code: 1, signal: null, reason: 'crashed' } as const;
  assert.equal(
    decide(spec('always'), exit(crash), { restarts: 0 }).message,
    'exited with code 1; restart 1 now',
  );
  assert.equal(
    decide(spec('always'), exit(crash), { restarts: 3 }).message,
    'exited with code 1; restart 4 in 2s',
  );
  assert.equal(
    decide(spec('always'), exit({ code: null, signal: 'SIGKILL', reason: 'health-failed' }), { restarts: 0 })
      .message,
    'health-failed: killed by SIGKILL (137); restart 1 now',
  );
  assert.equal(
    decide(spec('never'), exit({ code: 0, signal: null, reason: 'exited' }), { restarts: 0 }).message,
    'exited with code 0; not restarted (restart: never)',
  );
  assert.equal(
    decide(spec('always', 2), exit(crash), { restarts: 2 }).message,
    'exited with code 1; gave up after 2 restarts',
  );
  const odd: BackoffSpec = { ...BACKOFF, free: 0, initialMs: 250 };
  const d = decide({ ...spec('always'), backoff: odd }, exit(crash), { restarts: 0 });
  assert.equal(d.message, 'exited with code 1; restart 1 in 250ms');
});

test('decide does not change its inputs', () => {
  const s = Object.freeze({ ...spec('always'), backoff: Object.freeze({ ...BACKOFF }) });
  const e = Object.freeze(exit({ code: 1, signal: null, reason: 'crashed' }));
  const st = Object.freeze({ restarts: 4 });
  const first = decide(s, e, st);
  assert.deepEqual(decide(s, e, st), first);
  assert.equal(st.restarts, 4);
});

test('exitCode: the code, or 128 + the signal number', () => {
  assert.equal(exitCode(0, null), 0);
  assert.equal(exitCode(3, null), 3);
  assert.equal(exitCode(null, 'SIGHUP'), 129);
  assert.equal(exitCode(null, 'SIGINT'), 130);
  assert.equal(exitCode(null, 'SIGKILL'), 137);
  assert.equal(exitCode(null, 'SIGTERM'), 143);
  assert.equal(exitCode(null, null), null);
});

test('describeExit', () => {
  assert.equal(describeExit(3, null), 'exited with code 3');
  assert.equal(describeExit(0, null), 'exited with code 0');
  assert.equal(describeExit(null, 'SIGKILL'), 'killed by SIGKILL (137)');
  assert.equal(describeExit(null, 'SIGSEGV'), 'killed by SIGSEGV (139)');
  assert.equal(describeExit(null, null), 'ended with an unknown status');
});

test('exitReason: exited for a success code, crashed for anything else', () => {
  assert.equal(exitReason(0, null, [0]), 'exited');
  assert.equal(exitReason(3, null, [0, 3]), 'exited');
  assert.equal(exitReason(3, null, [0]), 'crashed');
  assert.equal(exitReason(null, 'SIGTERM', [0]), 'crashed');
  assert.equal(exitReason(null, null, [0]), 'crashed');
});
