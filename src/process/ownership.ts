// Which live processes belong to a corral home: the one scan of /proc that both the FIFO keeper
// (its own earlier keepers) and a starting daemon (its predecessor's services) rely on.
//
// A process of the home is a session leader (corral starts every process of its own with
// setsid), not a zombie, whose environment has CORRAL_HOME set to the home. Processes of other
// users that this one may not read are skipped: they cannot be this home's.
import { readdirSync, readFileSync } from 'node:fs';
import { type ProcStat, parseProcStat } from './procfs.js';

export interface HomeProcess {
  pid: number;
  stat: ProcStat;
  /** the value of a variable of the process's environment (as it was at exec), or undefined */
  env(key: string): string | undefined;
}

// The value of `key` in a NUL-separated environ block, or undefined.
function lookup(environ: string, key: string): string | undefined {
  const prefix = `${key}=`;
  for (const kv of environ.split('\0')) if (kv.startsWith(prefix)) return kv.slice(prefix.length);
  return undefined;
}

/** Live session leaders whose environment carries CORRAL_HOME=`home`, for which `accept` is true. */
export function homeProcesses(home: string, accept: (p: HomeProcess) => boolean = () => true): HomeProcess[] {
  const out: HomeProcess[] = [];
  const marker = `CORRAL_HOME=${home}\0`;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    try {
      const stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
      if (stat === null || stat.session !== pid || stat.state === 'Z') continue;
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (!environ.includes(marker)) continue;
      const p: HomeProcess = { pid, stat, env: (key) => lookup(environ, key) };
      if (accept(p)) out.push(p);
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}
