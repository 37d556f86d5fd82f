// The socket keeper: one small perl process per home that holds the listening sockets of the
// home's services (`sockets:`) and gives copies of them to the home's next daemon.
//
// A daemon that was SIGKILLed, crashed or was upgraded needs the very sockets its services
// listen on, so that the next start of a service is handed the same socket and no connection is
// refused. A running service holds a copy, but taking an fd out of another process
// (pidfd_getfd) needs ptrace rights over it: root, CAP_SYS_PTRACE, or the same uid where Yama
// allows it (Ubuntu's default ptrace_scope=1 does not). An fd can also be *given*: the keeper
// inherits the sockets when the daemon starts it, and sends copies (SCM_RIGHTS) to a process of
// its own uid, or root, that connects to it. Node cannot send fds and `sleep` cannot listen, so
// the keeper is a few lines of perl (Essential on Debian and Ubuntu, present on most other
// systems); where there is no perl, the next daemon falls back to pidfd_getfd.
//
// The keeper is replaced when the set of sockets changes (a service with sockets added, changed
// or removed), never on a restart; the old one is killed once the new one holds the set. Its
// environment names its abstract socket (random, checked by peer uid) and what each fd is.
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Logger } from '../log.js';
import { spawnChild } from '../process/children.js';
import { killGroup } from '../process/kill.js';
import { close } from '../process/native/fd.js';
import { SystemCallError } from '../process/native/koffi.js';
import { AF_UNIX, sockaddrUn } from '../process/native/sockaddr.js';
import {
  connect,
  MSG_CTRUNC,
  recvmsg,
  SOCK_SEQPACKET,
  setReceiveTimeout,
  socket,
} from '../process/native/socket.js';
import { homeProcesses } from '../process/ownership.js';

/** The listening sockets of one service, as the keeper holds them. */
export interface KeptSockets {
  /** `project/service` */
  key: string;
  /** the `sockets:` of the spec they were bound for, as JSON */
  specs: string;
  /** the LISTEN_FDNAMES entry of each */
  names: string[];
  /** open in this process, in the order of the specs */
  fds: number[];
}

/** The environment variable naming a keeper's abstract socket (also how keepers are found). */
const NAME_VAR = 'CORRAL_SOCKET_KEEPER';
/** `CORRAL_SOCKET_KEEPER_FDS_0`, `_1`, …: what each fd is, comma separated */
const FDS_VAR = 'CORRAL_SOCKET_KEEPER_FDS';
/** entries per variable: each stays far below the kernel's 128 KiB limit on one env string */
const FDS_PER_VAR = 200;
/** how long a daemon waits for a keeper that has not bound its socket yet, or for its answer */
const ANSWER_MS = 1_000;

// The keeper, run as `perl -e SCRIPT NAME FD…`: it listens on the abstract unix socket NAME and
// sends each client of its own uid (or root) the FDs it was started with, at most 200 a message
// (SCM_MAX_FD is 253), each message's bytes the fd numbers it carries; then it closes. Perl has
// no sendmsg, so it makes the system call itself (msghdr, iovec and cmsghdr as on LP64 Linux).
const SCRIPT = `
use strict; use warnings; use Config;
use Socket qw(AF_UNIX SOCK_SEQPACKET SOL_SOCKET SO_PEERCRED pack_sockaddr_un);
my %sendmsg = (x86_64 => 46, aarch64 => 211);
my $sendmsg = $sendmsg{(split /-/, $Config{archname})[0]} or die "no sendmsg number for $Config{archname}\\n";
my ($name, @fds) = @ARGV;
$SIG{PIPE} = 'IGNORE';
socket(my $server, AF_UNIX, SOCK_SEQPACKET, 0) or die "socket: $!\\n";
bind($server, pack_sockaddr_un("\\0$name")) or die "bind: $!\\n";
listen($server, 16) or die "listen: $!\\n";
while (1) {
  accept(my $client, $server) or next;
  my (undef, $uid) = unpack 'l L', (getsockopt($client, SOL_SOCKET, SO_PEERCRED) // '');
  if (defined $uid && ($uid == $< || $uid == 0)) {
    for (my $i = 0; $i < @fds; $i += 200) {
      my @batch = @fds[$i .. ($i + 199 < $#fds ? $i + 199 : $#fds)];
      my $bytes = join ',', @batch;
      my $rights = pack 'i*', @batch;
      my $len = 16 + length $rights;
      my $control = pack('Q l l', $len, 1, 1) . $rights . ("\\0" x ((($len + 7) & ~7) - $len));
      my $iov = pack 'P Q', $bytes, length $bytes;
      my $msg = pack 'Q L x4 P Q P Q l x4', 0, 0, $iov, 1, $control, length $control, 0;
      last if syscall($sendmsg, fileno($client), $msg, 0x4000) < 0;
    }
  }
  close $client;
}
`;

/** The perl on PATH, or null. */
export function findPerl(path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'perl');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

interface Entry {
  fd: number;
  key: string;
  index: number;
  specs: string;
  name: string;
}

export class SocketKeeper {
  private readonly home: string;
  private readonly env: Record<string, string>;
  private readonly logger: Logger;
  private readonly perl: string | null;
  private readonly sets: () => KeptSockets[];
  private pending = false;
  private frozen = false;
  /** our keeper, while it lives */
  private current: number | null = null;

  /** `env`: the keeper's environment (with CORRAL_HOME); `sets`: every service's sockets, as the daemon holds them now. */
  constructor(
    home: string,
    env: Record<string, string>,
    logger: Logger,
    sets: () => KeptSockets[],
    perl: string | null = findPerl(),
  ) {
    this.home = home;
    this.env = env;
    this.logger = logger;
    this.sets = sets;
    this.perl = perl;
  }

  /** The sockets changed: the keeper is replaced at the end of this turn of the event loop. */
  changed(): void {
    if (this.pending || this.frozen) return;
    this.pending = true;
    setImmediate(() => {
      if (this.pending) this.refresh();
    });
  }

  /**
   * Copies of the sockets the keepers of the daemon before hold, by service (the newest keeper's
   * where two hold the same service's). The caller owns the fds. Empty where none answers.
   */
  takeBack(): Map<string, KeptSockets> {
    const out = new Map<string, KeptSockets>();
    const keepers = keepersOf(this.home).sort((a, b) => b.startTime - a.startTime);
    for (const keeper of keepers) {
      let received: Map<number, number>;
      try {
        received = receive(keeper.name, keeper.pid);
      } catch (e) {
        this.logger.warn(
          { err: e, keeper: keeper.pid },
          `cannot take the listening sockets back from the socket keeper (process ${keeper.pid}); those of running services are taken from them, the others bound anew`,
        );
        continue;
      }
      const byKey = new Map<string, Entry[]>();
      for (const entry of keeper.entries) byKey.set(entry.key, [...(byKey.get(entry.key) ?? []), entry]);
      for (const [key, entries] of byKey) {
        entries.sort((a, b) => a.index - b.index);
        const fds = entries.map((e) => received.get(e.fd));
        if (out.has(key) || fds.some((fd) => fd === undefined)) continue;
        out.set(key, {
          key,
          specs: entries[0].specs,
          names: entries.map((e) => e.name),
          fds: fds as number[],
        });
        for (const e of entries) received.delete(e.fd);
      }
      for (const fd of received.values()) close(fd);
    }
    return out;
  }

  /** Replaces the keeper now with one that holds the current set; the old ones go once it does. */
  refresh(): void {
    this.pending = false;
    const previous = keepersOf(this.home).map((k) => k.pid);
    const sets = this.sets();
    const fds = sets.flatMap((s) => s.fds);
    this.current = null;
    if (fds.length > 0 && this.perl !== null) {
      const name = `corral-sockets-${randomBytes(12).toString('hex')}`;
      const env: Record<string, string> = { ...this.env, CORRAL_HOME: this.home, [NAME_VAR]: name };
      // the child's fd N is fds[N - 3], in the order of the sets
      const entries: string[] = [];
      for (const s of sets) {
        s.fds.forEach((_, index) => {
          const fd = 3 + entries.length;
          entries.push(
            encodeURIComponent(
              JSON.stringify({ fd, key: s.key, index, specs: s.specs, name: s.names[index] }),
            ),
          );
        });
      }
      for (let i = 0; i * FDS_PER_VAR < entries.length; i++)
        env[`${FDS_VAR}_${i}`] = entries.slice(i * FDS_PER_VAR, (i + 1) * FDS_PER_VAR).join(',');
      const args = ['-e', SCRIPT, name, ...fds.map((_, i) => String(3 + i))];
      const child = spawnChild(this.perl, args, {
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe', ...fds],
        env,
      });
      let said = '';
      child.stderr?.on('data', (b: Buffer) => {
        said = (said + b.toString()).slice(-500);
      });
      child.on('error', (err) => this.logger.error({ err }, 'cannot start the socket keeper'));
      child.once('exit', (code) => {
        if (child.pid === this.current) this.current = null;
        if (code !== null && code !== 0)
          this.logger.error(
            { code, said: said.trim() },
            'the socket keeper ended: a daemon after this one binds the listening sockets of stopped services anew',
          );
      });
      child.unref();
      (child.stderr as { unref?: () => void } | null)?.unref?.();
      this.current = child.pid ?? null;
      // no new keeper: the old ones go on holding what they hold
      if (this.current === null) return;
    }
    for (const pid of previous) if (pid !== this.current) killGroup(pid, 'SIGKILL');
  }

  /** The daemon is leaving with its services: a replacement still due is made now, none after. */
  freeze(): void {
    if (this.frozen) return;
    if (this.pending) this.refresh();
    this.frozen = true;
  }

  /** Kills the keepers of the home (its services are stopped: nothing is left to keep). */
  stop(): void {
    this.pending = false;
    stopSocketKeepers(this.home);
    this.current = null;
  }
}

/** Kills every socket keeper of `home`. */
export function stopSocketKeepers(home: string): void {
  for (const k of keepersOf(home)) killGroup(k.pid, 'SIGKILL');
}

interface FoundKeeper {
  pid: number;
  startTime: number;
  name: string;
  entries: Entry[];
}

/** Live socket keepers of this home, with what their environment says they hold. */
function keepersOf(home: string): FoundKeeper[] {
  return homeProcesses(home, (p) => p.stat.comm === 'perl' && p.env(NAME_VAR) !== undefined).map((p) => {
    const entries: Entry[] = [];
    for (let i = 0; ; i++) {
      const list = p.env(`${FDS_VAR}_${i}`);
      if (list === undefined) break;
      for (const item of list.split(',')) {
        try {
          const e = JSON.parse(decodeURIComponent(item)) as Entry;
          if (Number.isInteger(e.fd) && typeof e.key === 'string' && Number.isInteger(e.index))
            entries.push(e);
        } catch {
          // not one of ours
        }
      }
    }
    return { pid: p.pid, startTime: p.stat.startTimeTicks, name: p.env(NAME_VAR) as string, entries };
  });
}

/**
 * Connects to the keeper's socket and receives every fd it holds: keeper fd → our fd
 * (close-on-exec). Waits up to ANSWER_MS for a keeper that has just started.
 */
function receive(name: string, pid: number): Map<number, number> {
  const out = new Map<number, number>();
  const fd = socket(AF_UNIX, SOCK_SEQPACKET);
  try {
    const deadline = performance.now() + ANSWER_MS;
    for (;;) {
      const r = connect(fd, sockaddrUn(`@${name}`));
      if (r === 0) break;
      if (performance.now() > deadline) throw new SystemCallError('connect', -r);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); // it is binding
    }
    setReceiveTimeout(fd, ANSWER_MS);
    for (;;) {
      const m = recvmsg(fd, 0);
      if (m === null) throw new Error(`process ${pid} did not answer within ${ANSWER_MS} ms`);
      if (m.data.length === 0 && m.fds.length === 0) break; // all sent
      const numbers = m.data.toString().split(',').map(Number);
      m.fds.forEach((got, i) => {
        const theirs = numbers[i];
        if (theirs === undefined || out.has(theirs)) close(got);
        else out.set(theirs, got);
      });
      if (m.flags & MSG_CTRUNC) throw new Error(`some sockets of process ${pid} did not fit one message`);
    }
  } catch (e) {
    for (const got of out.values()) close(got);
    throw e;
  } finally {
    close(fd);
  }
  return out;
}
