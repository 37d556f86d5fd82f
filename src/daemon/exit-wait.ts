// Waiting for a daemon (not our child) to exit: its pidfd becomes readable when it does, so the
// kernel tells us; no polling of /proc. Bounded: a daemon that outlives the wait is reported.
import { closeSync } from 'node:fs';
import { EpollLoop } from '../process/event-loop.js';
import { pidfdOpen } from '../process/native/pidfd.js';
import { readProcStat } from '../process/procfs.js';

/** Resolves true once `pid` has exited, false if it still runs after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  let pidfd: number;
  try {
    pidfd = pidfdOpen(pid);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return true;
    // no pidfd here (Linux < 5.3, or no native calls): look at /proc until the deadline
    return pollForExit(pid, timeoutMs);
  }
  let loop: EpollLoop | null = null;
  try {
    return await new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      loop = new EpollLoop(
        () => {},
        (error) => {
          clearTimeout(timer);
          reject(error);
        },
      );
      loop.add(pidfd, () => {
        clearTimeout(timer);
        loop?.remove(pidfd);
        resolve(true);
      });
    });
  } catch {
    return pollForExit(pid, timeoutMs);
  } finally {
    await (loop as EpollLoop | null)?.close();
    closeSync(pidfd);
  }
}

// Where pidfds are missing: /proc/PID/stat until it is gone or a zombie, or the deadline passes.
async function pollForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 5; Date.now() < deadline; delay = Math.min(delay * 2, 100)) {
    const stat = readProcStat(pid);
    if (stat === null || stat.state === 'Z') return true;
    await new Promise((r) => setTimeout(r, delay));
  }
  const stat = readProcStat(pid);
  return stat === null || stat.state === 'Z';
}
