// The corral command line: parses arguments, runs one command, exits with the SPEC's codes
// (0 done, 1 an operation failed, 2 usage or config error, 3 no daemon reachable).
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { closest } from '../config/problems.js';
import { CorralError, exitCodeFor, isCorralError } from '../errors.js';
import { EXPORT_TARGETS, type ExportTarget } from '../export/types.js';
import { VERSION } from '../version.js';
import type { DaemonStartOptions, DaemonStopOptions } from './commands/daemon.js';
import type { ExportOptions as ExportCommandOptions } from './commands/export.js';
import type { LogsOptions } from './commands/logs.js';
import type { ProfileOptions } from './commands/profile.js';
import type { UpOptions } from './commands/up.js';
import { COMPLETE_COMMAND, SHELLS, type Shell } from './completion-shells.js';
import type { CliContext, Output } from './context.js';
import { addExamples } from './help-examples.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return n;
}

/** `-p PROJECT` of the commands that take service names (see names-here.ts). */
const PROJECT_OPTION = [
  '-p, --project <project>',
  'the project of the names (default: the project of the config file here first, then any)',
] as const;

/** The names as they mean from here: `-p`, else the project of the config file here first. */
async function namesHere(ctx: CliContext, names: string[], project: string | undefined): Promise<string[]> {
  return (await import('./names-here.js')).namesFromHere(ctx, names, project);
}

/** Builds the program; each action stores its exit code in `result.code`. */
export function buildProgram(io: Output, result: { code: number }): Command {
  const program = new Command('corral')
    .description('Keeps long-running programs alive: start, watch, restart, log.')
    .version(VERSION, '-V, --version')
    .option(
      '--home <dir>',
      'daemon home (default: $CORRAL_HOME, else $XDG_STATE_HOME/corral, else ~/.local/state/corral)',
    )
    .option('--no-color', 'no colours (NO_COLOR is respected too)')
    .showHelpAfterError('(run corral --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
    });

  // the context (home, client, daemon start) is loaded when a command runs, not for --help
  const ctxOf = async (cmd: Command): Promise<CliContext> => {
    const { CliContext } = await import('./context.js');
    return new CliContext(cmd.optsWithGlobals(), io);
  };
  const act =
    <A extends unknown[]>(fn: (ctx: CliContext, ...args: A) => Promise<number>) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args[args.length - 1] as Command;
      const ctx = await ctxOf(cmd);
      try {
        result.code = await fn(ctx, ...(args.slice(0, -1) as A));
      } finally {
        await ctx.close();
      }
    };

  program
    .command('up')
    .description('apply a config file to the daemon: create, change and remove services to match it')
    .argument('[service...]', 'only these services (and what they depend on)')
    .option('-f, --file <file>', 'config file (default: corral.yaml or corral.yml, then Procfile)')
    .option(
      '--wait',
      'wait until every service is ready, at most twice the longest ready.timeout plus 5 s (the default on a terminal)',
    )
    .option('--no-wait', 'return once the config is applied')
    .option('--watch', 'apply again when the file changes')
    .option('--json', 'print what was created, changed, removed and left unchanged as JSON')
    .action(
      act(async (ctx, services: string[], opts: UpOptions) =>
        (await import('./commands/up.js')).up(ctx, services, opts),
      ),
    );

  program
    .command('down')
    .description('stop a project in reverse dependency order and remove it')
    .argument('[project]', 'project name (default: the project of the config file here)')
    .option('-f, --file <file>', 'config file whose project to stop')
    .option('--all', 'every project')
    .option('--json', 'print what was stopped and removed as JSON')
    .action(
      act(
        async (ctx, project: string | undefined, opts: { file?: string; all?: boolean; json?: boolean }) => {
          const { assertOneTarget, down } = await import('./commands/down.js');
          assertOneTarget(project, opts);
          return down(ctx, project, opts);
        },
      ),
    );

  program
    .command('run')
    .description('run a project in the foreground without a daemon; Ctrl-C stops it')
    .argument('[service...]', 'only these services (and what they depend on)')
    .option('-f, --file <file>', 'config file (default: corral.yaml or corral.yml, then Procfile)')
    .option('--exit-with <service>', 'exit when this service ends, with its exit code')
    .action(
      act(async (ctx, services: string[], opts: { file?: string; exitWith?: string }) =>
        (await import('./commands/run.js')).run(ctx, services, opts),
      ),
    );

  program
    .command('top')
    .description('a full-screen live view: processes, their logs and events, and keys to act on them')
    .action(act(async (ctx) => (await import('./commands/top.js')).top(ctx)));

  program
    .command('ps')
    .description('list processes: state, pid, uptime, restarts, health, CPU, memory')
    .option('--json', 'print JSON')
    .option('-a, --all', 'include stopped and exited processes')
    .action(
      act(async (ctx, opts: { json?: boolean; all?: boolean }) =>
        (await import('./commands/ps.js')).ps(ctx, opts),
      ),
    );

  for (const action of ['start', 'stop', 'restart'] as const) {
    program
      .command(action)
      .description(
        `${action} services (name, name:N, project/name, or a project); every name is checked before any acts`,
      )
      .argument('[service...]')
      .option('--all', 'every process of every project')
      .option('--json', 'print the resulting status as JSON')
      .option(...PROJECT_OPTION)
      .action(
        act(async (ctx, names: string[], opts: { json?: boolean; all?: boolean; project?: string }) => {
          if (opts.all && opts.project !== undefined)
            throw new CorralError('BAD_REQUEST', `corral ${action} takes -p PROJECT or --all, not both`);
          const here = opts.all ? names : await namesHere(ctx, names, opts.project);
          return (await import('./commands/control.js')).control(ctx, action, here, opts);
        }),
      );
  }

  program
    .command('kill')
    .description("send a signal to a service's process group")
    .argument('<service>')
    .option('-s, --signal <signal>', 'signal name or number', 'SIGTERM')
    .option('--json', 'print the signal and the processes it was sent to as JSON')
    .option(...PROJECT_OPTION)
    .action(
      act(async (ctx, name: string, opts: { signal: string; json?: boolean; project?: string }) => {
        const [here] = await namesHere(ctx, [name], opts.project);
        return (await import('./commands/control.js')).kill(ctx, here, opts);
      }),
    );

  program
    .command('logs')
    .description("show services' output (all services when none is named)")
    .argument('[service...]')
    .option('-f, --follow', 'keep printing new lines')
    .option('-n, --lines <n>', 'how many lines from the end (default 100)', positiveInt)
    .option('--since <when>', 'lines since a duration ago (5m) or a time (ISO 8601)')
    .option('--timestamps', 'show the time of each line')
    .option('--json', 'print JSON: one array; with -f, one object per line')
    .option(...PROJECT_OPTION)
    .action(
      act(async (ctx, names: string[], opts: LogsOptions & { project?: string }) => {
        const here = names.length > 0 || opts.project ? await namesHere(ctx, names, opts.project) : names;
        return (await import('./commands/logs.js')).logs(ctx, here, opts);
      }),
    );

  program
    .command('events')
    .description('what happened to services, in order')
    .option('-f, --follow', 'keep printing new events')
    .option('--since <when>', 'events since a duration ago (5m) or a time (ISO 8601)')
    .option('--json', 'print JSON: one array; with -f, one object per line')
    .action(
      act(async (ctx, opts: { follow?: boolean; since?: string; json?: boolean }) =>
        (await import('./commands/events.js')).events(ctx, opts),
      ),
    );

  program
    .command('check')
    .description('validate a config file; changes nothing')
    .option('-f, --file <file>', 'config file (default: corral.yaml or corral.yml, then Procfile)')
    .option('--json', 'print the normalized definition as JSON')
    .action(
      act(async (ctx, opts: { file?: string; json?: boolean }) =>
        (await import('./commands/check.js')).check(ctx, opts),
      ),
    );

  program
    .command('import')
    .description(
      'write a corral.yaml from a PM2 ecosystem file, supervisord.conf, Compose file, process-compose.yaml or Procfile',
    )
    .argument('<file>', 'the file to import')
    .option('-o, --output <file>', 'where to write (default corral.yaml; - prints it)')
    .option(
      '--from <format>',
      'the format, when not detected: pm2 | supervisord | compose | process-compose | procfile',
    )
    .option('--force', 'replace an existing output file')
    .action(
      act(async (ctx, file: string, opts: { output?: string; from?: string; force?: boolean }) =>
        (await import('./commands/import.js')).importCommand(ctx, file, opts),
      ),
    );

  program
    .command('export')
    .description(
      'write the project for systemd, Kubernetes, Nomad or Compose; what cannot be mapped goes to stderr',
    )
    .addArgument(new Argument('<target>', 'what to write for').choices(EXPORT_TARGETS))
    .option('-f, --file <file>', 'config file (default: corral.yaml or corral.yml, then Procfile)')
    .option('-o, --output <dir>', 'write the files into this directory (default: stdout)')
    .option('--image <name>', 'container image of every service (kubernetes, compose)')
    .option('--strict', 'anything approximated or not mapped is an error (exit 1), and nothing is written')
    .action(
      act(async (ctx, target: ExportTarget, opts: ExportCommandOptions) =>
        (await import('./commands/export.js')).exportCommand(ctx, target, opts),
      ),
    );

  program
    .command('reload')
    .description('apply again the file each project (or PROJECT) was applied from')
    .argument('[project]', 'only this project')
    .action(
      act(async (ctx, project: string | undefined) =>
        (await import('./commands/reload.js')).reload(ctx, project),
      ),
    );

  program
    .command('inspect')
    .description("a service's definition and the status of each of its processes")
    .argument('<service>')
    .option('--json', 'print JSON')
    .option('--show-secrets', 'show environment values whose names look secret (masked as *** otherwise)')
    .option(...PROJECT_OPTION)
    .action(
      act(async (ctx, name: string, opts: { json?: boolean; showSecrets?: boolean; project?: string }) => {
        const [here] = await namesHere(ctx, [name], opts.project);
        return (await import('./commands/inspect.js')).inspect(ctx, here, opts);
      }),
    );

  const daemon = program.command('daemon').description('the background daemon of this home');
  daemon
    .command('start')
    .description('start the daemon (in the background unless --foreground)')
    .option('--foreground', 'run attached (for systemd units and containers)')
    .option('--http <addr>', 'also serve the API on TCP, with a token (HOST:PORT; :9100 is 127.0.0.1:9100)')
    .addOption(new Option('--http-public', 'allow --http outside loopback (reachable from other machines)'))
    .option(
      '--idle-timeout <duration>',
      'exit after this long with no running service and no client (0: never)',
    )
    .action(
      act(async (ctx, opts: DaemonStartOptions) =>
        (await import('./commands/daemon.js')).daemonStart(ctx, opts),
      ),
    );
  daemon
    .command('stop')
    .description('stop the daemon and its services')
    .option('--keep-services', 'leave services running for a later daemon')
    .option('--timeout <duration>', 'how long to wait for the daemon to exit (default 30s)')
    .action(
      act(async (ctx, opts: DaemonStopOptions) =>
        (await import('./commands/daemon.js')).daemonStop(ctx, opts),
      ),
    );
  daemon
    .command('restart')
    .description('replace the daemon with a new one; services keep running and are adopted')
    .option(
      '--idle-timeout <duration>',
      'the new daemon exits after this long with no running service and no client (0: never)',
    )
    .option('--http <addr>', 'serve the API on TCP at this address (default: where the old daemon did)')
    .option('--http-public', 'allow --http outside loopback (reachable from other machines)')
    .action(
      act(async (ctx, opts: { idleTimeout?: string; http?: string; httpPublic?: boolean }) =>
        (await import('./commands/daemon.js')).daemonRestart(ctx, opts),
      ),
    );
  daemon
    .command('status')
    .description('is a daemon running, with which pid and version')
    .option('--json', 'print JSON')
    .action(
      act(async (ctx, opts: { json?: boolean }) =>
        (await import('./commands/daemon.js')).daemonStatus(ctx, opts),
      ),
    );
  daemon
    .command('token')
    .description('print the token of the API on TCP (made when there is none)')
    .option('--rotate', 'replace it: the old token is refused at once')
    .action(
      act(async (ctx, opts: { rotate?: boolean }) =>
        (await import('./commands/daemon.js')).daemonToken(ctx, opts),
      ),
    );

  program
    .command('dashboard')
    .description('log a browser into the web dashboard: prints a one-time URL, and opens it on a desktop')
    .option('--no-open', 'only print the URL')
    .action(
      act(async (ctx, opts: { open?: boolean }) =>
        (await import('./commands/dashboard.js')).dashboard(ctx, opts),
      ),
    );
  daemon
    .command('profile')
    .description('a CPU profile or a heap snapshot of the daemon, for a bug report (unix socket only)')
    .option('--cpu <duration>', 'profile the CPU for this long (e.g. 10s; at most 5m)')
    .option('--heap', 'take a heap snapshot')
    .option(
      '-o, --output <file>',
      'write it here (default: corral-daemon-PID-TIME.cpuprofile or .heapsnapshot)',
    )
    .action(
      act(async (ctx, opts: ProfileOptions) => (await import('./commands/profile.js')).profile(ctx, opts)),
    );

  program
    .command('completion')
    .description('print a script that completes commands, flags and service names in bash, zsh or fish')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action(async (shell: Shell) => {
      result.code = (await import('./commands/completion.js')).completion(io, shell);
    });

  // an unknown command is answered with another only when that one is close (a typo)
  for (const parent of [program, daemon])
    parent.on('command:*', (operands: string[]) => unknownCommand(parent, operands[0]));
  addExamples(program);
  return program;
}

/** Throws commander's unknown-command error, naming a command only when it is a likely typo. */
function unknownCommand(parent: Command, name: string): never {
  const names = parent
    .createHelp()
    .visibleCommands(parent)
    .map((c) => c.name())
    .filter((c) => c[0] === name[0]);
  const near = closest(name, names);
  const hint = near === null ? '' : `\n(Did you mean ${near}?)`;
  return parent.error(`error: unknown command '${name}'${hint}`, { code: 'commander.unknownCommand' });
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(
  argv: string[],
  io: Output = { out: process.stdout, err: process.stderr },
): Promise<number> {
  const result = { code: 0 };
  const program = buildProgram(io, result);
  // what the completion scripts ask (hidden: no help, no daemon, no config file read)
  if (argv[0] === COMPLETE_COMMAND)
    return (await import('./commands/completion.js')).complete(program, argv.slice(1), io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return result.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      )
        return 0;
      return 2;
    }
    if (isCorralError(e) && e.code === 'CONFIG_INVALID' && Array.isArray(e.details)) {
      // one FILE:LINE:COL line per problem, as editors and CI annotations read them
      io.err.write(`${e.message}\n`);
      const n = e.details.length;
      io.err.write(`corral: the configuration has ${n} problem${n === 1 ? '' : 's'}; nothing was changed\n`);
      return 2;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.err.write(`corral: ${message}\n`);
    return exitCodeFor(e);
  }
}
