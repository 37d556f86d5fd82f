// Reading /proc in tests: a process's state and parent, its group, whether it is gone.
import { readdirSync, readFileSync } from 'node:fs';

/** State letter, parent and process group of `pid`, or null once it is gone. */
export function procStat(pid: number): { state: string; ppid: number; pgrp: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], ppid: Number(f[1]), pgrp: Number(f[2]) };
  } catch {
    return null;
  }
}

/** True when `pid` no longer runs (a zombie counts as gone). */
export function isGone(pid: number): boolean {
  const s = procStat(pid);
  return s === null || s.state === 'Z';
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** Live (not zombie) members of process group `pgid`, sorted. */
export function groupOf(pgid: number): number[] {
  return allPids()
    .filter((pid) => {
      const s = procStat(pid);
      return s !== null && s.pgrp === pgid && s.state !== 'Z';
    })
    .sort((a, b) => a - b);
}

/** Zombies whose parent is `parent`. */
export function zombiesOf(parent: number): number[] {
  return allPids().filter((pid) => {
    const s = procStat(pid);
    return s !== null && s.state === 'Z' && s.ppid === parent;
  });
}
