// One daemon per home: an exclusive lock the kernel drops when its holder dies (even by SIGKILL),
// then a look at the socket: a live one means another daemon, a dead one is removed.

import { closeSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { CorralError } from '../errors.js';
import { tryLockFile } from '../process/native/fd.js';
import type { HomePaths } from './home.js';

/** Takes the home's lock or throws DAEMON_RUNNING naming the holder's pid. Returns the lock fd. */
export async function claimHome(paths: HomePaths): Promise<number> {
  const fd = openSync(paths.lockFile, 'a', 0o600);
  if (!tryLockFile(fd)) {
    closeSync(fd);
    throw new CorralError('DAEMON_RUNNING', `A corral daemon${holder(paths)} already runs for ${paths.dir}`);
  }
  if (await socketAnswers(paths.socket)) {
    closeSync(fd);
    throw new CorralError(
      'DAEMON_RUNNING',
      `Another daemon${holder(paths)} answers on ${paths.socket} without holding the lock; stop it first`,
    );
  }
  try {
    unlinkSync(paths.socket); // stale, from a daemon that died
  } catch {
    // none there
  }
  return fd;
}

function holder(paths: HomePaths): string {
  try {
    const pid = Number(readFileSync(paths.pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? ` (pid ${pid})` : '';
  } catch {
    return '';
  }
}

/** true when something accepts connections on the unix socket at `path`. */
export function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
