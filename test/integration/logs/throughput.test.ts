// How long a log takes to reach its file through a channel, against the same writer writing
// straight to a file. Reported, not asserted (a loaded test machine makes ratios noisy);
// CORRAL_LOG_BENCH_MB sets the volume (default 64), CORRAL_LOG_BENCH_ROUNDS the rounds (3).
import assert from 'node:assert/strict';
import { openSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LogHub } from '../../../src/logs/index.js';
import { tempHome } from '../../helpers/home.js';
import { captureLogger, channelOptions, printLines } from './support.js';

const MB = Number(process.env.CORRAL_LOG_BENCH_MB ?? 64);
const ROUNDS = Number(process.env.CORRAL_LOG_BENCH_ROUNDS ?? 3);
const PAD = 100; // lines of about 107 bytes

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

test(`throughput: ${MB} MB of lines through a log channel vs. straight to a file`, async (t) => {
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
  let expectedBytes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const file = join(home.dir, `direct.${round}.log`);
    let started = performance.now();
    const straight = printLines(home, openSync(file, 'w'), count, args);
    assert.equal((await straight.exited).code, 0);
    direct.push(performance.now() - started);
    expectedBytes = statSync(file).size;
    rmSync(file);

    const o = channelOptions(home, {
      id: `bench:${round}`,
      logPath: join(home.dir, `piped.${round}.log`),
      maxSizeBytes: 0,
    });
    const channel = hub.open(o);
    started = performance.now();
    const run = printLines(home, channel.childFd(), count, args);
    assert.equal((await run.exited).code, 0);
    channel.flush();
    piped.push(performance.now() - started);
    assert.equal(statSync(o.logPath).size, expectedBytes, 'every byte reached the file');
    hub.close(o.id, { remove: true });
    rmSync(o.logPath);
  }
  const d = median(direct);
  const p = median(piped);
  t.diagnostic(
    `${MB} MB: straight to a file ${d.toFixed(0)} ms, through the channel ${p.toFixed(0)} ms ` +
      `(ratio ${(p / d).toFixed(2)}; medians of ${ROUNDS})`,
  );
});
