// Why a directory could not be watched, in words a user can act on: above all the inotify limit
// (ENOSPC from inotify_add_watch), named with its current value and how to raise it.
import { readFileSync } from 'node:fs';

const WATCHES = '/proc/sys/fs/inotify/max_user_watches';
const INSTANCES = '/proc/sys/fs/inotify/max_user_instances';

/** A number from /proc/sys, or null when it cannot be read. */
function sysctl(path: string): number | null {
  try {
    const n = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

/** The message for an fs.watch of `dir` that failed with `error`. */
export function watchFailure(dir: string, error: NodeJS.ErrnoException, limit = sysctl(WATCHES)): string {
  if (error.code === 'ENOSPC') {
    const now = limit === null ? '' : ` (now ${limit})`;
    const suggested = Math.max(524_288, (limit ?? 0) * 2);
    return (
      `cannot watch ${dir}: this user's inotify watches are used up: fs.inotify.max_user_watches${now} ` +
      'is reached. Changes in it and in the directories not watched yet are not seen; the service runs on. ' +
      `Raise the limit with: sudo sysctl fs.inotify.max_user_watches=${suggested} ` +
      '(and a line fs.inotify.max_user_watches=N in /etc/sysctl.d/ to keep it), or watch fewer directories'
    );
  }
  if (error.code === 'EMFILE') {
    const instances = sysctl(INSTANCES);
    return (
      `cannot watch ${dir}: EMFILE: too many inotify instances or open files` +
      `${instances === null ? '' : ` (fs.inotify.max_user_instances is ${instances})`}; the service runs on. ` +
      'Raise it with: sudo sysctl fs.inotify.max_user_instances=N, or the open-file limit (ulimit -n)'
    );
  }
  return `cannot watch ${dir}: ${error.code ?? error.message}; changes in it are not seen; the service runs on`;
}
