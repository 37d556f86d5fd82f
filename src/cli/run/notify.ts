// `corral run`'s sd_notify sockets (`ready: { notify: true }`): one per process, read through
// one EpollLoop made when the first is opened, under a directory of this run's own in the home's
// run dir (so a daemon of the same home keeps its sockets), or in the temporary directory when
// the home cannot be used; removed when the run ends.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HomePaths } from '../../daemon/home.js';
import { openNotifySocket } from '../../daemon/notify-sockets.js';
import type { OutputKey } from '../../engine/output.js';
import { EpollLoop } from '../../process/event-loop.js';
import type { NotifyMessage } from '../../process/notify-socket.js';

export class RunNotify {
  private loop: EpollLoop | null = null;
  private readonly home: { dir: string; runDir: string };

  constructor(paths: HomePaths | null) {
    const own = `run-${process.pid}`;
    this.home =
      paths === null
        ? { dir: join(tmpdir(), `corral-${own}`), runDir: join(tmpdir(), `corral-${own}`) }
        : { dir: `${paths.dir}#${own}`, runDir: join(paths.runDir, own) };
  }

  /** Opens a process's notify socket; its datagrams go to `onMessage`. */
  open(
    key: OutputKey,
    onMessage: (m: NotifyMessage) => void,
    otherUser: boolean,
  ): { path: string; close(): void; drain(): void } {
    this.loop ??= new EpollLoop(
      () => {},
      (err) => process.emitWarning(`reading notify sockets failed: ${err.message}`, 'CorralWarning'),
    );
    return openNotifySocket(this.home, this.loop, key, onMessage, otherUser);
  }

  /** Stops reading and removes this run's sockets. */
  async close(): Promise<void> {
    await this.loop?.close();
    this.loop = null;
    rmSync(this.home.runDir, { recursive: true, force: true });
  }
}
