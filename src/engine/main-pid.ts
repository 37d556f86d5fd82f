// sd_notify MAINPID=: the service names another process as its main one (a launcher that starts
// the real server and exits, as systemd's Type=notify services may). From then on that process's
// exit is the one that counts, as with systemd. corral follows a main process in the service's
// own process group (so a stop's signals reach it); one elsewhere is recorded, not followed.
import type { EngineHost, RawExit } from './host.js';

/** A followed main process: its identity, and a promise that settles when it has exited. */
export interface MainProcess {
  pid: number;
  startTime: number;
  exited: Promise<void>;
  unwatch: () => void;
}

/**
 * Starts following process `pid` as the main process of the service whose process group is
 * `group`; `onExit` gets its status (null: not known). Returns why not, in words, when it cannot.
 */
export function followMain(
  host: EngineHost,
  group: number,
  pid: number,
  onExit: (status: RawExit | null) => void,
): MainProcess | string {
  if (!host.watchPid) return `MAINPID=${pid} is recorded but not followed here (only the daemon follows one)`;
  const found = host.process.describe(pid);
  if (found === null) return `MAINPID=${pid}: no such process`;
  if (found.group !== group) {
    return `MAINPID=${pid} is not in the service's process group (${group}): recorded, not followed`;
  }
  const id = { pid, startTime: found.startTime, bootId: host.process.bootId() };
  let settle: () => void = () => {};
  const exited = new Promise<void>((resolve) => {
    settle = resolve;
  });
  try {
    const unwatch = host.watchPid(id, (status) => {
      settle();
      onExit(status);
    });
    return { pid, startTime: found.startTime, exited, unwatch };
  } catch (e) {
    return `MAINPID=${pid}: its exit cannot be watched (${(e as Error).message}): recorded, not followed`;
  }
}
