// POSIX shell quoting, for probes and preludes the targets run through /bin/sh -c.

/** One word, quoted so that sh reads it back unchanged. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one sh command line. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** The sh command that succeeds when a probe passes (http through curl, tcp through bash's /dev/tcp). */
export function probeCommand(
  check:
    | { kind: 'http'; url: string; status?: number }
    | { kind: 'tcp'; host: string; port: number }
    | { kind: 'exec'; command: string[] },
): string {
  if (check.kind === 'http') {
    if (check.status === undefined) return `curl -fsS -o /dev/null ${shellQuote(check.url)}`;
    return `test "$(curl -sS -o /dev/null -w '%{http_code}' ${shellQuote(check.url)})" = ${check.status}`;
  }
  if (check.kind === 'tcp') return `bash -c ${shellQuote(`exec 3<>/dev/tcp/${check.host}/${check.port}`)}`;
  return shellJoin(check.command);
}
