// A log channel under a writer that writes as fast as it can: every byte reaches the file, in
// order, exactly as when the same writer writes straight to a file (with timestamps: the same
// lines once their prefixes are removed). The time of each path is reported, not asserted (a
// loaded test machine makes ratios noisy). CORRAL_LOG_BENCH_MB sets the volume (default 8) and
// CORRAL_LOG_BENCH_ROUNDS the rounds (default 1), for a benchmark.
import assert from 'node:assert/strict';
import { openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LogHub, TIMESTAMP_PREFIX_BYTES } from '../../../src/logs/index.js';
import { tempHome } from '../../helpers/home.js';
import { captureLogger, channelOptions, printLines } from './support.js';

const MB = Number(process.env.CORRAL_LOG_BENCH_MB ?? 8);
const ROUNDS = Number(process.env.CORRAL_LOG_BENCH_ROUNDS ?? 1);
const PAD = 100; // lines of about 107 bytes

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Asserts two files hold the same bytes, naming the first offset where they differ. */
function assertSameBytes(actual: Buffer, expected: Buffer, what: string): void {
  if (actual.equals(expected)) return;
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  assert.fail(`${what}: ${actual.length} bytes instead of ${expected.length}; first difference at byte ${i}`);
}

/** `stamped` without the timestamp prefix of each line. */
function unstamped(stamped: Buffer): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  while (start < stamped.length) {
    const nl = stamped.indexOf(0x0a, start);
    const end = nl < 0 ? stamped.length : nl + 1;
    parts.push(stamped.subarray(start + TIMESTAMP_PREFIX_BYTES, end));
    start = end;
  }
  return Buffer.concat(parts);
}

for (const timestamps of [false, true]) {
  const name = timestamps ? 'with timestamps' : 'plain';
  test(`${MB} MB of lines through a log channel (${name}) arrive whole and in order, as straight to a file`, async (t) => {
    const home = tempHome();
    const hub = new LogHub({ logger: captureLogger() });
    t.after(async () => {
      await hub.closeAll();
      home.cleanup();
    });
    const count = Math.floor((MB * 1024 * 1024) / (PAD + 7));
    const args = [`--pad=${PAD}`];
    const direct: number[] = [];
    const piped: number[] = [];
    const cpu: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const file = join(home.dir, `direct.${round}.log`);
      let started = performance.now();
      const straight = printLines(home, openSync(file, 'w'), count, args);
      assert.equal((await straight.exited).code, 0);
      direct.push(performance.now() - started);

      const o = channelOptions(home, {
        id: `bench:${round}`,
        logPath: join(home.dir, `piped.${round}.log`),
        maxSizeBytes: 0,
        timestamps,
      });
      const channel = hub.open(o);
      const cpuBefore = process.cpuUsage();
      started = performance.now();
      const run = printLines(home, channel.childFd(), count, args);
      assert.equal((await run.exited).code, 0);
      channel.flush();
      piped.push(performance.now() - started);
      const used = process.cpuUsage(cpuBefore);
      cpu.push((used.user + used.system) / 1000);
      const got = readFileSync(o.logPath);
      assertSameBytes(timestamps ? unstamped(got) : got, readFileSync(file), `round ${round + 1}`);
      hub.close(o.id, { remove: true });
      rmSync(o.logPath);
      rmSync(file);
    }
    const d = median(direct);
    const p = median(piped);
    t.diagnostic(
      `${MB} MB ${name}: straight to a file ${d.toFixed(0)} ms, through the channel ${p.toFixed(0)} ms ` +
        `(ratio ${(p / d).toFixed(2)}; pump CPU ${median(cpu).toFixed(0)} ms; medians of ${ROUNDS})`,
    );
  });
}
