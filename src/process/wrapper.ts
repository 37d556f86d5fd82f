// What must happen in the child between fork and exec, which Node cannot do itself, done by
// a short /bin/sh prelude that ends in `exec "$@"`: the program then replaces the shell and
// keeps its pid, so nothing of the wrapper remains once the program runs.

export interface Prelude {
  /** written to /proc/self/oom_score_adj before the program runs */
  oomScoreAdj?: number | null;
  /** LISTEN_PID must be the program's own pid, known only in the child: $$ of the shell that execs it */
  listenPid?: boolean;
}

/** argv unchanged when nothing is needed, else argv behind a /bin/sh prelude. */
export function wrapArgv(argv: string[], prelude: Prelude): string[] {
  const steps: string[] = [];
  if (prelude.oomScoreAdj !== undefined && prelude.oomScoreAdj !== null) {
    const n = Math.trunc(prelude.oomScoreAdj);
    // lowering it needs CAP_SYS_RESOURCE: say so in the service's log and run anyway
    steps.push(
      `echo ${n} > /proc/self/oom_score_adj 2>/dev/null || echo "corral: could not set oom_score_adj to ${n} (lowering it needs CAP_SYS_RESOURCE)" >&2`,
    );
  }
  if (prelude.listenPid) steps.push('LISTEN_PID=$$; export LISTEN_PID');
  if (steps.length === 0) return argv;
  return ['/bin/sh', '-c', `${steps.join('; ')}; exec "$@"`, 'corral', ...argv];
}
