#!/usr/bin/env node
// The `corral` executable.
import { endQuietlyWhenClosed } from './closed-output.js';
import { main } from './main.js';

endQuietlyWhenClosed(process.stdout, (code) => process.exit(code));

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`corral: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
