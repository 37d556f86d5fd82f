// Workload 5: one service writes `bytes` of 100-byte lines to stdout as fast as it can. Measured:
// from the writer's first byte until its log file holds them all, against the same writer
// writing straight to a file; the daemon's RSS before and at its peak; lines lost or duplicated.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { benchEnv, killGroup } from '../lib/cleanup.mjs';
import { start } from '../lib/exec.mjs';
import { isWriter, parseMarks, writerArgv } from '../lib/fixtures.mjs';
import { checkWriterLines } from '../lib/lines.mjs';
import { findProcs, rssBytes } from '../lib/procfs.mjs';
import { waitFor } from '../lib/wait.mjs';

const MB = 1024 * 1024;
/** what corral puts before each line with `timestamps: true`: `2026-11-30T02:41:11.123Z ` */
const STAMP_BYTES = 25;
const size = (f) => (existsSync(f) ? statSync(f).size : 0);
const marks = (f) => (existsSync(f) ? parseMarks(readFileSync(f, 'latin1')) : []);

/** Starts the writer (found by its mark file), samples `pidOf()`'s RSS, waits for `file` to be full. */
async function timeWrite({ markFile, file, bytes, daemonPid }) {
  const writer = await waitFor(
    () => marks(markFile).some((m) => m.what === 'ready') && findProcs(isWriter(markFile))[0],
    { timeout: 30_000, what: 'the writer to be ready' },
  );
  const before = daemonPid ? rssBytes(daemonPid) : null;
  let peak = before ?? 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, (daemonPid && rssBytes(daemonPid)) ?? 0);
  }, 20);
  try {
    process.kill(writer.pid, 'SIGUSR1');
    await waitFor(() => size(file) >= bytes, {
      timeout: 600_000,
      interval: 5,
      what: `${file} to hold ${bytes} bytes`,
    });
  } finally {
    clearInterval(sampler);
  }
  const doneNs = process.hrtime.bigint();
  const began = marks(markFile).find((m) => m.what === 'start').ns;
  return { ms: Number(doneNs - began) / 1e6, rssBefore: before, rssPeak: peak };
}

export async function logsWorkload(ctx, { bytes, runs, peers }) {
  const expectedBytes = Math.floor(bytes / 100) * 100;
  const v = { time: { direct: [] }, ratio: {}, before: {}, peak: {}, lost: {}, dup: {} };
  for (const p of peers) for (const k of Object.keys(v)) v[k][p.name] = [];
  // corral with a timestamp on every line (no peer here: PM2's --time and supervisord add none alike)
  const stamped = peers.find((p) => p.name === 'corral');
  const ts = { time: { corral: [] }, ratio: { corral: [] }, lost: { corral: [] }, dup: { corral: [] } };
  for (let runNo = 1; runNo <= runs; runNo++) {
    // the floor: the same writer appending straight to a file
    const dDir = ctx.tempDir(`logs-direct-${runNo}`);
    const dMark = join(dDir, 'marks');
    const dOut = join(dDir, 'direct.log');
    const direct = start(process.execPath, writerArgv(bytes, dMark, dOut).slice(1), {
      env: benchEnv(),
      cwd: dDir,
    });
    const d = await timeWrite({ markFile: dMark, file: dOut, bytes: expectedBytes }).finally(() =>
      killGroup(direct.pid),
    );
    v.time.direct.push(d.ms);
    ctx.log(`  logs direct run ${runNo}: ${d.ms.toFixed(0)} ms`);
    for (const peer of peers) {
      const dir = ctx.tempDir(`logs-${peer.name}-${runNo}`);
      const session = peer.open(dir);
      try {
        const markFile = join(dir, 'marks');
        await session.start([{ name: 'writer', argv: writerArgv(bytes, markFile) }], { rotate: false });
        const r = await timeWrite({
          markFile,
          file: session.logFile('writer'),
          bytes: expectedBytes,
          daemonPid: session.daemonPid(),
        });
        const check = checkWriterLines(session.logFile('writer'), expectedBytes / 100);
        v.time[peer.name].push(r.ms);
        v.ratio[peer.name].push(r.ms / d.ms);
        v.before[peer.name].push(r.rssBefore / MB);
        v.peak[peer.name].push(r.rssPeak / MB);
        v.lost[peer.name].push(check.lost);
        v.dup[peer.name].push(check.duplicated + check.malformed);
        ctx.log(
          `  logs ${peer.name} run ${runNo}: ${r.ms.toFixed(0)} ms (${(r.ms / d.ms).toFixed(2)}x direct), ` +
            `rss ${(r.rssBefore / MB).toFixed(1)} -> peak ${(r.rssPeak / MB).toFixed(1)} MB, ` +
            `lost ${check.lost}, duplicated ${check.duplicated}, malformed ${check.malformed}`,
        );
        await session.stop();
      } finally {
        await session.close();
      }
    }
    if (stamped) {
      const dir = ctx.tempDir(`logs-corral-timestamps-${runNo}`);
      const session = stamped.open(dir);
      try {
        const markFile = join(dir, 'marks');
        const lines = expectedBytes / 100;
        await session.start([{ name: 'writer', argv: writerArgv(bytes, markFile) }], {
          rotate: false,
          timestamps: true,
        });
        const r = await timeWrite({
          markFile,
          file: session.logFile('writer'),
          bytes: expectedBytes + lines * STAMP_BYTES,
          daemonPid: session.daemonPid(),
        });
        const check = checkWriterLines(session.logFile('writer'), lines, STAMP_BYTES);
        ts.time.corral.push(r.ms);
        ts.ratio.corral.push(r.ms / d.ms);
        ts.lost.corral.push(check.lost);
        ts.dup.corral.push(check.duplicated + check.malformed);
        ctx.log(
          `  logs corral with timestamps run ${runNo}: ${r.ms.toFixed(0)} ms (${(r.ms / d.ms).toFixed(2)}x direct), ` +
            `lost ${check.lost}, duplicated ${check.duplicated}, malformed ${check.malformed}`,
        );
        await session.stop();
      } finally {
        await session.close();
      }
    }
  }
  const mb = Math.round(bytes / 1e6);
  return [
    {
      id: 'logs.time',
      label: `${mb} MB of lines on stdout: until the log file holds them all`,
      unit: 'ms',
      values: v.time,
    },
    {
      id: 'logs.ratio',
      label: 'same, as a multiple of writing straight to a file',
      unit: 'x',
      values: v.ratio,
    },
    { id: 'logs.rssBefore', label: 'daemon RSS before the writer starts', unit: 'MB', values: v.before },
    { id: 'logs.rssPeak', label: 'daemon RSS peak while it writes', unit: 'MB', values: v.peak },
    { id: 'logs.lost', label: 'lines lost', unit: 'lines', values: v.lost },
    { id: 'logs.dup', label: 'lines duplicated or garbled', unit: 'lines', values: v.dup },
    ...(stamped
      ? [
          {
            id: 'logs.tsTime',
            label: 'corral with `timestamps: true`: until the log file holds them all',
            unit: 'ms',
            values: ts.time,
          },
          {
            id: 'logs.tsRatio',
            label: 'same, as a multiple of writing straight to a file',
            unit: 'x',
            values: ts.ratio,
          },
          { id: 'logs.tsLost', label: 'lines lost (timestamps)', unit: 'lines', values: ts.lost },
          {
            id: 'logs.tsDup',
            label: 'lines duplicated or garbled (timestamps)',
            unit: 'lines',
            values: ts.dup,
          },
        ]
      : []),
  ];
}
