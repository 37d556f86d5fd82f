// File descriptors a service would get without being given them.
//
// Everything Node and corral open is close-on-exec, so a spawned service sees only the fds
// it is handed. Fds the daemon inherited from whoever started it (a shell, a CI runner, the
// CLI) are not: left open, every service would inherit them too, and hold, say, the pipe a
// CI step waits on to see EOF. The daemon closes them once at startup, before it spawns.
import { closeSync, readdirSync, readFileSync } from 'node:fs';

/** The close-on-exec bit as /proc/<pid>/fdinfo shows it in `flags:` (octal; generic Linux value). */
const O_CLOEXEC = 0o2000000;

/** Fds above 2 of this process that a child would inherit: open without close-on-exec. */
export function inheritableFds(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc/self/fd')) {
    const fd = Number(name);
    if (fd <= 2) continue;
    let info: string;
    try {
      info = readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1');
    } catch {
      continue; // the directory listing's own fd, closed by now
    }
    const flags = /^flags:\s*([0-7]+)/m.exec(info);
    if (flags && (Number.parseInt(flags[1], 8) & O_CLOEXEC) === 0) out.push(fd);
  }
  return out.sort((a, b) => a - b);
}

/** Closes every inheritable fd except `keep`, so that no service gets one; returns those closed. */
export function closeInheritedFds(keep: number[] = []): number[] {
  const closed: number[] = [];
  for (const fd of inheritableFds()) {
    if (keep.includes(fd)) continue;
    try {
      closeSync(fd);
      closed.push(fd);
    } catch {
      // already closed
    }
  }
  return closed;
}
