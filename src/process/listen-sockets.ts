// Listening sockets that corral binds once and hands to every start of a service (`sockets:`),
// as systemd's socket activation does: fds 3, 4, … with LISTEN_FDS, LISTEN_FDNAMES and
// LISTEN_PID. While one process of the service stops and the next starts, the socket stays
// open in the daemon, so new connections wait in the kernel's backlog instead of being refused.
//
// The daemon never accepts on these sockets (a daemon that did would take a share of the
// connections) and never wraps them in a net.Server. They are close-on-exec in the daemon; the
// spawn dup()s each onto its fd number in the child, which clears the flag there.
//
// LISTEN_PID must be the service's own pid, which is only known after fork; Node cannot set an
// environment variable between fork and exec, so the command runs through a tiny shell that
// does it and then execs the program in its own place (same pid): see wrapArgv() in wrapper.ts.
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { CorralError } from '../errors.js';
import { type ListenSpec, parseListenSpec } from '../listen-spec.js';
import { close, setNonBlocking } from './native/fd.js';
import { EAGAIN, SystemCallError } from './native/koffi.js';
import { pidfdGetfd, pidfdOpen } from './native/pidfd.js';
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  type SocketAddress,
  sockaddrIn4,
  sockaddrIn6,
  sockaddrUn,
} from './native/sockaddr.js';
import {
  connect,
  getsockname,
  getsockoptInt,
  bind as libcBind,
  listen,
  SO_ACCEPTCONN,
  SO_REUSEADDR,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
  setsockoptInt,
  socket,
} from './native/socket.js';

/** The fd number of the first passed socket (systemd's SD_LISTEN_FDS_START). */
export const LISTEN_FDS_START = 3;
/** listen() backlog; the kernel caps it at net.core.somaxconn (4096 on Linux >= 5.4) */
export const LISTEN_BACKLOG = 4096;
/** LISTEN_FDNAMES entry of a socket with no ?name= (what systemd uses when it has no name) */
export const DEFAULT_FD_NAME = 'unknown';

export interface ListenSocket {
  /** as written in the config */
  spec: string;
  kind: 'tcp' | 'unix';
  /** open, listening, close-on-exec in this process */
  fd: number;
  /** where it listens (the port the kernel chose when the spec said 0) */
  address: SocketAddress;
  /** its LISTEN_FDNAMES entry */
  name: string;
  /** the inode of the socket file that bind() created, so that close() removes only that */
  inode?: number;
}

export interface BindOptions {
  /** LISTEN_FDNAMES entry for sockets whose spec has no ?name= (e.g. the service's name) */
  name?: string;
  backlog?: number;
}

function bindFailure(spec: string, e: unknown): CorralError {
  const code = e instanceof SystemCallError ? e.code : ((e as NodeJS.ErrnoException).code ?? '');
  const hints: Record<string, string> = {
    EADDRINUSE: 'something else listens there already',
    EACCES: 'ports below 1024 need root (or CAP_NET_BIND_SERVICE), and the directory must be writable',
    EADDRNOTAVAIL: 'no interface of this machine has that address',
    ENOENT: 'the directory does not exist',
  };
  const why = hints[code] ? `${code}: ${hints[code]}` : (e as Error).message;
  return new CorralError('SPAWN_FAILED', `could not listen on ${spec}: ${why}`, {
    spec,
    errno: code || null,
  });
}

// A socket file at `path`: removed if nothing listens on it any more (left by a process that
// died), refused if something does, and never removed if it is not a socket at all.
function clearStaleSocket(spec: string, path: string): void {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) {
    throw new CorralError('SPAWN_FAILED', `could not listen on ${spec}: ${path} exists and is not a socket`);
  }
  const probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
  let answer: number;
  try {
    answer = connect(probe, sockaddrUn(path));
  } finally {
    close(probe);
  }
  if (answer === 0 || answer === -EAGAIN) {
    throw new CorralError(
      'SPAWN_FAILED',
      `could not listen on ${spec}: another process is listening on ${path}; stop it or choose another path`,
    );
  }
  unlinkSync(path);
}

function bindOne(spec: string, parsed: ListenSpec, backlog: number, name: string): ListenSocket {
  if (parsed.kind === 'unix') clearStaleSocket(spec, parsed.path);
  const domain = parsed.kind === 'unix' ? AF_UNIX : parsed.family === 4 ? AF_INET : AF_INET6;
  // Blocking, as systemd hands them out: the program decides (the mode is shared with it).
  const fd = socket(domain, SOCK_STREAM);
  try {
    let inode: number | undefined;
    if (parsed.kind === 'tcp') {
      setsockoptInt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
      const addr =
        parsed.family === 4 ? sockaddrIn4(parsed.host, parsed.port) : sockaddrIn6(parsed.host, parsed.port);
      libcBind(fd, addr, spec);
    } else {
      // created 0600 at most, then opened up to its mode: never more open than asked, even briefly
      const umask = process.umask(0o177);
      try {
        libcBind(fd, sockaddrUn(parsed.path), spec);
      } finally {
        process.umask(umask);
      }
      chmodSync(parsed.path, parsed.mode);
      inode = lstatSync(parsed.path).ino;
    }
    listen(fd, backlog);
    return { spec, kind: parsed.kind, fd, address: getsockname(fd), name, inode };
  } catch (e) {
    close(fd);
    throw e instanceof CorralError ? e : bindFailure(spec, e);
  }
}

/**
 * Binds and listens on every spec, in order (they become fds 3, 4, … of the service). All or
 * nothing: when one fails, those already bound are closed and the error names the failing one.
 */
export function bindListeners(specs: string[], opts: BindOptions = {}): ListenSocket[] {
  const parsed = specs.map(parseListenSpec);
  const bound: ListenSocket[] = [];
  try {
    specs.forEach((spec, i) => {
      const name = parsed[i].name ?? opts.name ?? DEFAULT_FD_NAME;
      bound.push(bindOne(spec, parsed[i], opts.backlog ?? LISTEN_BACKLOG, name));
    });
  } catch (e) {
    closeListeners(bound);
    throw e;
  }
  return bound;
}

/** Closes the sockets and removes the socket files they created (not a file someone put there since). */
export function closeListeners(sockets: ListenSocket[]): void {
  for (const s of sockets) {
    close(s.fd);
    if (s.address.family !== 'unix' || s.inode === undefined) continue;
    try {
      if (lstatSync(s.address.path).ino === s.inode) unlinkSync(s.address.path);
    } catch {
      // already gone
    }
  }
}

/** The environment that tells the service what it was given (LISTEN_PID comes from wrapArgv's listenPid prelude). */
export function listenEnv(
  sockets: ListenSocket[],
  names: string[] = sockets.map((s) => s.name),
): Record<string, string> {
  if (names.length !== sockets.length) {
    throw new RangeError(`Expected ${sockets.length} socket names, got ${names.length}`);
  }
  return { LISTEN_FDS: String(sockets.length), LISTEN_FDNAMES: names.join(':') };
}

/**
 * The fds to append to the spawn's stdio array (they become 3, 4, …). Each is set back to
 * blocking first: the mode belongs to the socket, shared with every process that has it, and a
 * previous process of the service (Node's net, for one) may have made it non-blocking.
 */
export function listenFds(sockets: ListenSocket[]): number[] {
  for (const s of sockets) setNonBlocking(s.fd, false);
  return sockets.map((s) => s.fd);
}

/**
 * Takes `fd` (an fd of this process) as the listening socket of `spec`, after checking that it is
 * one: a listening socket at the spec's address. Throws NOT_RUNNING, naming `where`, if not; the
 * caller still owns `fd` then.
 */
export function adoptListener(fd: number, spec: string, opts: BindOptions & { where: string }): ListenSocket {
  const p = parseListenSpec(spec);
  const address = getsockname(fd);
  const matches =
    p.kind === 'unix'
      ? address.family === 'unix' && address.path === p.path
      : address.family !== 'unix' && (p.port === 0 || address.port === p.port);
  if (!matches || getsockoptInt(fd, SOL_SOCKET, SO_ACCEPTCONN) !== 1) {
    throw new CorralError('NOT_RUNNING', `${opts.where} is not a socket listening on ${spec}`);
  }
  const socket: ListenSocket = {
    spec,
    kind: p.kind,
    fd,
    address,
    name: p.name ?? opts.name ?? DEFAULT_FD_NAME,
  };
  if (p.kind === 'unix') {
    try {
      socket.inode = lstatSync(p.path).ino;
    } catch {
      // the file is gone: the socket still listens, but no one can reach it by path
    }
  }
  return socket;
}

/**
 * Takes copies of a running service's fds 3, 4, … back into this process (a daemon that
 * restarted after a crash gets its listening sockets from the service that kept them). Each must
 * still be a listening socket at the address of its spec. `isSameProcess` runs once the process
 * is pinned by a pidfd, to rule out a reused pid. Needs ptrace rights over the process (root,
 * CAP_SYS_PTRACE, or the same uid where Yama allows it); Linux >= 5.6.
 */
export function reclaimListeners(
  pid: number,
  specs: string[],
  opts: BindOptions & { isSameProcess?: () => boolean } = {},
): ListenSocket[] {
  const pidfd = pidfdOpen(pid);
  const taken: ListenSocket[] = [];
  try {
    if (opts.isSameProcess && !opts.isSameProcess()) {
      throw new CorralError('NOT_RUNNING', `process ${pid} is not the one that holds the sockets any more`);
    }
    specs.forEach((spec, i) => {
      const fd = pidfdGetfd(pidfd, LISTEN_FDS_START + i);
      try {
        taken.push(
          adoptListener(fd, spec, { ...opts, where: `fd ${LISTEN_FDS_START + i} of process ${pid}` }),
        );
      } catch (e) {
        close(fd);
        throw e;
      }
    });
  } catch (e) {
    for (const s of taken) close(s.fd);
    throw e;
  } finally {
    close(pidfd);
  }
  return taken;
}
