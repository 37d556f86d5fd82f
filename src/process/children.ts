// The children corral itself spawns (services, probes, the FIFO keeper), known by pid.
//
// The orphan reaper (reaper.ts) must never wait for one of these: libuv waits for them, and a
// reaper that took the exit first would leave their 'exit' events unfired forever. So every
// spawner of the daemon and of `corral run` registers each child it creates, right after spawn()
// returns (libuv cannot have reaped it before the next turn of the event loop, and the reaper
// scans on a later turn); the pid leaves the registry when Node reports the exit. Code that must
// spawn and is not one of the allowed spawners (a lint rule names them) calls spawnChild().
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

const registered = new Set<number>();

/** Records `child` as one of ours until Node reports its exit; returns it. */
export function registerChild<T extends ChildProcess>(child: T): T {
  const pid = child.pid;
  if (pid === undefined) return child; // spawn failed: there is no process to reap
  registered.add(pid);
  // 'exit' comes right after libuv's waitpid: from then on the pid is free for reuse
  child.once('exit', () => registered.delete(pid));
  return child;
}

/** Whether `pid` is a child corral spawned and Node has not reported the exit of yet. */
export function isRegisteredChild(pid: number): boolean {
  return registered.has(pid);
}

/** spawn() from node:child_process, with the child registered. */
export function spawnChild(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  return registerChild(spawn(command, args, options));
}
