// The listening sockets of services (`sockets:`): bound once by the daemon and passed to every
// start of the service as fds 3.., so a restart refuses no connection. The daemon never accepts
// on them. A socket keeper (socket-keeper.ts) holds a copy of every one, so that the next daemon
// takes them back from it, running service or not; where there is no keeper, a new daemon takes
// them back from a running service it adopts (pidfd_getfd, which needs ptrace rights over it);
// failing both, they are bound anew.
import type { ServiceSpec } from '../config/types.js';
import {
  adoptListener,
  bindListeners,
  closeListeners,
  type ListenSocket,
  reclaimListeners,
} from '../process/listen-sockets.js';
import { close } from '../process/native/fd.js';
import type { KeptSockets, SocketKeeper } from './socket-keeper.js';

/** Hears of what went wrong without stopping the service: a socket taken back failed, say. */
export type ProblemReporter = (message: string) => void;

// Until the daemon says where problems go, they go to stderr as process warnings: never nowhere.
function warn(message: string): void {
  process.emitWarning(message, 'CorralWarning');
}

interface Bound {
  /** the `sockets:` they were bound for, as JSON */
  specs: string;
  sockets: ListenSocket[];
}

export class SocketRegistry {
  private readonly bound = new Map<string, Bound>();
  private readonly onProblem: ProblemReporter;
  private keeper: SocketKeeper | null = null;

  /** `onProblem` hears why sockets could not be taken back (they are bound anew). */
  constructor(onProblem: ProblemReporter = warn) {
    this.onProblem = onProblem;
  }

  /** What the keeper is to hold: every service's sockets, as bound now. */
  held(): KeptSockets[] {
    return [...this.bound].map(([key, b]) => ({
      key,
      specs: b.specs,
      names: b.sockets.map((s) => s.name),
      fds: b.sockets.map((s) => s.fd),
    }));
  }

  /**
   * Takes back what the keepers of the daemon before hold (each socket checked against the spec
   * it was bound for), and from now on keeps `keeper` told of every change.
   */
  takeBack(keeper: SocketKeeper): void {
    this.keeper = keeper;
    for (const [key, kept] of keeper.takeBack()) {
      const specs = JSON.parse(kept.specs) as string[];
      const sockets: ListenSocket[] = [];
      try {
        kept.fds.forEach((fd, i) => {
          sockets.push(
            adoptListener(fd, specs[i], {
              name: kept.names[i],
              where: `socket ${i + 1} of ${key} from the keeper`,
            }),
          );
        });
      } catch (e) {
        for (const fd of kept.fds) close(fd);
        this.onProblem(`${key}: ${(e as Error).message}; binding them anew at its next start`);
        continue;
      }
      this.release(key);
      this.bound.set(key, { specs: kept.specs, sockets });
    }
    keeper.changed();
  }

  /** Closes the sockets of every service but those of `keys` (the others are gone from the config). */
  keepOnly(keys: Set<string>): void {
    for (const key of [...this.bound.keys()]) if (!keys.has(key)) this.release(key);
  }

  /** The sockets of `spec`'s service: kept, reclaimed from the live process `holder`, or bound now. */
  get(spec: ServiceSpec, holder?: { pid: number; isSameProcess: () => boolean }): ListenSocket[] {
    const key = `${spec.project}/${spec.name}`;
    const specs = JSON.stringify(spec.sockets);
    const kept = this.bound.get(key);
    if (kept && kept.specs === specs) return kept.sockets;
    if (kept) this.release(key);
    let sockets: ListenSocket[] | null = null;
    if (holder) {
      try {
        sockets = reclaimListeners(holder.pid, spec.sockets, {
          name: spec.name,
          isSameProcess: holder.isSameProcess,
        });
      } catch (e) {
        // the process no longer holds them, or they cannot be taken (pidfd_getfd needs Linux 5.6
        // and ptrace rights over it): bind anew, and say so
        this.onProblem(
          `${key}: cannot take back the listening sockets of process ${holder.pid} (${(e as Error).message}); binding them anew`,
        );
        sockets = null;
      }
    }
    sockets ??= bindListeners(spec.sockets, { name: spec.name });
    this.bound.set(key, { specs, sockets });
    this.keeper?.changed();
    return sockets;
  }

  /** Closes a service's sockets (it was removed). */
  release(key: string): void {
    const kept = this.bound.get(key);
    if (!kept) return;
    this.bound.delete(key);
    closeListeners(kept.sockets);
    this.keeper?.changed();
  }

  /**
   * Closes every socket. With `keepFiles` (the daemon leaves its services running, and they
   * listen on their copies) no socket file is removed and the keeper is not told.
   */
  closeAll({ keepFiles = false }: { keepFiles?: boolean } = {}): void {
    if (!keepFiles) {
      for (const key of [...this.bound.keys()]) this.release(key);
      return;
    }
    for (const b of this.bound.values()) for (const s of b.sockets) close(s.fd);
    this.bound.clear();
  }
}
