// Taking over a live process a previous daemon started: watch for its exit (it is not our child,
// so through the host's pid watch) and take back the listening sockets it holds. What cannot be
// done is said, never a reason to kill a service that runs.
import type { ServiceSpec } from '../config/types.js';
import type { EngineHost, RawExit } from './host.js';
import type { LiveProcess } from './record.js';

export interface TakenOver {
  /** settles once the process has exited and `onExit` has run; never, when its exit cannot be watched */
  exited: Promise<void>;
  /** stops watching (the daemon leaves, keeping services) */
  unwatch: (() => void) | null;
  /** false when the exit cannot be watched (no pidfd could be had) */
  watched: boolean;
  /** what could not be taken over, in words */
  problems: string[];
}

/** Watches an adopted process and takes back its sockets; `onExit` runs when it ends. */
export function takeOver(
  host: EngineHost,
  spec: ServiceSpec,
  live: LiveProcess,
  onExit: (status: RawExit | null) => void,
): TakenOver {
  const id = { pid: live.pid, startTime: live.startTime, bootId: host.process.bootId() };
  const problems: string[] = [];
  if (spec.sockets.length > 0 && host.listeners) {
    try {
      // the running process kept them; take copies back for its next start
      host.listeners(spec, { pid: live.pid, isSameProcess: () => host.process.isSameProcess(id) });
    } catch (e) {
      problems.push(
        `its listening sockets could not be taken back (${(e as Error).message}); they are bound anew at its next start`,
      );
    }
  }
  let unwatch: (() => void) | null = null;
  let watched = true;
  const exited = new Promise<void>((resolve) => {
    try {
      unwatch =
        host.watchPid?.(id, (status) => {
          onExit(status);
          resolve();
        }) ?? null;
    } catch (e) {
      // alive, but its end cannot be seen: keep it (killing a live service would be worse) and say so
      watched = false;
      problems.push(`its exit cannot be watched (${(e as Error).message}); corral will not see it end`);
    }
  });
  return { exited, unwatch, watched, problems };
}
