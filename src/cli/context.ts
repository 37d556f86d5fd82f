// What every command shares: the home, the output streams, colours, and a daemon to talk to.
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CorralClient } from '../client/client.js';
import { homePaths, prepareHome, resolveHome } from '../daemon/home.js';
import { DEFAULTS } from '../defaults.js';
import { CorralError, isCorralError } from '../errors.js';
import { assertHomeAccess } from './home-access.js';

export interface Output {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream & { isTTY?: boolean };
}

/** A daemon being made sure of in the background (see CliContext.daemonInBackground). */
export interface EarlyDaemon {
  /** settles once a daemon answers (rejects with why none could be started) */
  ready: Promise<void>;
  /** stops the daemon again if this command started it and it has nothing to run */
  withdraw(): Promise<void>;
}

export interface GlobalOptions {
  home?: string;
  color?: boolean;
}

export class CliContext {
  readonly io: Output;
  readonly home: string;
  readonly color: boolean;
  private client: CorralClient | null = null;

  constructor(opts: GlobalOptions, io: Output, env: NodeJS.ProcessEnv = process.env) {
    this.io = io;
    this.home = resolveHome(opts.home, env);
    this.color = opts.color !== false && !('NO_COLOR' in env && env.NO_COLOR !== '') && Boolean(io.out.isTTY);
  }

  get paths(): ReturnType<typeof homePaths> {
    return homePaths(this.home);
  }

  print(line = ''): void {
    this.io.out.write(`${line}\n`);
  }

  /** Progress and messages for people: stderr. */
  note(line: string): void {
    this.io.err.write(`${line}\n`);
  }

  json(value: unknown): void {
    this.io.out.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A client of a running daemon; throws DAEMON_UNREACHABLE when none answers. */
  async connect(): Promise<CorralClient> {
    const client = await this.clientOfHome();
    await client.health();
    return client;
  }

  /**
   * A client of the daemon that starts one in the background when none answers its first
   * request (no separate health check: a command costs one round trip).
   */
  async daemon(): Promise<CorralClient> {
    const client = await this.clientOfHome();
    client.onUnreachable = () => this.startAndWait();
    return client;
  }

  /** The one client of this home's socket, its module loaded by the first command that talks to a daemon. */
  private async clientOfHome(): Promise<CorralClient> {
    if (!this.client) {
      const { CorralClient } = await import('../client/client.js');
      this.client ??= new CorralClient(this.paths.socket);
    }
    return this.client;
  }

  /**
   * Makes sure a daemon runs without waiting for it to load: resolves as soon as one answered
   * or one was spawned, so a command can do its own work (reading a config) while the daemon
   * loads on another core. `ready` settles once it answers; a command that then has nothing to
   * send calls `withdraw()`, which stops a daemon it started (and only one it started).
   */
  async daemonInBackground(): Promise<EarlyDaemon> {
    // no socket, no daemon: start one before even loading the client (and node:http)
    if (existsSync(this.paths.socket)) {
      try {
        await (await this.clientOfHome()).health();
        return { ready: Promise.resolve(), withdraw: async () => {} };
      } catch (e) {
        if (!isCorralError(e) || e.code !== 'DAEMON_UNREACHABLE') throw e;
      }
    }
    let spawnedPid = 0;
    let spawned!: () => void;
    const spawnedNow = new Promise<void>((r) => {
      spawned = r;
    });
    const ready = this.startAndWait((pid) => {
      spawnedPid = pid;
      spawned();
    });
    ready.catch(() => {}); // awaited by the command; never an unhandled rejection meanwhile
    await Promise.race([spawnedNow, ready]);
    const withdraw = async (): Promise<void> => {
      try {
        await ready;
        const client = await this.clientOfHome();
        const health = await client.health();
        // a daemon another command started at the same moment, or one that has work, stays
        if (health.pid !== spawnedPid || (await client.projects()).length > 0) return;
        await client.shutdown(false).catch(() => {}); // it may exit before its answer is read
        const { waitForExit } = await import('../daemon/exit-wait.js');
        await waitForExit(spawnedPid, DEFAULTS.daemonStopTimeoutMs);
      } catch {
        // a daemon that did not start, or went away by itself: nothing to withdraw
      }
    };
    return { ready, withdraw };
  }

  private async startAndWait(onSpawned?: (pid: number) => void): Promise<void> {
    try {
      await startDaemon(this.home, [], {}, onSpawned);
    } catch (e) {
      if (!isCorralError(e) || e.code !== 'DAEMON_RUNNING') throw e;
      // another command started one at the same moment: ours lost the lock; wait for the winner
      const deadline = Date.now() + DEFAULTS.daemonStartTimeoutMs;
      for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
        try {
          await this.connect();
          return;
        } catch {
          if (Date.now() > deadline) throw e;
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    }
  }

  async close(): Promise<void> {
    await this.client?.close();
    this.client = null;
  }
}

/** The daemon's own entry: it loads the daemon and nothing of the CLI (see daemon/entry.ts). */
const DAEMON_MAIN = fileURLToPath(new URL('../daemon/entry.js', import.meta.url));

/**
 * Starts a daemon for `home` in the background and resolves once its socket answers
 * (it writes "ready" on fd 3); rejects with what it printed if it dies first.
 */
export async function startDaemon(
  home: string,
  extraArgs: string[] = [],
  extraEnv: Record<string, string> = {},
  onSpawned?: (pid: number) => void,
): Promise<number> {
  const { spawn } = await import('node:child_process');
  const paths = homePaths(home);
  assertHomeAccess(home);
  prepareHome(paths);
  const logFd = openSync(paths.daemonLog, 'a', 0o600);
  // a small young generation keeps the daemon's RSS down; it allocates little once running
  const v8 = ['--max-semi-space-size=1'];
  const child = spawn(
    process.execPath,
    [...v8, DAEMON_MAIN, 'daemon', 'start', '--foreground', '--home', home, ...extraArgs],
    {
      detached: true,
      stdio: ['ignore', logFd, logFd, 'pipe'],
      env: { ...process.env, ...extraEnv, CORRAL_READY_FD: '3' },
    },
  );
  closeSync(logFd);
  if (child.pid !== undefined) onSpawned?.(child.pid);
  return new Promise((resolve, reject) => {
    const pipe = child.stdio[3] as NodeJS.ReadableStream;
    let said = '';
    const timer = setTimeout(() => {
      finish(
        new CorralError(
          'DAEMON_UNREACHABLE',
          `The daemon did not answer within ${DEFAULTS.daemonStartTimeoutMs} ms${lastWords(paths.daemonLog)}`,
        ),
      );
    }, DEFAULTS.daemonStartTimeoutMs);
    const finish = (error: Error | null): void => {
      clearTimeout(timer);
      pipe.removeAllListeners();
      child.removeAllListeners();
      (pipe as unknown as { destroy(): void }).destroy();
      child.unref();
      if (error) reject(error);
      else resolve(child.pid!);
    };
    pipe.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      if (said.includes('ready')) finish(null);
    });
    child.once('exit', (code) => {
      const words = lastWords(paths.daemonLog);
      // it lost the race for the home's lock to a daemon started at the same moment
      const lost = /already runs/.test(words);
      finish(
        new CorralError(
          lost ? 'DAEMON_RUNNING' : 'DAEMON_UNREACHABLE',
          `The daemon exited with code ${code} while starting${words}`,
        ),
      );
    });
    child.once('error', (e) =>
      finish(new CorralError('DAEMON_UNREACHABLE', `Cannot start the daemon: ${e.message}`)),
    );
  });
}

/** The last lines of the daemon's log, to show why it failed. */
function lastWords(logPath: string): string {
  try {
    const lines = readFileSync(logPath, 'utf8').trim().split('\n').slice(-3);
    const messages = lines.map((l) => {
      try {
        const parsed = JSON.parse(l) as { msg?: string; err?: { message?: string } };
        return parsed.err?.message ?? parsed.msg ?? l;
      } catch {
        return l;
      }
    });
    return `: ${messages.join(' / ')} (see ${logPath})`;
  } catch {
    return '';
  }
}
