// The examples that end each command's --help: a few command lines a user types, each with what
// it does. Kept apart from the commands' definitions, by command path.
import type { Command } from 'commander';

/** [command line, what it does], by command path ('' is corral itself). */
const EXAMPLES: Record<string, Array<[string, string]>> = {
  '': [
    ['corral up', 'start the project of ./corral.yaml, wait until it is ready'],
    ['corral ps', 'what runs, with state, restarts, CPU and memory'],
    ['corral logs -f web', "follow service web's output"],
  ],
  up: [
    ['corral up', 'apply ./corral.yaml; run again, only what changed restarts'],
    ['corral up -f api.yaml web', 'only web and what it depends on, from api.yaml'],
    ['corral up --no-wait --watch', 'return at once, then apply each save of the file'],
  ],
  down: [
    ['corral down', 'stop and remove the project of ./corral.yaml'],
    ['corral down shop', 'the same for the loaded project shop'],
    ['corral down --all', 'every project'],
  ],
  run: [
    ['corral run', './corral.yaml in the foreground; Ctrl-C stops it'],
    ['corral run --exit-with test db test', "test and db; exit with test's code"],
  ],
  top: [['corral top', 'the live process table of every project, full screen']],
  ps: [
    ['corral ps', 'the processes that run, wait or restart'],
    ['corral ps -a', 'also the stopped and exited ones'],
    ['corral ps --json', 'one JSON array, one object per process'],
  ],
  start: [
    ['corral start web', 'service web (of the project here first)'],
    ['corral start -p shop web worker:1', "shop's web and worker's instance 1"],
    ['corral start shop', 'every service of project shop'],
  ],
  stop: [
    ['corral stop web', 'service web (of the project here first)'],
    ['corral stop -p shop', 'every service of project shop; it stays loaded'],
    ['corral stop --all', 'every process of every project'],
  ],
  restart: [
    ['corral restart web', 'service web (of the project here first)'],
    ['corral restart shop/web:0', 'one instance of shop/web'],
    ['corral restart --all', 'every process of every project'],
  ],
  kill: [
    ['corral kill web', "SIGTERM to web's process group"],
    ['corral kill -s HUP -p shop nginx', "SIGHUP to shop's nginx (reload its config)"],
  ],
  logs: [
    ['corral logs web', "the last 100 lines of web's output"],
    ['corral logs -f', 'follow every service (from its last 10 lines)'],
    ['corral logs --since 10m --timestamps worker', "worker's lines of the last 10 minutes, stamped"],
  ],
  events: [
    ['corral events --since 1h', 'what happened in the last hour'],
    ['corral events -f --json', 'follow, one JSON object a line'],
  ],
  check: [
    ['corral check', 'validate ./corral.yaml: every problem, FILE:LINE:COL'],
    ['corral check -f api.yaml --json', 'print the definition it reads'],
  ],
  import: [
    ['corral import ecosystem.config.js', 'write corral.yaml from a PM2 file'],
    ['corral import docker-compose.yml -o -', 'print it instead of writing it'],
  ],
  export: [
    ['corral export systemd -o units/', 'one unit per service into units/'],
    ['corral export kubernetes --image shop:1.4', 'manifests on stdout'],
  ],
  reload: [
    ['corral reload', 'apply again the file of every loaded project'],
    ['corral reload shop', 'only the project shop'],
  ],
  inspect: [
    ['corral inspect web', "web's definition and its processes' states"],
    ['corral inspect -p shop web --json', 'the same as JSON'],
  ],
  daemon: [
    ['corral daemon status', 'is one running, with which pid and version'],
    ['corral daemon restart', 'a new daemon; services keep running'],
  ],
  'daemon start': [
    ['corral daemon start', 'in the background (commands start one too)'],
    ['corral daemon start --foreground', 'attached (a systemd unit, a container)'],
    ['corral daemon start --http :9100', 'also the API and dashboard on TCP'],
  ],
  'daemon stop': [
    ['corral daemon stop', 'stop every service, then the daemon'],
    ['corral daemon stop --keep-services', 'leave services running for the next one'],
  ],
  'daemon restart': [['corral daemon restart', 'a new daemon (an upgrade); no service restarts']],
  'daemon status': [
    ['corral daemon status', 'pid, version, uptime; exit 3 when none runs'],
    ['corral daemon status --json', 'the same as JSON'],
  ],
  'daemon token': [
    ['corral daemon token', 'the bearer token of the API on TCP'],
    ['corral daemon token --rotate', 'a new one; the old one is refused at once'],
  ],
  'daemon profile': [
    ['corral daemon profile --cpu 10s', 'a CPU profile of 10 s (for a bug report)'],
    ['corral daemon profile --heap -o heap.heapsnapshot', 'a heap snapshot'],
  ],
  dashboard: [
    ['corral dashboard', "log this desktop's browser into the dashboard"],
    ['corral dashboard --no-open', 'print the one-time URL only'],
  ],
  completion: [
    ['source <(corral completion bash)', 'complete corral in this bash'],
    ['corral completion fish > ~/.config/fish/completions/corral.fish', 'in every fish'],
  ],
};

/** Ends the --help of every command of `program` that has examples with them. */
export function addExamples(program: Command): void {
  const visit = (cmd: Command, path: string[]): void => {
    const lines = EXAMPLES[path.join(' ')];
    if (lines) cmd.addHelpText('after', formatExamples(lines));
    for (const sub of cmd.commands) visit(sub, [...path, sub.name()]);
  };
  visit(program, []);
}

/**
 * "\nExamples:\n  corral up    start …", the explanations in one column; where a line would pass
 * HELP_COLUMNS, each explanation goes under its command instead.
 */
function formatExamples(lines: ReadonlyArray<[string, string]>): string {
  const width = Math.max(...lines.map(([c]) => c.length));
  const fits = lines.every(([, what]) => 2 + width + 2 + what.length <= HELP_COLUMNS);
  const rows = lines.map(([c, what]) => (fits ? `  ${c.padEnd(width)}  ${what}` : `  ${c}\n      ${what}`));
  return `\nExamples:\n${rows.join('\n')}`;
}

/** The width the examples keep within, as commander's own help does on a terminal of 80. */
const HELP_COLUMNS = 80;
