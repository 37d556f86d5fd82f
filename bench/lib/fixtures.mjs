// The fixture programs, as the same argv for every supervisor.
import { randomInt } from 'node:crypto';
import { join } from 'node:path';

const DIR = new URL('../fixtures/', import.meta.url).pathname;
const NODE = process.execPath;

export const fixture = (name) => join(DIR, name);

/** Crash-restart fixtures: `node` (a Node program) and `light` (bash, ~2 ms to start). */
export const crashArgv = {
  node: (file, count) => [NODE, fixture('crash.mjs'), file, String(count)],
  light: (file, count) => ['/bin/bash', fixture('crash.sh'), file, String(count)],
};

/**
 * The idle service: `sleep` with an argument unique to this harness run, so its processes can be
 * counted in /proc. A real binary rather than Node: a thousand idle Node processes would need
 * 40 GB, and a hundred of them starting at once measure Node's start-up, not the supervisor.
 */
export function idleFixture() {
  const arg = String(randomInt(1_000_000_000, 2_000_000_000));
  return {
    argv: ['/bin/sleep', arg],
    isOne: (argv) => argv.length === 2 && argv[1] === arg && argv[0].endsWith('sleep'),
  };
}

export const tickerArgv = (name, stateDir) => [NODE, fixture('ticker.mjs'), name, stateDir];
export const isTicker = (stateDir) => (argv) => argv[1] === fixture('ticker.mjs') && argv[3] === stateDir;

export const writerArgv = (bytes, markFile, out) =>
  [NODE, fixture('writer.mjs'), String(bytes), markFile, out].filter(Boolean);
export const isWriter = (markFile) => (argv) => argv[1] === fixture('writer.mjs') && argv[3] === markFile;

/** Lines "WHAT T_NS" of a mark file as [{ what, ns }], ns a BigInt. */
export function parseMarks(text) {
  return text
    .split('\n')
    .filter((l) => /^\w+ \d+$/.test(l))
    .map((l) => {
      const [what, t] = l.split(' ');
      return { what, ns: BigInt(t) };
    });
}

/** b - a in ms, for two BigInt ns stamps. */
export const msBetween = (a, b) => Number(b - a) / 1e6;
