// Every process the benchmark starts is cleaned up, pass, fail or Ctrl-C: the supervisors' own
// shutdown hooks run first (newest first), then every process group the harness spawned is
// SIGKILLed, then every process still carrying this run's marker in its environment.
import { randomBytes } from 'node:crypto';
import { markedPids } from './procfs.mjs';

/** The marker put into the environment of everything this run starts (BENCH_RUN=...). */
export const RUN_TAG = tagFromArgs() ?? `corral-bench-${randomBytes(6).toString('hex')}`;

const hooks = [];
const groups = new Set();
let cleaning = null;

function tagFromArgs() {
  const hit = process.argv.find((a) => a.startsWith('--tag='));
  return hit ? hit.slice('--tag='.length) : null;
}

/** The small, identical environment every supervisor and every command runs with. */
export function benchEnv(extra = {}) {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    NO_COLOR: '1',
    BENCH_RUN: RUN_TAG,
    ...extra,
  };
}

/** Registers an async teardown (stop a daemon gracefully); returns a function that drops it. */
export function onCleanup(fn) {
  hooks.push(fn);
  return () => {
    const i = hooks.indexOf(fn);
    if (i >= 0) hooks.splice(i, 1);
  };
}

/** Remembers a process group (its leader's pid) to SIGKILL at the end. */
export function trackGroup(pid) {
  if (pid) groups.add(pid);
}

export function untrackGroup(pid) {
  groups.delete(pid);
}

export function killGroup(pid, signal = 'SIGKILL') {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
    } catch {
      // already gone
    }
  }
}

/** Kills what is left of this run (everything marked with RUN_TAG); returns how many it found. */
export function sweepMarked() {
  const left = markedPids(RUN_TAG).filter((pid) => pid !== process.pid);
  for (const pid of left) killGroup(pid);
  return left.length;
}

/** True once cleanup has begun: nothing new may be started then. */
export const isCleaning = () => cleaning !== null;

/** Runs every hook (each bounded in time), then kills what is left. Idempotent. */
export function cleanupAll() {
  cleaning ??= (async () => {
    while (hooks.length > 0) {
      const fn = hooks.pop();
      await Promise.race([
        Promise.resolve()
          .then(fn)
          .catch(() => {}),
        new Promise((r) => setTimeout(r, 20_000).unref()),
      ]);
    }
    for (const pid of groups) killGroup(pid);
    groups.clear();
    return sweepMarked();
  })();
  return cleaning;
}

/** Ctrl-C, SIGTERM and crashes of the harness still clean up before it exits. */
export function installExitHandlers(log) {
  const bail = (why, code) => {
    log(`\n${why}: stopping everything this benchmark started...`);
    cleanupAll().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => bail('interrupted', 130));
  process.once('SIGTERM', () => bail('terminated', 143));
  process.once('SIGHUP', () => bail('hung up', 129));
  process.on('uncaughtException', (e) => bail(`error: ${e.stack ?? e}`, 1));
  process.on('unhandledRejection', (e) => bail(`error: ${e?.stack ?? e}`, 1));
}
