// The daemon as the main program of its process: fds and environment it inherits, the signals
// it answers (SIGTERM/SIGINT stop it and its services, SIGHUP is ignored) and a crash of its own.
import { constants as osConstants } from 'node:os';
import { closeInheritedFds } from '../process/fds.js';
import type { Daemon } from './daemon.js';

export interface MainOptions {
  home: string;
  idleTimeoutMs: number;
  /** serve the API on TCP too (`--http ADDR`, `--http-public`) */
  http?: { address: string; public: boolean };
}

/** Set by `corral daemon restart`: this daemon replaces the running one (see handover.ts). */
const TAKE_OVER_VAR = 'CORRAL_TAKE_OVER';

/** Starts the daemon in this process and wires its lifecycle; resolves with it once it listens. */
export async function runDaemonMain(opts: MainOptions): Promise<Daemon> {
  const readyFd = process.env.CORRAL_READY_FD ? Number(process.env.CORRAL_READY_FD) : undefined;
  delete process.env.CORRAL_READY_FD;
  const takeOver = process.env[TAKE_OVER_VAR] === '1';
  delete process.env[TAKE_OVER_VAR];
  // fds inherited from whoever started us (a shell, a CI runner) must not reach services
  closeInheritedFds(readyFd === undefined ? [] : [readyFd]);
  // a signal while starting up: nothing to stop yet, exit at once and say so in the code
  const early = (sig: NodeJS.Signals): void => process.exit(128 + osConstants.signals[sig]);
  process.once('SIGTERM', early);
  process.once('SIGINT', early);
  const { Daemon } = await import('./daemon.js');
  const daemon = await Daemon.start({
    home: opts.home,
    readyFd,
    idleTimeoutMs: opts.idleTimeoutMs,
    takeOver,
    http: opts.http,
  });
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals += 1;
    daemon.logger.info({ signal: sig }, 'signal received');
    // exit 0 once every service is stopped, 1 if one could not be
    if (signals === 1) void daemon.shutdown({ keepServices: false, exit: true });
  };
  // the new handlers first: removing a signal's last listener drops a signal already received
  // (just after "ready") and not yet dispatched, which then stops nothing
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.off('SIGTERM', early);
  process.off('SIGINT', early);
  process.on('SIGHUP', () => daemon.logger.info('SIGHUP ignored'));
  process.on('uncaughtException', (err) => {
    // services do not depend on the daemon's process: log, and leave them running
    daemon.logger.fatal({ err }, 'daemon crashed');
    process.exit(1);
  });
  return daemon;
}
