// Where each process's sd_notify socket lives, and reading it through the daemon's one epoll set.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { logStem } from '../engine/names.js';
import type { OutputKey } from '../engine/output.js';
import type { EpollLoop } from '../process/event-loop.js';
import { createNotifySocket, type NotifyMessage } from '../process/notify-socket.js';

/** Opens the notify socket of one process; its messages go to `onMessage` as they arrive. */
export function openNotifySocket(
  home: { dir: string; runDir: string },
  watcher: EpollLoop,
  key: OutputKey,
  onMessage: (m: NotifyMessage) => void,
  otherUser: boolean,
): { path: string; close(): void; drain(): void } {
  const stem = logStem(key.service, key.index, key.instances);
  let path = join(home.runDir, 'notify', key.project, `${stem}.sock`);
  // a file path has room for 107 bytes, and a process running as another user cannot reach a
  // socket in the 0700 home: then an abstract name unique to this home (the sender is still
  // checked by its kernel credentials)
  if (otherUser || Buffer.byteLength(path) > 100) {
    const tag = createHash('sha256').update(home.dir).digest('hex').slice(0, 12);
    path = `@corral-${tag}/${key.project}/${stem}`.slice(0, 100);
  }
  const socket = createNotifySocket(path);
  const drain = (): void => {
    for (const m of socket.drain()) onMessage(m);
  };
  watcher.add(socket.fd, drain);
  return {
    path: socket.path,
    drain,
    close: () => {
      watcher.remove(socket.fd);
      socket.close();
    },
  };
}
