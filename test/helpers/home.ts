// A temporary home per test, and a register of every process a test starts, so that
// all of them are gone when the test ends, pass or fail.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO_ROOT: string = new URL('../../../', import.meta.url).pathname;
export const FIXTURES: string = join(REPO_ROOT, 'test', 'fixtures');
export const CLI: string = join(REPO_ROOT, 'dist', 'src', 'cli', 'bin.js');

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

export interface TempHome {
  dir: string;
  /** remember a process group (or single pid) to kill at cleanup */
  track(pid: number): void;
  cleanup(): void;
}

/** Every live pid whose environment holds NAME=value (a mark its starter gave it and its children inherit). */
export function pidsWithEnv(name: string, value: string): number[] {
  const mark = `${name}=${value}\0`;
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // a mark at the very start has no \0 before it; every other one does
      const env = `\0${readFileSync(`/proc/${entry}/environ`, 'latin1')}`;
      if (env.includes(`\0${mark}`)) out.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/** Every live pid whose environment holds CORRAL_TEST_HOME=dir: what a test started, however deep. */
export function pidsMarkedWith(dir: string): number[] {
  return pidsWithEnv('CORRAL_TEST_HOME', dir);
}

export function tempHome(prefix = 'corral-test-'): TempHome {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const tracked = new Set<number>();
  return {
    dir,
    track(pid: number) {
      tracked.add(pid);
    },
    cleanup() {
      for (const pid of tracked) {
        for (const target of [-pid, pid]) {
          try {
            process.kill(target, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
      // a process that forked between one sweep and its kill is caught by the next sweep; a
      // SIGKILLed one runs on until it is scheduled (a daemon may spawn a FIFO keeper meanwhile),
      // so the sweeps go on, a few ms apart, until none is left (zombies have no environment)
      const pause = new Int32Array(new SharedArrayBuffer(4));
      const until = Date.now() + 5_000;
      for (;;) {
        const marked = pidsMarkedWith(dir);
        if (marked.length === 0 || Date.now() > until) break;
        for (const pid of marked) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        Atomics.wait(pause, 0, 0, 5);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
