// An exec probe: healthy when the command exits 0 within the timeout.
import { type Clock, systemClock } from '../clock.js';
import { spawnChild } from '../process/children.js';

/** Resolves with null when the command exits 0, else with why not. Never rejects. */
export function probeExec(
  argv: string[],
  opts: { cwd: string; env: Record<string, string>; timeoutMs: number; clock?: Clock },
): Promise<string | null> {
  const clock = opts.clock ?? systemClock;
  return new Promise((resolve) => {
    const child = spawnChild(argv[0], argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env,
      stdio: 'ignore',
      detached: true,
    });
    const timer = clock.after(opts.timeoutMs, () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      resolve(`${argv.join(' ')}: no answer within ${opts.timeoutMs} ms`);
    });
    child.once('error', (e) => {
      timer.cancel();
      resolve(`${argv.join(' ')}: ${e.message}`);
    });
    child.once('exit', (code, signal) => {
      timer.cancel();
      resolve(code === 0 ? null : `${argv.join(' ')} exited with ${signal ?? code}`);
    });
  });
}
