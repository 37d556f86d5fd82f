// corral top: the full-screen view of the processes (src/tui, loaded by this command alone).
// It needs a terminal on stdin and stdout of at least the size it draws on: anything else is a
// usage error (exit 2) said before the screen is touched. The pager it opens lives here, with
// the CLI's other child processes.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS } from '../../defaults.js';
import type { CliContext } from '../context.js';

/** Runs `top` until q; returns the exit code. */
export async function top(ctx: CliContext): Promise<number> {
  const input = process.stdin;
  const output = process.stdout;
  const notTerminal = !output.isTTY ? 'stdout' : !input.isTTY ? 'stdin' : null;
  if (notTerminal !== null) {
    ctx.note(
      `corral top needs a terminal, and its ${notTerminal} is not one. To read the processes from a script or a pipe: corral ps (or corral ps --json)`,
    );
    return 2;
  }
  const settings = DEFAULTS.internal.top;
  const { columns: cols, rows } = output;
  if (cols < settings.minCols || rows < settings.minRows) {
    ctx.note(
      `corral top needs a terminal of at least ${settings.minCols}x${settings.minRows}, and this one is ${cols}x${rows}. Enlarge it, or use corral ps`,
    );
    return 2;
  }
  const client = await ctx.daemon();
  const [{ TopApp }, { Terminal }] = await Promise.all([
    import('../../tui/app.js'),
    import('../../tui/terminal.js'),
  ]);
  const terminal = new Terminal({ input, output });
  const app = new TopApp({ client, terminal, colour: ctx.color, settings, openPager });
  return app.run();
}

/** Shows `lines` in $PAGER (less when unset), from a file removed once the pager is closed. */
async function openPager(lines: readonly string[], title: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'corral-top-'));
  const file = join(dir, `${title.replace(/[^\w.:-]+/g, '_')}.log`);
  writeFileSync(file, lines.length === 0 ? '' : `${lines.join('\n')}\n`, { mode: 0o600 });
  const pager = process.env.PAGER?.trim() || 'less';
  try {
    await new Promise<void>((resolve, reject) => {
      // $PAGER may hold arguments (less -S): the shell splits it, the file is passed as $1
      const child = spawn('/bin/sh', ['-c', `${pager} "$1"`, 'sh', file], { stdio: 'inherit' });
      child.once('error', reject);
      child.once('exit', () => resolve());
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
