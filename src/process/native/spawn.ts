// posix_spawn: starting a program without copying the daemon. glibc (2.24 and later) and musl
// start the child with clone(CLONE_VM|CLONE_VFORK): it runs on the daemon's memory, on a stack
// of its own, until it execs, so the cost does not grow with the daemon's size. What the child
// does before the exec is described by file actions (dup2, open, chdir, closefrom) and
// attributes (setsid, signal dispositions and mask), carried out in order; a failure of any
// of them, or of the exec itself, is returned as an errno, and the child is reaped by libc.
//
// The attribute and file-action objects are opaque; they are allocated larger than any libc's
// (glibc: 336 and 80 bytes on x86_64 and arm64) and only ever handled through libc's functions.
import { closeSync } from 'node:fs';
import type { KoffiLibrary } from './koffi.js';
import { family, SystemCallError } from './koffi.js';
import { pidfdOpen } from './pidfd.js';

/** posix_spawnattr_setflags bits, the same in glibc and musl */
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
/** glibc >= 2.26, musl >= 1.1.24 */
const POSIX_SPAWN_SETSID = 0x80;
/** room for any libc's posix_spawnattr_t, posix_spawn_file_actions_t and sigset_t */
const OPAQUE_BYTES = 512;

const O_RDONLY = 0;
const O_WRONLY = 1;

// A function of libc, or null when this libc lacks it (koffi throws on a missing symbol).
function optional<T>(c: KoffiLibrary, signature: string): T | null {
  try {
    return c.func(signature) as T;
  } catch {
    return null;
  }
}

type Fn = (...args: unknown[]) => number;

const lib = family((c) => ({
  spawn: c.func(
    'int posix_spawn(_Out_ int *pid, const char *path, void *actions, void *attr, const char **argv, const char **envp)',
  ) as Fn,
  actionsInit: c.func('int posix_spawn_file_actions_init(void *actions)') as Fn,
  actionsDestroy: c.func('int posix_spawn_file_actions_destroy(void *actions)') as Fn,
  dup2: c.func('int posix_spawn_file_actions_adddup2(void *actions, int fd, int newfd)') as Fn,
  close: c.func('int posix_spawn_file_actions_addclose(void *actions, int fd)') as Fn,
  open: c.func(
    'int posix_spawn_file_actions_addopen(void *actions, int fd, const char *path, int oflag, uint32_t mode)',
  ) as Fn,
  chdir: optional<Fn>(c, 'int posix_spawn_file_actions_addchdir_np(void *actions, const char *path)'),
  closefrom: optional<Fn>(c, 'int posix_spawn_file_actions_addclosefrom_np(void *actions, int from)'),
  attrInit: c.func('int posix_spawnattr_init(void *attr)') as Fn,
  attrDestroy: c.func('int posix_spawnattr_destroy(void *attr)') as Fn,
  setflags: c.func('int posix_spawnattr_setflags(void *attr, short flags)') as Fn,
  setsigmask: c.func('int posix_spawnattr_setsigmask(void *attr, void *set)') as Fn,
  setsigdefault: c.func('int posix_spawnattr_setsigdefault(void *attr, void *set)') as Fn,
  sigemptyset: c.func('int sigemptyset(void *set)') as Fn,
}));

/** What the child does between the clone and the exec, in this order. */
export interface SpawnPlan {
  /** an absolute path, or one relative to `cwd` */
  path: string;
  argv: string[];
  /** `KEY=value` entries: the whole environment */
  env: string[];
  /** the working directory, entered first */
  cwd: string;
  /** dup2(from, to) for each, in order (the new fd is never close-on-exec) */
  dup2: Array<{ from: number; to: number }>;
  /** fds opened on /dev/null: read-only for stdin, write-only otherwise */
  devNull: number[];
  /** fds closed once the dup2s are done (the temporary copies they went through) */
  close: number[];
  /** every fd from this one up is closed (when libc can; else they must all be close-on-exec) */
  closeFrom: number;
}

/** Whether this libc can carry out a plan, and why not when it cannot. */
export type SpawnSupport = { ok: true; closesFds: boolean } | { ok: false; reason: string };

let support: SpawnSupport | undefined;

/**
 * Probes once: libc loads, has posix_spawn with chdir as a file action, and accepts SETSID
 * (an unknown flag is EINVAL at setflags); and the kernel has pidfd_open, which watches the
 * exit of a child that Node did not start.
 */
export function posixSpawnSupport(): SpawnSupport {
  if (support !== undefined) return support;
  support = probe();
  return support;
}

function probe(): SpawnSupport {
  let fns: ReturnType<typeof lib>;
  try {
    fns = lib();
  } catch (e) {
    return { ok: false, reason: `posix_spawn cannot be called (${(e as Error).message})` };
  }
  if (fns.chdir === null)
    return {
      ok: false,
      reason: 'this libc has no posix_spawn_file_actions_addchdir_np (glibc 2.29, musl 1.1.24)',
    };
  const attr = Buffer.alloc(OPAQUE_BYTES);
  fns.attrInit(attr);
  const r = fns.setflags(attr, POSIX_SPAWN_SETSID);
  fns.attrDestroy(attr);
  if (r !== 0) return { ok: false, reason: 'this libc has no POSIX_SPAWN_SETSID (glibc 2.26, musl 1.1.24)' };
  try {
    closeSync(pidfdOpen(process.pid));
  } catch (e) {
    if ((e as SystemCallError).code !== 'EMFILE' && (e as SystemCallError).code !== 'ENFILE')
      return { ok: false, reason: `a child's exit cannot be watched (${(e as Error).message}; Linux 5.3)` };
  }
  return { ok: true, closesFds: fns.closefrom !== null };
}

let sets: { all: Buffer; none: Buffer } | undefined;

// Every signal (the child's dispositions go back to the default) and none (its mask), made once.
// `all` is written bit by bit: sigfillset leaves out glibc's own signals 32 and 33, which its
// posix_spawn then sets to SIG_IGN in the child (a service would start with them ignored). The
// first 64 bits are signals 1 to 64, little-endian on x86_64 and arm64.
function signalSets(): { all: Buffer; none: Buffer } {
  if (sets !== undefined) return sets;
  const all = Buffer.alloc(OPAQUE_BYTES);
  const none = Buffer.alloc(OPAQUE_BYTES);
  lib().sigemptyset(all);
  lib().sigemptyset(none);
  all.fill(0xff, 0, 8);
  sets = { all, none };
  return sets;
}

// A libc call of the spawn family returns the error number itself (0: done).
function must(result: number, what: string): void {
  if (result !== 0) throw new SystemCallError(what, result);
}

/**
 * Starts `plan` in a new session, every signal at its default disposition and none blocked;
 * returns the pid once the program is exec'd. Throws SystemCallError with the errno of the
 * step that failed (ENOENT, EACCES, ENOEXEC, …); the failed child is reaped by then.
 */
export function posixSpawn(plan: SpawnPlan): number {
  const fns = lib();
  const actions = Buffer.alloc(OPAQUE_BYTES);
  const attr = Buffer.alloc(OPAQUE_BYTES);
  must(fns.actionsInit(actions), 'posix_spawn_file_actions_init');
  try {
    must(fns.attrInit(attr), 'posix_spawnattr_init');
    try {
      must((fns.chdir as Fn)(actions, plan.cwd), 'posix_spawn_file_actions_addchdir_np');
      for (const { from, to } of plan.dup2)
        must(fns.dup2(actions, from, to), 'posix_spawn_file_actions_adddup2');
      for (const fd of plan.close) must(fns.close(actions, fd), 'posix_spawn_file_actions_addclose');
      for (const fd of plan.devNull)
        must(
          fns.open(actions, fd, '/dev/null', fd === 0 ? O_RDONLY : O_WRONLY, 0),
          'posix_spawn_file_actions_addopen',
        );
      if (fns.closefrom !== null)
        must(fns.closefrom(actions, plan.closeFrom), 'posix_spawn_file_actions_addclosefrom_np');
      // Node ignores SIGPIPE and may block signals on this thread: the service starts as from a shell
      const { all, none } = signalSets();
      must(fns.setsigdefault(attr, all), 'posix_spawnattr_setsigdefault');
      must(fns.setsigmask(attr, none), 'posix_spawnattr_setsigmask');
      must(
        fns.setflags(attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK),
        'posix_spawnattr_setflags',
      );
      const pid = [0];
      must(
        fns.spawn(pid, plan.path, actions, attr, [...plan.argv, null], [...plan.env, null]),
        'posix_spawn',
      );
      return pid[0];
    } finally {
      fns.attrDestroy(attr);
    }
  } finally {
    fns.actionsDestroy(actions);
  }
}
