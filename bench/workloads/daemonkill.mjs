// Workload 7: the daemon is SIGKILLed while `size` services each write a line every 100 ms.
// Counted: services that survive it; once a daemon is back (as its users would bring it back),
// services restarted, duplicated (two live copies), orphaned (alive but not supervised), missing;
// and lines lost or duplicated between what each process wrote and what its log file holds.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sweepMarked } from '../lib/cleanup.mjs';
import { isTicker, tickerArgv } from '../lib/fixtures.mjs';
import { tickerLines } from '../lib/lines.mjs';
import { alive, findProcs } from '../lib/procfs.mjs';
import { sleep, waitFor } from '../lib/wait.mjs';

/** Live ticker processes by service name. */
function liveByName(stateDir) {
  const out = new Map();
  for (const p of findProcs(isTicker(stateDir))) {
    const name = p.argv[2];
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

async function oneRun(ctx, peer, size, runNo) {
  const dir = ctx.tempDir(`kill-${peer.name}-${runNo}`);
  const stateDir = ctx.tempDir(`kill-${peer.name}-${runNo}/tickers`);
  const names = Array.from({ length: size }, (_, i) => `t${i}`);
  const session = peer.open(dir);
  try {
    await session.start(names.map((name) => ({ name, argv: tickerArgv(name, stateDir) })));
    await waitFor(async () => liveByName(stateDir).size === size && Object.values(await session.states()).every((s) => s.running), {
      timeout: 120_000,
      interval: 50,
      what: `${size} tickers running`,
    });
    await session.prepareForRevive?.();
    await sleep(1000);
    const original = new Map([...liveByName(stateDir)].map(([n, pids]) => [n, pids[0]]));
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
    const live = liveByName(stateDir);
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
    Object.assign(r, countLines(session, stateDir, names));
    ctx.log(
      `  kill ${peer.name} run ${runNo}: ${r.survivedKill}/${size} alive after the kill; daemon back: ` +
        `${r.survived} survived, ${r.restarted} restarted, ${r.duplicated} duplicated, ${r.orphaned} orphaned, ` +
        `${r.missing} missing; lines lost ${r.lost}, duplicated ${r.linesDup}`,
    );
    return r;
  } finally {
    await session.close();
  }
}

export async function daemonKillWorkload(ctx, { size, runs, peers }) {
  const keys = ['survivedKill', 'survived', 'restarted', 'duplicated', 'orphaned', 'missing', 'lost', 'linesDup'];
  const v = Object.fromEntries(keys.map((k) => [k, Object.fromEntries(peers.map((p) => [p.name, []]))]));
  for (let runNo = 1; runNo <= runs; runNo++) {
    for (const peer of peers) {
      const r = await oneRun(ctx, peer, size, runNo);
      for (const k of keys) v[k][peer.name].push(r[k]);
    }
  }
  const n = size;
  return [
    { id: 'kill.survivedKill', label: `services alive 2 s after the daemon's SIGKILL (of ${n})`, unit: 'count', values: v.survivedKill },
    { id: 'kill.survived', label: `services still the same process once a daemon is back (of ${n})`, unit: 'count', values: v.survived },
    { id: 'kill.restarted', label: 'services started again (a new process)', unit: 'count', values: v.restarted },
    { id: 'kill.duplicated', label: 'services running twice', unit: 'count', values: v.duplicated },
    { id: 'kill.orphaned', label: 'processes alive but supervised by nobody', unit: 'count', values: v.orphaned },
    { id: 'kill.missing', label: 'services not running at all', unit: 'count', values: v.missing },
    { id: 'kill.lost', label: 'lines lost', unit: 'lines', values: v.lost },
    { id: 'kill.linesDup', label: 'lines duplicated', unit: 'lines', values: v.linesDup },
  ];
}
