// The home of one daemon: where its socket, state, events and logs live (SPEC §7).
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CorralError } from '../errors.js';

export interface HomePaths {
  dir: string;
  socket: string;
  pidFile: string;
  lockFile: string;
  daemonLog: string;
  stateFile: string;
  /** the projects' definitions alone, rewritten only when they change */
  projectsFile: string;
  eventsFile: string;
  tokenFile: string;
  logsDir: string;
  runDir: string;
}

/** --home, else CORRAL_HOME, else $XDG_STATE_HOME/corral, else ~/.local/state/corral. */
export function resolveHome(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.CORRAL_HOME) return resolve(env.CORRAL_HOME);
  const state = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(resolve(state), 'corral');
}

export function homePaths(dir: string): HomePaths {
  return {
    dir,
    socket: join(dir, 'corral.sock'),
    pidFile: join(dir, 'daemon.pid'),
    lockFile: join(dir, 'daemon.lock'),
    daemonLog: join(dir, 'daemon.log'),
    stateFile: join(dir, 'state.json'),
    projectsFile: join(dir, 'projects.json'),
    eventsFile: join(dir, 'events.jsonl'),
    tokenFile: join(dir, 'token'),
    logsDir: join(dir, 'logs'),
    runDir: join(dir, 'run'),
  };
}

/** mkdir -p, one level at a time (a recursive mkdirSync under /proc never returns). */
function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && statSync(dir).isDirectory()) return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw e;
    makeDir(dirname(dir));
    mkdirSync(dir, { mode: 0o700 });
  }
}

/** Creates the home (0700) and its folders; says which path is unusable and why. */
export function prepareHome(paths: HomePaths): void {
  for (const dir of [paths.dir, paths.logsDir, paths.runDir]) {
    try {
      makeDir(dir);
      if (dir === paths.dir && (statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new CorralError(
        'HOME_UNUSABLE',
        `Cannot use ${dir} as corral's home: ${err.code ?? err.message}. Choose another with --home or CORRAL_HOME.`,
      );
    }
  }
}
