// SPEC §8's targets, each judged on the rows that measure it. A figure is the median of the
// runs, except for the daemon-kill counts, judged on the worst run.

const med = (row, who) => row?.summary[who]?.median;
const worst = (row, who, higherIsBetter = false) => row?.summary[who]?.[higherIsBetter ? 'min' : 'max'];
const ms = (v) => `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms`;

const under = (id, limit, unit, spec) => ({
  rows: [id],
  spec,
  short: `< ${unit === 'ms' && limit >= 1000 ? `${limit / 1000} s` : unit === 'x' ? `${limit}x` : `${limit} ${unit}`}`,
  figure: ([r]) => med(r, 'corral'),
  show: (v) => (unit === 'ms' ? ms(v) : unit === 'x' ? `${v.toFixed(2)}x` : `${v.toFixed(1)} ${unit}`),
  met: (v) => v < limit,
});

const restartNearFloor = (kind) => ({
  rows: [`restart.${kind}.p50`],
  spec: `crash-restart p50 within 0.5 ms of the no-supervisor floor (${kind === 'light' ? 'light' : 'Node'} fixture)`,
  short: '<= floor + 0.5 ms',
  figure: ([r]) => med(r, 'corral') - med(r, 'floor'),
  show: (v) => `${v.toFixed(2)} ms over the floor`,
  met: (v) => v <= 0.5,
});

// p99: below PM2's (when PM2 ran) and within 3 ms of the floor's
const restartTail = (kind) => ({
  rows: [`restart.${kind}.p99`],
  spec: `crash-restart p99 below PM2's and within 3 ms of the floor's p99 (${kind === 'light' ? 'light' : 'Node'} fixture)`,
  short: '< PM2, <= floor + 3 ms',
  figure: ([r]) => med(r, 'corral') - med(r, 'floor'),
  show: (v) => `${v.toFixed(2)} ms over the floor`,
  met: (v, [r]) => v <= 3 && (med(r, 'pm2') === undefined || med(r, 'corral') < med(r, 'pm2')),
});

const noneOf = (id, spec) => ({
  rows: [id],
  spec,
  short: '0',
  figure: ([r]) => worst(r, 'corral'),
  show: (v) => String(v),
  met: (v) => v === 0,
});

export const TARGETS = [
  restartNearFloor('light'),
  restartTail('light'),
  restartNearFloor('node'),
  restartTail('node'),
  under('hundred.cpu', 5, 'ms/min', 'idle daemon with 100 services: under 5 ms of CPU a minute'),
  under('hundred.start', 400, 'ms', '100 services started and running from a cold daemon: under 400 ms'),
  under('hundred.stop', 200, 'ms', '100 services stopped: under 200 ms'),
  under('hundred.status', 60, 'ms', '`corral ps` with 100 services: under 60 ms'),
  under('thousand.status', 150, 'ms', '`corral ps` with 1,000 services: under 150 ms'),
  under('hundred.rss', 50, 'MB', "all of corral's own processes with 100 services: under 50 MB resident"),
  under('thousand.rss', 90, 'MB', "all of corral's own processes with 1,000 services: under 90 MB resident"),
  {
    rows: ['logs.rssBefore', 'logs.rssPeak'],
    spec: 'memory flat while a service writes 200 MB of logs (peak within 5 MB of before)',
    short: 'flat (+5 MB)',
    figure: ([a, b]) => med(b, 'corral') - med(a, 'corral'),
    show: (v) => `+${v.toFixed(1)} MB`,
    met: (v) => v <= 5,
  },
  under('logs.ratio', 1.2, 'x', 'a log reaches its file within 1.2x the time of writing straight to a file'),
  under(
    'logs.tsRatio',
    1.2,
    'x',
    'the same with timestamps on every line: within 1.2x the time of writing straight to a file',
  ),
  under('thousand.start', 2000, 'ms', '1,000 services started: under 2 s'),
  under('thousand.stop', 1000, 'ms', '1,000 services stopped: under 1 s'),
  under(
    'restartDaemon.answer',
    300,
    'ms',
    '`corral daemon restart` with 100 services: the new daemon answers within 300 ms',
  ),
  noneOf('restartDaemon.restarted', '`corral daemon restart` with 100 services: no service restarts'),
  {
    rows: ['kill.writing.survivedKill', 'kill.quiet.survivedKill'],
    spec: 'daemon SIGKILLed: every service survives',
    short: 'all',
    figure: (rows) => Math.min(...rows.map((r) => worst(r, 'corral', true))),
    show: (v) => `${v} of 100`,
    met: (v) => v === 100,
  },
  noneOf('kill.writing.duplicated', 'daemon SIGKILLed: no service duplicated (writing services)'),
  noneOf('kill.quiet.duplicated', 'daemon SIGKILLed: no service duplicated (quiet services)'),
  noneOf('kill.writing.orphaned', 'daemon SIGKILLed: no process orphaned (writing services)'),
  noneOf('kill.quiet.orphaned', 'daemon SIGKILLed: no process orphaned (quiet services)'),
  noneOf('kill.writing.lost', 'daemon SIGKILLed: no line lost'),
];

/** [{ spec, figure, met }] for every target whose rows were measured with corral. */
export function judge(rowsById) {
  const out = [];
  for (const t of TARGETS) {
    const rows = t.rows.map((id) => rowsById.get(id));
    if (rows.some((r) => r?.summary.corral === undefined)) continue;
    const v = t.figure(rows);
    if (v === undefined || Number.isNaN(v)) continue;
    out.push({
      spec: t.spec,
      short: t.short,
      rows: t.rows,
      value: v,
      figure: t.show(v),
      met: t.met(v, rows),
    });
  }
  return out;
}
