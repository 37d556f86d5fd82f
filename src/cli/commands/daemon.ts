// corral daemon start | stop | restart | status | token.
import { existsSync } from 'node:fs';
import { formatHostPort, parseHttpAddress, publicRefused, publicWarning } from '../../api/http-address.js';
import type { HttpInfo } from '../../api/http-control.js';
import type { CorralClient } from '../../client/client.js';
import { parseDuration } from '../../config/units.js';
import { waitForExit } from '../../daemon/exit-wait.js';
import { DEFAULTS } from '../../defaults.js';
import { CorralError, isCorralError } from '../../errors.js';
import { keepRunningWhenClosed } from '../closed-output.js';
import { type CliContext, startDaemon } from '../context.js';
import { formatDuration } from '../format.js';
import { assertHomeAccess, homeAccessProblem } from '../home-access.js';
import { homeOnDisk } from '../offline-services.js';
import { describeOfflineStop, stopWithoutDaemon } from '../offline-stop.js';

export interface DaemonStartOptions {
  foreground?: boolean;
  http?: string;
  httpPublic?: boolean;
  idleTimeout?: string;
}

/** `--http ADDR [--http-public]` checked here, before any daemon starts: the daemon's arguments for it. */
function httpArgs(opts: { http?: string; httpPublic?: boolean }): string[] {
  if (opts.http === undefined) {
    if (opts.httpPublic) throw new CorralError('BAD_REQUEST', '--http-public goes with --http ADDR');
    return [];
  }
  const addr = parseHttpAddress(opts.http, '--http');
  if (!addr.loopback && !opts.httpPublic) throw publicRefused(addr, '--http');
  return ['--http', opts.http, ...(opts.httpPublic ? ['--http-public'] : [])];
}

/** Where the daemon serves the API on TCP; all null when it does not (or is too old to say). */
async function httpOf(client: CorralClient): Promise<HttpInfo> {
  try {
    return await client.request<HttpInfo>('GET', '/v1/daemon/http');
  } catch {
    return { url: null, address: null, public: false };
  }
}

/** Tells where the API on TCP is, with the warning a public one deserves. */
function noteHttp(ctx: CliContext, info: HttpInfo): void {
  if (info.url === null) return;
  ctx.note(`The API is served on TCP at ${info.url} (the token: corral daemon token).`);
  if (info.public) ctx.note(`Warning: ${publicWarning(info.address as string)}.`);
}

export interface DaemonStopOptions {
  keepServices?: boolean;
  /** how long to wait for the daemon to exit, a duration */
  timeout?: string;
}

export async function daemonStart(ctx: CliContext, opts: DaemonStartOptions): Promise<number> {
  const http = httpArgs(opts);
  const idleTimeoutMs = opts.idleTimeout === undefined ? 0 : parseDuration(opts.idleTimeout);
  if (opts.foreground) return runForeground(ctx, idleTimeoutMs, opts);
  try {
    const client = await ctx.connect();
    const health = await client.health();
    ctx.note(`A daemon is already running for ${ctx.home} (pid ${health.pid}).`);
    if (opts.http !== undefined && !(await httpOnRunning(ctx, client, opts.http, opts.httpPublic === true)))
      return 1;
    if (opts.idleTimeout === undefined) return 0;
    // the setting was asked for and is not in effect: say so, and fail, so a script notices
    ctx.note(
      `--idle-timeout ${opts.idleTimeout} was ignored: the running daemon keeps the setting it was started with. ` +
        `To change it: corral daemon restart --idle-timeout ${opts.idleTimeout} (services keep running).`,
    );
    return 1;
  } catch (e) {
    if (!isCorralError(e) || e.code !== 'DAEMON_UNREACHABLE') throw e;
  }
  const pid = await startDaemon(ctx.home, [
    ...(idleTimeoutMs > 0 ? ['--idle-timeout', opts.idleTimeout!] : []),
    ...http,
  ]);
  ctx.note(`Daemon started for ${ctx.home} (pid ${pid}).`);
  if (http.length > 0) noteHttp(ctx, await httpOf(await ctx.connect()));
  return 0;
}

/**
 * `daemon start --http ADDR` with a daemon running: its listener is started there if it is off;
 * false (said why) when it already listens elsewhere.
 */
async function httpOnRunning(
  ctx: CliContext,
  client: CorralClient,
  address: string,
  pub: boolean,
): Promise<boolean> {
  const info = await client.request<HttpInfo>('POST', '/v1/daemon/http', { address, public: pub });
  const asked = parseHttpAddress(address, '--http');
  const running = info.address === null ? null : parseHttpAddress(info.address, 'address');
  if (running && running.host === asked.host && (asked.port === 0 || asked.port === running.port)) {
    noteHttp(ctx, info);
    return true;
  }
  ctx.note(
    `--http ${address} was ignored: the running daemon already serves the API on ${info.address}. ` +
      `To move it: corral daemon restart --http ${formatHostPort(asked.host, asked.port)}${pub ? ' --http-public' : ''} (services keep running).`,
  );
  return false;
}

/** Runs the daemon in this process until SIGTERM/SIGINT (services stopped) or a shutdown request. */
async function runForeground(
  ctx: CliContext,
  idleTimeoutMs: number,
  opts: { http?: string; httpPublic?: boolean },
): Promise<number> {
  // the daemon's stdout is its log, not a reader's pipe: a write failing there ends nothing
  keepRunningWhenClosed(process.stdout);
  const http = opts.http === undefined ? undefined : { address: opts.http, public: opts.httpPublic === true };
  const daemon = await (await import('../../daemon/main.js')).runDaemonMain({
    home: ctx.home,
    idleTimeoutMs,
    http,
  });
  (await import('../compile-cache.js')).flushCompileCache(); // the next daemon starts from it
  const info = daemon.http();
  if (info.public) ctx.note(`Warning: ${publicWarning(info.address as string)}.`);
  if (!process.stderr.isTTY) return new Promise<number>(() => {});
  ctx.note(`corral daemon running for ${ctx.home} (pid ${process.pid}); Ctrl-C stops it and its services.`);
  noteHttp(ctx, info);
  return new Promise<number>(() => {});
}

export async function daemonStop(ctx: CliContext, opts: DaemonStopOptions): Promise<number> {
  const timeoutMs = opts.timeout === undefined ? DEFAULTS.daemonStopTimeoutMs : parseDuration(opts.timeout);
  let pid: number;
  let client: Awaited<ReturnType<CliContext['connect']>>;
  try {
    client = await ctx.connect();
    pid = (await client.health()).pid;
  } catch (e) {
    if (isCorralError(e) && e.code === 'DAEMON_UNREACHABLE')
      return stopWithoutAnyDaemon(ctx, Boolean(opts.keepServices));
    throw e;
  }
  const outcome = await askToExit(client, pid, Boolean(opts.keepServices), timeoutMs);
  if (!outcome.gone) {
    ctx.note(stillRunning(pid, timeoutMs));
    return 1;
  }
  if (outcome.stillRunning.length > 0) {
    ctx.note(
      `Daemon ${pid} stopped, but these could not be stopped and may still run: ${outcome.stillRunning.join(', ')} (see daemon.log; kill them by hand)`,
    );
    return 1;
  }
  ctx.note(`Daemon ${pid} stopped${opts.keepServices ? '; services left running' : ''}.`);
  return 0;
}

/**
 * daemon stop while no daemon runs: the services of the home that still run are stopped from here
 * (kept in the state files, recorded as stopped), or with --keep-services named and left running.
 */
async function stopWithoutAnyDaemon(ctx: CliContext, keepServices: boolean): Promise<number> {
  assertHomeAccess(ctx.home);
  if (!existsSync(ctx.paths.dir)) {
    ctx.note('No daemon is running.');
    return 0;
  }
  if (keepServices) {
    const live = homeOnDisk(ctx.paths).live;
    if (live.length === 0) ctx.note('No daemon is running.');
    else
      ctx.note(
        `No daemon is running. These services of ${ctx.home} run on without one: ${live.map((l) => `${l.name} (pid ${l.pid})`).join(', ')}. ` +
          'The next daemon adopts them (corral daemon start); corral daemon stop without --keep-services stops them.',
      );
    return 0;
  }
  const r = await stopWithoutDaemon(ctx.paths, { projects: null, forget: false, by: 'corral daemon stop' });
  const { lines, ok } = describeOfflineStop(r);
  for (const line of lines) ctx.note(line);
  const n = r.stopped.length;
  if (n === 0 && ok) ctx.note('No daemon is running.');
  else if (n > 0)
    ctx.note(`No daemon was running: stopped ${n} process${n === 1 ? '' : 'es'} of ${ctx.home}.`);
  return ok ? 0 : 1;
}

/**
 * Asks the daemon `pid` to shut down and waits for its exit (not for its answer, which comes
 * only once every service is stopped); false if it still runs after `timeoutMs`.
 */
async function askToExit(
  client: CorralClient,
  pid: number,
  keep: boolean,
  timeoutMs: number,
): Promise<{ gone: boolean; stillRunning: string[] }> {
  const exited = waitForExit(pid, timeoutMs); // the pidfd is taken before the request is sent
  const abort = new AbortController();
  let refusal: unknown = null;
  const answered = client.shutdown(keep, abort.signal).then(
    (answer) => answer,
    (e: unknown) => {
      // the daemon may exit before its answer is read; anything else is a refusal worth telling
      if (!abort.signal.aborted && !(isCorralError(e) && e.code === 'DAEMON_UNREACHABLE')) refusal = e;
      return null;
    },
  );
  const gone = await exited;
  if (!gone) {
    abort.abort();
    if (refusal !== null) throw refusal;
    return { gone, stillRunning: [] };
  }
  // the daemon has exited, so its connection is closed: the answer (if it got out) is here now
  const answer = await answered;
  return { gone, stillRunning: answer?.still_running ?? [] };
}

/** What to say, and to do, when a daemon asked to stop is still there after `timeoutMs`. */
function stillRunning(pid: number, timeoutMs: number): string {
  return (
    `Daemon ${pid} is still running ${formatDuration(timeoutMs)} after it was asked to stop ` +
    `(it may still be stopping services). See corral daemon status; to end it now: kill ${pid}`
  );
}

/**
 * Replaces the daemon with a new one that adopts every running service: nothing restarts. The
 * new daemon loads while the old one still serves, then takes over (daemon/handover.ts).
 */
export async function daemonRestart(
  ctx: CliContext,
  opts: { idleTimeout?: string; http?: string; httpPublic?: boolean } = {},
): Promise<number> {
  let http = httpArgs(opts);
  const idleTimeoutMs = opts.idleTimeout === undefined ? 0 : parseDuration(opts.idleTimeout);
  const started = Date.now();
  let oldPid: number | null = null;
  try {
    const client = await ctx.connect();
    oldPid = (await client.health()).pid;
    // the new daemon listens where the old one did (the port it was given for :0 included)
    const old = http.length > 0 ? null : await httpOf(client);
    if (old?.address) http = ['--http', old.address, ...(old.public ? ['--http-public'] : [])];
    await ctx.close();
  } catch (e) {
    if (!isCorralError(e) || e.code !== 'DAEMON_UNREACHABLE') throw e;
  }
  const args = idleTimeoutMs > 0 ? ['--idle-timeout', opts.idleTimeout as string] : [];
  await startDaemon(ctx.home, [...args, ...http], { CORRAL_TAKE_OVER: '1' });
  const client = await ctx.connect();
  const health = await client.health();
  const took = Date.now() - started;
  ctx.note(
    `Daemon ${oldPid === null ? 'started' : `${oldPid} replaced`} by ${health.pid} in ${took} ms; adopted ${health.adopted.length} running processes${health.found_dead.length > 0 ? `, ${health.found_dead.length} found dead` : ''}.`,
  );
  if (http.length === 0) return 0;
  const info = await httpOf(client);
  if (info.url !== null) {
    noteHttp(ctx, info);
    return 0;
  }
  ctx.note(
    `The new daemon could not serve the API on TCP at ${http[1]} (see ${ctx.paths.daemonLog}); ` +
      'corral dashboard starts it on a free port, corral daemon start --http ADDR on another.',
  );
  return 1;
}

/** Prints the API's token (made when there is none); `rotate`: a new one, the old refused at once. */
export async function daemonToken(ctx: CliContext, opts: { rotate?: boolean }): Promise<number> {
  const { ensureToken, rotateToken } = await import('../../daemon/token.js');
  const { prepareHome } = await import('../../daemon/home.js');
  assertHomeAccess(ctx.home);
  prepareHome(ctx.paths);
  const file = ctx.paths.tokenFile;
  ctx.print(opts.rotate ? rotateToken(file) : ensureToken(file));
  if (opts.rotate)
    ctx.note(
      'New token in effect: the old one is refused from now on, and browsers logged in with it are logged out (corral dashboard logs one in again).',
    );
  return 0;
}

export async function daemonStatus(ctx: CliContext, opts: { json?: boolean }): Promise<number> {
  try {
    const client = await ctx.connect();
    const health = await client.health();
    const http = await httpOf(client);
    if (opts.json) ctx.json({ running: true, ...health, http });
    else {
      ctx.print(
        `running: pid ${health.pid}, corral ${health.version}, up ${formatDuration(health.uptime_ms)}`,
      );
      ctx.print(`home: ${health.home}, ${health.services} processes`);
      ctx.print(
        `at start: adopted ${health.adopted.length} running processes${health.adopted.length > 0 ? ` (${health.adopted.join(', ')})` : ''}`,
      );
      if (health.found_dead.length > 0) {
        ctx.print(
          `at start: found ${health.found_dead.length} dead, handed to their restart policy (${health.found_dead.join(', ')})`,
        );
      }
      if (health.recovery) ctx.print(`state file: ${health.recovery}`);
      if (http.url !== null)
        ctx.print(
          `API on TCP: ${http.url}${http.public ? ` (bound to ${http.address}, outside loopback)` : ''}`,
        );
    }
    return 0;
  } catch (e) {
    if (!isCorralError(e) || e.code !== 'DAEMON_UNREACHABLE') throw e;
    // a home of another user: whether its daemon runs is not ours to know
    const problem = homeAccessProblem(ctx.home);
    if (problem !== null) throw new CorralError('DAEMON_UNREACHABLE', problem);
    if (opts.json) ctx.json({ running: false, home: ctx.home });
    else ctx.print(`not running (home ${ctx.home})`);
    return 3;
  }
}
