#!/usr/bin/env node
// The `corral` executable: turns Node's compile cache on, then loads only what the command needs
// (`--version` needs nothing but the version; each command's module is loaded when it runs).
import { enableCompileCache } from './compile-cache.js';

enableCompileCache();

const { endQuietlyWhenClosed } = await import('./closed-output.js');
endQuietlyWhenClosed(process.stdout, (code) => process.exit(code));

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const { VERSION } = await import('../version.js');
  process.stdout.write(`${VERSION}\n`);
} else {
  const { main } = await import('./main.js');
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`corral: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
