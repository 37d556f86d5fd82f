// Whether this user may use a home at all. A home is its owner's alone (0700, its socket 0600):
// another user cannot reach its daemon, and must not start a second one in it. Said plainly,
// instead of the EACCES a connect or a mkdir would give.
import { statSync } from 'node:fs';
import { CorralError } from '../errors.js';
import { getpwuid } from '../process/native/passwd.js';

/** "uid 65534 (nobody)", or just the uid when it has no name. */
function describeUid(uid: number): string {
  try {
    const entry = getpwuid(uid);
    return entry === null ? `uid ${uid}` : `uid ${uid} (${entry.name})`;
  } catch {
    return `uid ${uid}`;
  }
}

/** What keeps this user from `home`, in words, or null (also when the home does not exist yet). */
export function homeAccessProblem(home: string, euid: number = process.geteuid?.() ?? 0): string | null {
  let owner: number;
  try {
    owner = statSync(home).uid;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    return `Cannot use ${home} as corral's home: ${code ?? (e as Error).message}. Choose another with --home or CORRAL_HOME.`;
  }
  // root may use any home (and does, for a system-wide one)
  if (euid === 0 || owner === euid) return null;
  return (
    `${home} belongs to ${describeUid(owner)}, and this command runs as ${describeUid(euid)}: ` +
    `only the home's owner can reach its daemon (the home is 0700, its socket 0600). ` +
    `Run corral as ${describeUid(owner)}, or use a home of your own (--home, CORRAL_HOME).`
  );
}

/** Throws DAEMON_UNREACHABLE (exit 3) when this user may not use `home`. */
export function assertHomeAccess(home: string): void {
  const problem = homeAccessProblem(home);
  if (problem !== null) throw new CorralError('DAEMON_UNREACHABLE', problem);
}
