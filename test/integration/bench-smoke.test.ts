// The benchmark harness (bench/run.mjs) in its smoke mode: corral only, 5 services, one
// workload, nothing installed. It must finish and leave no process behind, also when it is
// interrupted halfway. The benchmarks themselves are not part of the test suite.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { pidsWithEnv, REPO_ROOT } from '../helpers/home.js';
import { waitFor } from '../helpers/wait.js';

const RUN = join(REPO_ROOT, 'bench', 'run.mjs');

/** Every live pid the harness started for run `tag` (it marks all of them with BENCH_RUN=tag). */
function markedWith(tag: string): number[] {
  return pidsWithEnv('BENCH_RUN', tag);
}

interface Bench {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function bench(args: string[]): Bench {
  const child = spawn(process.execPath, [RUN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/**
 * A fresh marker and results directory; whatever is still marked when the test ends is killed,
 * also when it ends by the suite's timeout.
 */
async function withRun(t: TestContext, fn: (tag: string, outDir: string) => Promise<void>): Promise<void> {
  const outDir = mkdtempSync(join(tmpdir(), 'corral-bench-smoke-'));
  const tag = `corral-bench-smoke-${process.pid}-${Date.now()}`;
  t.after(() => {
    for (const pid of markedWith(tag)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(outDir, { recursive: true, force: true });
  });
  await fn(tag, outDir);
}

test('bench --smoke measures corral with 5 services and leaves no process behind', async (t) => {
  await withRun(t, async (tag, outDir) => {
    // no wall-clock bound: how long the run takes is the benchmark's business, not this test's;
    // the suite's per-test timeout still ends a run that hangs, and withRun's cleanup kills it
    const run = bench(['--smoke', `--out=${outDir}`, `--tag=${tag}`]);
    const code = await run.exited.finally(() => run.child.kill('SIGKILL'));
    assert.equal(code, 0, run.output());
    assert.match(run.output(), /start 5 services \(cold daemon\) until all run/);
    assert.match(run.output(), /0 process\(es\) left behind/);

    const files = readdirSync(outDir).filter((f) => f.endsWith('-smoke.json'));
    assert.equal(files.length, 1, `one results file in ${outDir}`);
    const results = JSON.parse(readFileSync(join(outDir, files[0]), 'utf8'));
    const start = results.workloads[0].rows.find((r: { id: string }) => r.id === 'hundred.start');
    assert.equal(start.values.corral.length, 1);
    assert.ok(start.values.corral[0] > 0);
    assert.deepEqual(markedWith(tag), []);
  });
});

test('bench --smoke interrupted with Ctrl-C stops every process it started', async (t) => {
  await withRun(t, async (tag, outDir) => {
    const run = bench(['--smoke', `--out=${outDir}`, `--tag=${tag}`]);
    try {
      // the five services are up once five `sleep` processes carry the run's marker
      await waitFor(
        () =>
          markedWith(tag).filter((pid) => {
            try {
              return readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('/bin/sleep\0');
            } catch {
              return false;
            }
          }).length >= 5,
        { timeout: 15_000, what: 'the smoke run to start its 5 services' },
      );
      run.child.kill('SIGINT');
      const code = await run.exited;
      assert.equal(code, 130, run.output());
      await waitFor(() => markedWith(tag).length === 0, { timeout: 5_000, what: 'no marked process left' });
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});
