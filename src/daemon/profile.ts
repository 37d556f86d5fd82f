// Profiles of the daemon on demand (`corral daemon profile`), for a user to attach to a bug
// report: a CPU profile over a while (V8's sampling profiler through a node:inspector session in
// this process, so the daemon goes on serving while it runs: the samples are taken on V8's own
// thread) or a heap snapshot (written straight to a file by V8; the daemon's event loop is held
// while it is taken, which takes about as long as the heap is large, 0.1-1 s).
//
// A profile is written to a file in the home's run directory (0600), which is removed as soon as
// it is open for sending to the client; it is never kept in memory whole. Only over the unix socket: a profile holds whatever the
// daemon's memory holds (environment values of services included), so it is not served on TCP.
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import type { Clock } from '../clock.js';
import { DEFAULTS } from '../defaults.js';
import { CorralError } from '../errors.js';
import { trimMalloc } from '../process/native/malloc.js';

/** A profile taken: the file that holds it (the caller sends then removes it), and a name for the user's copy. */
export interface TakenProfile {
  path: string;
  /** `corral-daemon-PID-20261130T055900Z.cpuprofile` (or `.heapsnapshot`) */
  name: string;
}

// The name a profile taken now is given: the daemon's pid, the time (UTC), the kind's extension.
function profileName(extension: '.cpuprofile' | '.heapsnapshot'): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  return `corral-daemon-${process.pid}-${stamp}${extension}`;
}

/** Refuses a request that did not come over the unix socket. */
export function assertUnixSocket(onUnixSocket: boolean, what: string): void {
  if (!onUnixSocket)
    throw new CorralError(
      'FORBIDDEN',
      `${what} is served on the unix socket only, not on TCP: run corral daemon profile on the daemon's machine`,
    );
}

/** Checks a CPU profile's duration: a whole number of ms, at most DEFAULTS.internal.profileCpuMaxMs. */
export function checkCpuDuration(ms: number | undefined): number {
  const max = DEFAULTS.internal.profileCpuMaxMs;
  if (ms === undefined)
    throw new CorralError(
      'BAD_REQUEST',
      'Expected `duration_ms` for a CPU profile (how long to profile, ms)',
    );
  if (ms > max)
    throw new CorralError(
      'BAD_REQUEST',
      `Expected \`duration_ms\` to be at most ${max} (${max / 1000} s), got ${ms}`,
    );
  return ms;
}

/** Takes a CPU profile over `durationMs` and writes it (JSON, .cpuprofile) into `dir`. */
export async function takeCpuProfile(dir: string, durationMs: number, clock: Clock): Promise<TakenProfile> {
  // loaded on the first profile only: an idle daemon never pays for it
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) =>
      session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result))),
    );
  try {
    await post('Profiler.enable');
    await post('Profiler.start');
    await new Promise<void>((resolve) => clock.after(durationMs, resolve));
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    const name = profileName('.cpuprofile');
    const path = join(dir, `profile-${name}`);
    writeFileSync(path, JSON.stringify(profile), { mode: 0o600 });
    return { path, name };
  } finally {
    session.disconnect();
  }
}

/** Takes a heap snapshot of the daemon and writes it (JSON, .heapsnapshot) into `dir`. */
export function takeHeapSnapshot(dir: string): TakenProfile {
  const name = profileName('.heapsnapshot');
  const path = join(dir, `profile-${name}`);
  try {
    writeHeapSnapshot(path);
    chmodSync(path, 0o600); // made with the daemon's umask; the run dir is 0700 anyway
  } catch (e) {
    rmSync(path, { force: true });
    throw e;
  } finally {
    // building the snapshot took tens of MB from the C allocator, which keeps them once freed
    trimMalloc();
  }
  return { path, name };
}
