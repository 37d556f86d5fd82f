// The program a background daemon runs: `corral` starts it as `node entry.js daemon start
// --foreground --home HOME [--idle-timeout D] [--http ADDR [--http-public]]`, the same words a
// user would type for a foreground daemon, so `ps` shows what it is. It loads the daemon and
// nothing of the CLI (no argument parser, no command modules): a daemon that starts sooner and
// holds less. Its arguments come from `startDaemon`, never from a user: anything else is a bug.
import { enableCompileCache, flushCompileCache } from '../cli/compile-cache.js';

enableCompileCache();

const PREFIX = ['daemon', 'start', '--foreground'];

export interface EntryArgs {
  home: string;
  idleTimeout?: string;
  http?: string;
  httpPublic: boolean;
}

/** `--home H`, `--idle-timeout D`, `--http ADDR`, `--http-public` after the fixed words; throws on anything else. */
export function parseEntryArgs(argv: string[]): EntryArgs {
  if (PREFIX.some((word, i) => argv[i] !== word)) throw new Error(`expected "${PREFIX.join(' ')}" first`);
  const out: { home?: string; idleTimeout?: string; http?: string; httpPublic: boolean } = {
    httpPublic: false,
  };
  for (let i = PREFIX.length; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--http-public') {
      out.httpPublic = true;
      i -= 1; // a flag without a value
      continue;
    }
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--home') out.home = value;
    else if (flag === '--idle-timeout') out.idleTimeout = value;
    else if (flag === '--http') out.http = value;
    else throw new Error(`unknown argument ${flag}`);
  }
  if (out.home === undefined) throw new Error('--home is required');
  return { ...out, home: out.home };
}

async function main(): Promise<void> {
  const args = parseEntryArgs(process.argv.slice(2));
  const { parseDuration } = await import('../config/units.js');
  const idleTimeoutMs = args.idleTimeout === undefined ? 0 : parseDuration(args.idleTimeout);
  const { runDaemonMain } = await import('./main.js');
  const http = args.http === undefined ? undefined : { address: args.http, public: args.httpPublic };
  await runDaemonMain({ home: args.home, idleTimeoutMs, http });
  flushCompileCache(); // the next daemon starts from it
}

main().catch(async (e: unknown) => {
  // as the CLI says it: `corral: MESSAGE` on the last line of daemon.log, which the command that
  // started this daemon shows (and reads: "already runs" means another daemon won the home)
  const { exitCodeFor, isCorralError } = await import('../errors.js');
  if (!isCorralError(e) && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  process.stderr.write(`corral: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(isCorralError(e) ? exitCodeFor(e) : 1);
});
