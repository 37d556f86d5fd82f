// Procfiles (foreman, honcho, Heroku) to a corral config: each `name: command` a service run by
// /bin/sh -c, `.env` beside it as env_file, and PORT as foreman assigns it for commands that use it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseProcfile } from '../config/procfile.js';
import { ImportError } from './errors.js';
import { type ConfigDoc, Findings, type Imported } from './findings.js';
import { literal } from './values.js';

/** Maps a Procfile's text (found in `dir`) to a corral config. */
export function importProcfile(text: string, file: string, dir: string): Imported {
  const parsed = parseProcfile(text, file);
  if (parsed.problems.length > 0) {
    const p = parsed.problems[0];
    throw new ImportError(`${p.file}:${p.line}:${p.col}: ${p.message}`);
  }
  const findings = new Findings();
  const config: ConfigDoc = { services: {} };
  if (existsSync(join(dir, '.env'))) {
    config.env_file = join(dir, '.env');
    findings.for(null).exact('.env', 'env_file', 'read before each service starts, as foreman and honcho do');
  }
  parsed.order.forEach((name, i) => {
    const command = parsed.data.services[name].command;
    // foreman runs every process in the Procfile's directory
    const svc: Record<string, unknown> = { command: literal(command), cwd: dir };
    const f = findings.for(name);
    f.exact('command', 'command', 'run by /bin/sh -c');
    if (/\$\{?PORT\b/.test(command)) {
      svc.env = { PORT: String(5000 + 100 * i) };
      f.approx(
        '(foreman PORT)',
        'env.PORT',
        `foreman gives the ${ordinal(i + 1)} process type PORT ${5000 + 100 * i}; corral sets it once, for every instance`,
      );
    }
    config.services[name] = svc;
  });
  return { config, findings: findings.list };
}

function ordinal(n: number): string {
  return `${n}${n === 1 ? 'st' : n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`;
}
