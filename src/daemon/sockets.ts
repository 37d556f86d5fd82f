// The listening sockets of services (`sockets:`): bound once by the daemon and passed to every
// start of the service as fds 3.., so a restart refuses no connection. The daemon never accepts
// on them. A new daemon takes them back from a running service it adopts (pidfd_getfd); a
// service that is not running when its daemon is replaced gets freshly bound ones.
import type { ServiceSpec } from '../config/types.js';
import {
  bindListeners,
  closeListeners,
  type ListenSocket,
  reclaimListeners,
} from '../process/listen-sockets.js';

/** Hears of what went wrong without stopping the service: a socket taken back failed, say. */
export type ProblemReporter = (message: string) => void;

// Until the daemon says where problems go, they go to stderr as process warnings: never nowhere.
function warn(message: string): void {
  process.emitWarning(message, 'CorralWarning');
}

export class SocketRegistry {
  private readonly bound = new Map<string, { specs: string; sockets: ListenSocket[] }>();
  private readonly onProblem: ProblemReporter;

  /** `onProblem` hears why sockets could not be taken back from a running service (they are bound anew). */
  constructor(onProblem: ProblemReporter = warn) {
    this.onProblem = onProblem;
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
    return sockets;
  }

  /** Closes a service's sockets (it was removed). */
  release(key: string): void {
    const kept = this.bound.get(key);
    if (!kept) return;
    this.bound.delete(key);
    closeListeners(kept.sockets);
  }

  closeAll(): void {
    for (const key of [...this.bound.keys()]) this.release(key);
  }
}
