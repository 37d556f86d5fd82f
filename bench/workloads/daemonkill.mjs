// Workload 7: the daemon is SIGKILLed while `size` services run: "writing" ones each write a line
// every 100 ms (ticker.mjs), "quiet" ones write nothing (sleep). Counted: services that survive
// it; once a daemon is back (as its users would bring it back), services restarted, duplicated
// (two live copies), orphaned (alive but not supervised), missing; and, for the writing ones,
// lines lost or duplicated between what each process wrote and what its log file holds.

import { randomInt } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sweepMarked } from '../lib/cleanup.mjs';
import { isTicker, tickerArgv } from '../lib/fixtures.mjs';
import { tickerLines } from '../lib/lines.mjs';
import { alive, findProcs } from '../lib/procfs.mjs';
import { sleep, waitFor } from '../lib/wait.mjs';

/** The fixture of service tN, and the service name of a command line (null: not one of them). */
function family(kind, stateDir, size) {
  if (kind === 'writing') {
    const mine = isTicker(stateDir);
    return { argvOf: (name) => tickerArgv(name, stateDir), nameOf: (argv) => (mine(argv) ? argv[2] : null) };
  }
  const base = randomInt(1_000_000_000, 2_000_000_000);
  return {
    argvOf: (name) => ['/bin/sleep', String(base + Number(name.slice(1)))],
    nameOf: (argv) => {
      const i = Number(argv[1]) - base;
      return argv.length === 2 && argv[0].endsWith('sleep') && i >= 0 && i < size ? `t${i}` : null;
    },
  };
}

/** Live fixture processes by service name. */
function liveByName(fam) {
  const out = new Map();
  for (const p of findProcs((argv) => fam.nameOf(argv) !== null)) {
    const name = fam.nameOf(p.argv);
    if (!out.has(name)) out.set(name, []);
    out.get(name).push(p.pid);
  }
  return out;
}

/** What each ticker process wrote (its state file) against what its log file holds. */
function countLines(session, stateDir, names) {
  const captured = new Map();
  for (const name of names) {
    if (!existsSync(session.logFile(name))) continue;
    for (const [key, seqs] of tickerLines(session.logFile(name))) captured.set(key, seqs);
  }
  let lost = 0;
  let linesDup = 0;
  for (const f of readdirSync(stateDir)) {
    const [name, pid] = f.split('.');
    const wrote = Number(readFileSync(join(stateDir, f), 'utf8')) || 0;
    const seqs = captured.get(`${name} ${pid}`) ?? new Map();
    for (let s = 1; s <= wrote; s++) if (!seqs.has(s)) lost++;
    for (const c of seqs.values()) if (c > 1) linesDup += c - 1;
  }
  return { lost, linesDup };
}

async function oneRun(ctx, peer, kind, size, runNo) {
  const dir = ctx.tempDir(`kill-${kind}-${peer.name}-${runNo}`);
  const stateDir = ctx.tempDir(`kill-${kind}-${peer.name}-${runNo}/tickers`);
  const fam = family(kind, stateDir, size);
  const names = Array.from({ length: size }, (_, i) => `t${i}`);
  const session = peer.open(dir);
  try {
    await session.start(names.map((name) => ({ name, argv: fam.argvOf(name) })));
    await waitFor(
      async () =>
        liveByName(fam).size === size && Object.values(await session.states()).every((s) => s.running),
      {
        timeout: 120_000,
        interval: 50,
        what: `${size} tickers running`,
      },
    );
    await session.prepareForRevive?.();
    await sleep(1000);
    const original = new Map([...liveByName(fam)].map(([n, pids]) => [n, pids[0]]));
    process.kill(session.daemonPid(), 'SIGKILL');
    await sleep(2000);
    const survivedKill = [...original.values()].filter(alive).length;
    await session.revive();
    // a daemon is back: give it time to settle (adopt, restart, or start copies)
    await waitFor(async () => Object.values(await session.states()).filter((s) => s.running).length >= size, {
      timeout: 60_000,
      interval: 100,
      what: 'the services to be running again',
    }).catch(() => {});
    await sleep(2000);
    const states = await session.states();
    const supervised = new Set(Object.values(states).map((s) => s.pid));
    const live = liveByName(fam);
    const r = { survivedKill, survived: 0, restarted: 0, duplicated: 0, orphaned: 0, missing: 0 };
    for (const name of names) {
      const pids = live.get(name) ?? [];
      if (pids.includes(original.get(name))) r.survived++;
      if (pids.some((p) => p !== original.get(name))) r.restarted++;
      if (pids.length > 1) r.duplicated++;
      if (pids.length === 0) r.missing++;
      r.orphaned += pids.filter((p) => !supervised.has(p)).length;
    }
    await session.stop();
    await session.close();
    sweepMarked();
    if (kind === 'writing') Object.assign(r, countLines(session, stateDir, names));
    ctx.log(
      `  kill/${kind} ${peer.name} run ${runNo}: ${r.survivedKill}/${size} alive after the kill; daemon back: ` +
        `${r.survived} survived, ${r.restarted} restarted, ${r.duplicated} duplicated, ${r.orphaned} orphaned, ` +
        `${r.missing} missing` +
        (kind === 'writing' ? `; lines lost ${r.lost}, duplicated ${r.linesDup}` : ''),
    );
    return r;
  } finally {
    await session.close();
  }
}

export async function daemonKillWorkload(ctx, { size, runs, peers, kinds = ['writing', 'quiet'] }) {
  const rows = [];
  for (const kind of kinds) {
    const keys = ['survivedKill', 'survived', 'restarted', 'duplicated', 'orphaned', 'missing'];
    if (kind === 'writing') keys.push('lost', 'linesDup');
    const v = Object.fromEntries(keys.map((k) => [k, Object.fromEntries(peers.map((p) => [p.name, []]))]));
    for (let runNo = 1; runNo <= runs; runNo++) {
      for (const peer of peers) {
        const r = await oneRun(ctx, peer, kind, size, runNo);
        for (const k of keys) v[k][peer.name].push(r[k]);
      }
    }
    const what =
      kind === 'writing' ? `${size} services writing a line every 100 ms` : `${size} quiet services`;
    const labels = {
      survivedKill: `${what}: alive 2 s after the daemon's SIGKILL`,
      survived: `${what}: the same process once a daemon is back`,
      restarted: `${what}: started again (a new process)`,
      duplicated: `${what}: running twice`,
      orphaned: `${what}: processes alive but supervised by nobody`,
      missing: `${what}: not running at all`,
      lost: `${what}: lines lost`,
      linesDup: `${what}: lines duplicated`,
    };
    for (const k of keys) {
      rows.push({
        id: `kill.${kind}.${k}`,
        label: labels[k],
        unit: k === 'lost' || k === 'linesDup' ? 'lines' : 'count',
        values: v[k],
      });
    }
  }
  return rows;
}
