// An exec probe: healthy when the command exits 0 within the timeout.
import { spawnChild } from '../process/children.js';

/** Resolves with null when the command exits 0, else with why not. Never rejects. */
export function probeExec(
  argv: string[],
  opts: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawnChild(argv[0], argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env,
      stdio: 'ignore',
      detached: true,
    });
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      resolve(`${argv.join(' ')}: no answer within ${opts.timeoutMs} ms`);
    }, opts.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve(`${argv.join(' ')}: ${e.message}`);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code === 0 ? null : `${argv.join(' ')} exited with ${signal ?? code}`);
    });
  });
}
