// How much each mode measures. `full` is `npm run bench`; `quick` must finish in under 10
// minutes on a 2-core machine; `smoke` is the CI check that the harness starts and cleans up.

export const MODES = {
  full: {
    name: 'full',
    peers: ['corral', 'pm2', 'supervisord'],
    workloads: ['restart', 'hundred', 'logs', 'thousand', 'kill', 'restartDaemon'],
    runs: 5,
    restarts: 100,
    restartFixtures: ['light', 'node'],
    restartRunsOf: { supervisord: 1 },
    hundred: { size: 100, runs: 3, statusCalls: 20, idleWindowS: 60, idleSettleS: 30 },
    logs: { bytes: 200_000_000, runs: 3 },
    thousand: { size: 1000, runs: 3, statusCalls: 5, idleWindowS: 0 },
    kill: { size: 100, runs: 3 },
    restartDaemon: { size: 100, runs: 3 },
  },
  quick: {
    name: 'quick',
    peers: ['corral', 'pm2', 'supervisord'],
    workloads: ['restart', 'hundred', 'logs', 'thousand', 'kill', 'restartDaemon'],
    runs: 3,
    restarts: 50,
    restartFixtures: ['light', 'node'],
    // supervisord restarts on its main-loop tick (1-2 s) whatever the fixture: one run, light only
    restartRunsOf: { supervisord: 1 },
    restartFixturesOf: { supervisord: ['light'] },
    // the idle window starts 30 s after the last start, as SPEC §8 has it (not on V8's clean-up
    // after the start and the status calls)
    hundred: { size: 100, runs: 2, statusCalls: 20, idleWindowS: 10, idleSettleS: 30 },
    logs: { bytes: 200_000_000, runs: 2 },
    thousand: { size: 1000, runs: 1, statusCalls: 3, idleWindowS: 0 },
    kill: { size: 100, runs: 1 },
    restartDaemon: { size: 100, runs: 1 },
  },
  smoke: {
    name: 'smoke',
    peers: ['corral'],
    workloads: ['hundred'],
    hundred: { size: 5, runs: 1, statusCalls: 3, idleWindowS: 2 },
  },
};

/** The mode and options from the command line. */
export function parseArgs(argv) {
  const flag = (name) => argv.includes(`--${name}`);
  const value = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const unknown = argv.filter(
    (a) => !/^--(quick|smoke|full|no-install|no-docs|keep|help|(only|peers|out|tag|report)=.+)$/.test(a),
  );
  const mode = { ...MODES[flag('smoke') ? 'smoke' : flag('quick') ? 'quick' : 'full'] };
  if (value('only')) mode.workloads = value('only').split(',');
  if (value('peers')) mode.peers = value('peers').split(',');
  return {
    mode,
    help: flag('help'),
    unknown,
    install: !flag('no-install') && mode.name !== 'smoke',
    docs: !flag('no-docs') && mode.name !== 'smoke',
    keep: flag('keep'),
    out: value('out'),
    report: value('report'),
  };
}

export const USAGE = `Usage: node bench/run.mjs [--quick | --smoke] [options]

Compares corral with PM2 and supervisord on the same machine, in the same run; prints the
table and writes docs/benchmarks.md, docs/benchmarks.json and bench/results/*.json.

  --quick          fewer runs and a 10 s idle window: under 10 minutes on 2 cores
  --smoke          corral only, 5 services, one workload; installs nothing, writes no docs
  --only=A,B       only these workloads (restart, hundred, logs, thousand, kill, restartDaemon)
  --peers=A,B      only these supervisors (corral, pm2, supervisord)
  --no-install     use what is installed; skip a peer that is not
  --no-docs        do not write docs/benchmarks.md and docs/benchmarks.json
  --out=DIR        where the raw JSON goes (default bench/results)
  --keep           keep the temporary homes and logs
  --tag=TAG        the marker put in the environment of every process the run starts
  --report=FILE    measure nothing: rewrite docs/benchmarks.md from a results JSON (after
                   editing bench/doc/*.md, say)

BENCH_CORRAL_CLI=/path/to/dist/src/cli/bin.js measures another build of corral.`;
