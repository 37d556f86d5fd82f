// corral daemon start | stop | restart | status.
import { parseDuration } from '../../config/units.js';
import { CorralError, isCorralError } from '../../errors.js';
import { readProcStat } from '../../process/procfs.js';
import { type CliContext, startDaemon } from '../context.js';
import { formatDuration } from '../format.js';

export interface DaemonStartOptions {
  foreground?: boolean;
  http?: string;
  idleTimeout?: string;
}

export async function daemonStart(ctx: CliContext, opts: DaemonStartOptions): Promise<number> {
  if (opts.http !== undefined) throw new CorralError('BAD_REQUEST', '--http is not available yet');
  const idleTimeoutMs = opts.idleTimeout === undefined ? 0 : parseDuration(opts.idleTimeout);
  if (opts.foreground) return runForeground(ctx, idleTimeoutMs);
  try {
    const health = await (await ctx.connect()).health();
    ctx.note(`A daemon is already running for ${ctx.home} (pid ${health.pid}).`);
    return 0;
  } catch (e) {
    if (!isCorralError(e) || e.code !== 'DAEMON_UNREACHABLE') throw e;
  }
  const pid = await startDaemon(ctx.home, idleTimeoutMs > 0 ? ['--idle-timeout', opts.idleTimeout!] : []);
  ctx.note(`Daemon started for ${ctx.home} (pid ${pid}).`);
  return 0;
}

/** Runs the daemon in this process until SIGTERM/SIGINT (services stopped) or a shutdown request. */
async function runForeground(ctx: CliContext, idleTimeoutMs: number): Promise<number> {
  await (await import('../../daemon/main.js')).runDaemonMain({ home: ctx.home, idleTimeoutMs });
  if (!process.stderr.isTTY) return new Promise<number>(() => {});
  ctx.note(`corral daemon running for ${ctx.home} (pid ${process.pid}); Ctrl-C stops it and its services.`);
  return new Promise<number>(() => {});
}

export async function daemonStop(ctx: CliContext, opts: { keepServices?: boolean }): Promise<number> {
  let pid: number;
  let client: Awaited<ReturnType<CliContext['connect']>>;
  try {
    client = await ctx.connect();
    pid = (await client.health()).pid;
  } catch (e) {
    if (isCorralError(e) && e.code === 'DAEMON_UNREACHABLE') {
      ctx.note('No daemon is running.');
      return 0;
    }
    throw e;
  }
  await client.shutdown(Boolean(opts.keepServices));
  await gone(pid, 10_000);
  ctx.note(`Daemon ${pid} stopped${opts.keepServices ? '; services left running' : ''}.`);
  return 0;
}

/** Replaces the daemon with a new one that adopts every running service: nothing restarts. */
export async function daemonRestart(ctx: CliContext): Promise<number> {
  const started = Date.now();
  let oldPid: number | null = null;
  try {
    const client = await ctx.connect();
    oldPid = (await client.health()).pid;
    await client.shutdown(true);
    await gone(oldPid, 10_000);
    await ctx.close();
  } catch (e) {
    if (!isCorralError(e) || e.code !== 'DAEMON_UNREACHABLE') throw e;
  }
  await startDaemon(ctx.home);
  const health = await (await ctx.connect()).health();
  const took = Date.now() - started;
  ctx.note(
    `Daemon ${oldPid === null ? 'started' : `${oldPid} replaced`} by ${health.pid} in ${took} ms; adopted ${health.adopted.length} running processes${health.found_dead.length > 0 ? `, ${health.found_dead.length} found dead` : ''}.`,
  );
  return 0;
}

export async function daemonStatus(ctx: CliContext, opts: { json?: boolean }): Promise<number> {
  try {
    const health = await (await ctx.connect()).health();
    if (opts.json) ctx.json({ running: true, ...health });
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
    }
    return 0;
  } catch (e) {
    if (!isCorralError(e) || e.code !== 'DAEMON_UNREACHABLE') throw e;
    if (opts.json) ctx.json({ running: false, home: ctx.home });
    else ctx.print(`not running (home ${ctx.home})`);
    return 3;
  }
}

/** Resolves once `pid` has exited (a zombie counts: its parent may be slow to reap), or after `timeoutMs`. */
async function gone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  while (Date.now() < deadline) {
    const stat = readProcStat(pid);
    if (stat === null || stat.state === 'Z') return;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 100);
  }
}
