// Running commands: each in a process group of its own, tracked until it ends, with a deadline.
import { spawn } from 'node:child_process';
import { isCleaning, killGroup, trackGroup, untrackGroup } from './cleanup.mjs';

/** Milliseconds since an arbitrary point, from CLOCK_MONOTONIC. */
export function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Runs `cmd args` to its end; resolves { code, signal, stdout, stderr, ms }.
 * `ms` is the wall time from spawn to exit. Past `timeoutMs` the group is SIGKILLed and it rejects.
 */
export function run(cmd, args, opts = {}) {
  const { env, cwd, timeoutMs = 120_000, check = false } = opts;
  return new Promise((resolve, reject) => {
    if (isCleaning() && !opts.duringCleanup) {
      reject(new Error(`not starting ${cmd}: the benchmark is stopping`));
      return;
    }
    const t0 = nowMs();
    const child = spawn(cmd, args, { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    trackGroup(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      killGroup(child.pid);
      reject(new Error(`${cmd} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}${stderr}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      untrackGroup(child.pid);
      const ms = nowMs() - t0;
      if (check && code !== 0) {
        reject(new Error(`${cmd} ${args.join(' ')} exited with ${code ?? signal}\n${stdout}${stderr}`));
        return;
      }
      resolve({ code, signal, stdout, stderr, ms });
    });
  });
}

/** Starts a long-running command in its own process group (tracked); its output goes to `logFd`. */
export function start(cmd, args, { env, cwd, logFd = 'ignore' } = {}) {
  if (isCleaning()) throw new Error(`not starting ${cmd}: the benchmark is stopping`);
  const child = spawn(cmd, args, { env, cwd, detached: true, stdio: ['ignore', logFd, logFd] });
  trackGroup(child.pid);
  child.on('exit', () => untrackGroup(child.pid));
  child.unref();
  return child;
}
