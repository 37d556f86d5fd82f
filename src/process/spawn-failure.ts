// Why a process could not be started, in the user's words.
//
// Node learns at once that a spawn failed (the child has no pid) but reports the errno only
// a tick later, as an 'error' event that names neither the missing directory nor the missing
// interpreter. This runs only on that failure path: it looks at the working directory and
// the command the way execvp(3) would, and says which one is wrong.
import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

/** PATH that execvp searches when the environment has none (glibc's and libuv's default). */
export const DEFAULT_PATH = '/usr/bin:/bin';

export interface SpawnFailureCause {
  /** errno name, e.g. ENOENT; null when the cause could not be found */
  errno: string | null;
  message: string;
}

function isExecutableFile(path: string): 'yes' | 'missing' | 'not-executable' {
  try {
    if (!statSync(path).isFile()) return 'not-executable';
  } catch {
    return 'missing';
  }
  try {
    accessSync(path, constants.X_OK);
    return 'yes';
  } catch {
    return 'not-executable';
  }
}

// The interpreter a `#!` script names, or null.
function interpreterOf(path: string): string | null {
  const buf = Buffer.alloc(256);
  let n = 0;
  try {
    const fd = openSync(path, 'r');
    try {
      n = readSync(fd, buf, 0, buf.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  const head = buf.toString('latin1', 0, n);
  if (!head.startsWith('#!')) return null;
  return head.slice(2).split('\n')[0].trim().split(/[ \t]/)[0] || null;
}

function describeCwd(cwd: string): SpawnFailureCause | null {
  try {
    if (!statSync(cwd).isDirectory())
      return { errno: 'ENOTDIR', message: `working directory ${cwd} is not a directory` };
  } catch {
    return { errno: 'ENOENT', message: `working directory ${cwd} does not exist` };
  }
  return null;
}

/** Finds out why `command` could not be started in `cwd` with `env`. */
export function explainSpawnFailure(
  command: string,
  cwd: string,
  env: Record<string, string>,
): SpawnFailureCause {
  const wrongCwd = describeCwd(cwd);
  if (wrongCwd) return wrongCwd;
  const searched = command.includes('/');
  const path = env.PATH ?? DEFAULT_PATH;
  const candidates = searched
    ? [resolve(cwd, command)]
    : path.split(':').map((dir) => resolve(cwd, dir || '.', command));
  let deniedAt: string | null = null;
  for (const candidate of candidates) {
    const found = isExecutableFile(candidate);
    if (found === 'missing') continue;
    if (found === 'not-executable') {
      deniedAt ??= candidate;
      continue;
    }
    const interpreter = interpreterOf(candidate);
    if (interpreter !== null && isExecutableFile(interpreter) !== 'yes') {
      return {
        errno: 'ENOENT',
        message: `its interpreter ${interpreter} (named by ${candidate}) cannot be run`,
      };
    }
    return {
      errno: null,
      message: 'the system refused to create the process (a process or open-file limit may be reached)',
    };
  }
  if (deniedAt !== null)
    return { errno: 'EACCES', message: `EACCES: permission denied (${deniedAt} is not executable)` };
  if (searched) return { errno: 'ENOENT', message: 'ENOENT: no such file or directory' };
  return { errno: 'ENOENT', message: `ENOENT: no such file or directory (not found in PATH=${path})` };
}
