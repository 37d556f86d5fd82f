// Timestamped logs survive the daemon's death exactly once: a service floods a timestamped log
// while the daemon is SIGKILLed again and again; after each kill a new daemon takes over the
// same FIFO; at the end every line is in the log files once, in order, with one stamp.
// CORRAL_TS_CRASH_LINES sets the number of lines (default 1,000,000).
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { logFiles, TIMESTAMP_PREFIX_BYTES } from '../../src/logs/index.js';
import { homeFor } from '../helpers/cli.js';
import { waitForRow } from '../helpers/daemon-api.js';
import { endsWith } from '../helpers/files.js';
import { isGone } from '../helpers/proc.js';
import { waitFor } from '../helpers/wait.js';
import { killAsFileGrows } from '../integration/logs/support.js';

const LINES = Number(process.env.CORRAL_TS_CRASH_LINES ?? 1_000_000);
const KILLS = 8;
const KEEP = 1000;
const STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z $/;

/**
 * Line `n` of the flood: its number, then 0..170 bytes (about 92 bytes a line on average,
 * 92 MB in all: enough that every one of the kills comes while the flood is still going, as
 * each new daemon moves a few MB before the test sees it up).
 */
function line(n: number): string {
  return `${n} ${'x'.repeat(n % 171)}`;
}

/** Counts the lines of `files` (oldest first) against the flood: every one once, in order, stamped once. */
function checkLines(files: string[]): { lines: number; files: number } {
  const texts = files.map((f) => readFileSync(f, 'latin1'));
  const total = texts.reduce((sum, text) => sum + text.split('\n').length - 1, 0);
  let expected = 1;
  for (const [i, file] of files.entries()) {
    const text = texts[i];
    assert.ok(text.endsWith('\n'), `${file} ends with a whole line`);
    let start = 0;
    while (start < text.length) {
      const end = text.indexOf('\n', start);
      const stamp = text.slice(start, start + TIMESTAMP_PREFIX_BYTES);
      const body = text.slice(start + TIMESTAMP_PREFIX_BYTES, end);
      if (!STAMP.test(stamp) || body !== line(expected)) {
        assert.fail(
          `${total} lines in the log files for ${LINES} written; line ${expected} of the flood is ` +
            `${JSON.stringify(text.slice(start, Math.min(end, start + 100)))}, expected the stamp and ` +
            `${JSON.stringify(line(expected))}`,
        );
      }
      expected++;
      start = end + 1;
    }
  }
  return { lines: expected - 1, files: files.length };
}

test(`a timestamped flood of ${LINES.toLocaleString('en')} lines, the daemon SIGKILLed ${KILLS} times: every line once, in order`, async (t) => {
  const started = performance.now();
  const c = homeFor(t);
  const parts: string[] = [];
  for (let n = 1; n <= LINES; n++) parts.push(line(n));
  const source = join(c.projectDir, 'lines.txt');
  writeFileSync(source, `${parts.join('\n')}\n`);
  parts.length = 0;
  // `cat` writes far faster than a daemon stamps, so the pipe is full whenever a daemon runs
  // and each kill finds it busy. Rotation at 8 MB puts file changes in the way of the kills too.
  c.writeConfig(`
name: flood
services:
  flood:
    command: [cat, ${JSON.stringify(source)}]
    restart: never
    logs: { timestamps: true, max_size: 8MB, keep: ${KEEP} }
`);
  assert.equal((await c.corral(['up', '--no-wait'])).code, 0);
  const home = c.env.CORRAL_HOME as string;
  const log = join(home, 'logs', 'flood', 'flood.log');
  const done = (): boolean => endsWith(log, ` ${line(LINES)}\n`);
  // The flood is paused (SIGSTOP) from each kill until the next daemon is up, so that how much a
  // daemon moves before the test sees it does not depend on how fast it boots: what it finds is
  // the full pipe, as after any crash.
  const cat = (await waitForRow(c, (r) => r.pid !== null, { what: 'the flood to run' })).pid as number;
  let kills = 0;
  /** bytes in the log files when the daemon was last killed */
  let logged = 0;
  for (let i = 0; i < KILLS && !done(); i++) {
    const pid = Number(readFileSync(join(home, 'daemon.pid'), 'utf8'));
    process.kill(cat, 'SIGCONT');
    if (i % 4 !== 3) {
      // the moment the live file changes size: most likely inside a write to it
      if (!killAsFileGrows(pid, log, 20_000)) {
        // the flood may have ended between the loop's look and this one (a slow test process)
        assert.ok(done(), `round ${i + 1}: the log did not grow, and the flood is not all in it`);
        break;
      }
    } else {
      // a moment at random, a little after it has been seen writing
      const size = existsSize(log);
      await waitFor(() => done() || existsSize(log) !== size, { interval: 1, what: 'the log to grow' });
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 5)));
      process.kill(pid, 'SIGKILL');
    }
    await waitFor(() => isGone(pid), { what: `daemon ${pid} to die` });
    if (done()) break;
    process.kill(cat, 'SIGSTOP');
    kills++;
    logged = logFiles(log, KEEP).reduce((sum, f) => sum + Math.max(0, existsSize(f)), 0);
    assert.equal((await c.corral(['daemon', 'start'])).code, 0);
  }
  process.kill(cat, 'SIGCONT');
  await waitFor(done, { timeout: 120_000, what: 'the last line in the log' });
  const files = logFiles(log, KEEP);
  const counted = checkLines(files);
  assert.equal(counted.lines, LINES);
  t.diagnostic(
    `${counted.lines} lines in ${counted.files} files, each once and in order; daemon killed mid-flood ` +
      `${kills} times (the last time with ${(logged / 2 ** 20).toFixed(0)} of ` +
      `${(files.reduce((sum, f) => sum + existsSize(f), 0) / 2 ** 20).toFixed(0)} MB logged); ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  assert.equal(kills, KILLS, 'every kill came before the flood was written');
});

/** The size of the file at `path`, -1 when there is none. */
function existsSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}
