// Every default of corral, in one place. Units are in the names.

export const DEFAULTS = {
  restart: 'always',
  successCodes: [0],
  backoff: {
    /** restarts that happen at once before the delay starts to grow */
    free: 3,
    initialMs: 2_000,
    factor: 2,
    maxMs: 60_000,
    /** a run at least this long resets the restart count */
    resetAfterMs: 10_000,
  },
  /** 0: never give up */
  maxRestarts: 0,
  stop: { signal: 'SIGTERM', timeoutMs: 5_000 },
  ready: { timeoutMs: 15_000, intervalMs: 200 },
  health: { intervalMs: 10_000, timeoutMs: 3_000, failures: 3 },
  logs: { timestamps: false, maxSizeBytes: 10 * 1024 * 1024, keep: 5 },
  instances: 1,
  autostart: true,
  /** how long `up --wait` waits for every service to be ready, beyond their own ready timeouts */
  upWaitSlackMs: 5_000,
  /** lines `logs` prints when -n is not given */
  logsTailLines: 100,
  /** lines `logs -f` (and the logs API with follow) shows before following */
  logsFollowTailLines: 10,
  /** bytes asked of the kernel for each log FIFO's pipe buffer */
  logPipeBytes: 1024 * 1024,
  /** how long the CLI waits for a daemon it started to answer */
  daemonStartTimeoutMs: 10_000,
  /** how long `daemon stop` (and `daemon restart`) waits for the daemon to exit; --timeout changes it */
  daemonStopTimeoutMs: 30_000,
  /** idle timeout of the daemon; 0 means never */
  idleTimeoutMs: 0,
  /** tunables that are not part of the config: how corral itself paces its work */
  internal: {
    /** how long `corral import` lets a PM2 ecosystem file (code) run to produce its config */
    importEvalTimeoutMs: 10_000,
    /** service names an unknown-name error lists from projects besides the one in scope (then counts) */
    knownNamesListed: 20,
    /** how long shell completion waits for a running daemon's names before it completes without them */
    completionTimeoutMs: 300,
    /** Node's compile cache of corral's modules: $NODE_COMPILE_CACHE, else this under $XDG_CACHE_HOME or ~/.cache */
    compileCacheDir: 'corral/node-compile-cache',
    /** the web dashboard's pacing, sent to the page as /settings.json */
    dashboard: {
      /** lines of a process's log the page asks for when it opens its logs */
      logTailLines: 200,
      /** lines of one process's log the page keeps (older ones are dropped) */
      logKeptLines: 5_000,
      /** processes whose log streams stay open after the page switches away from them */
      logStreamsKept: 4,
      /** how far back a row's CPU and memory sparklines reach */
      sparklineMs: 5 * 60_000,
      /** events the timeline keeps */
      eventsKept: 1_000,
      /** how far back the page reads the event journal when it opens */
      eventsSince: '1h',
      /** requests the page has in flight at once when it re-reads the processes events name */
      refreshConcurrency: 4,
    },
    /** a stop waits this long for the exit after SIGKILL, then reports the process as not stoppable */
    stopExitWaitMs: 5_000,
    /** a process that exits this soon after an http/tcp ready check passed is said to be suspect */
    readyThenExitSuspectMs: 1_000,
    /** how long the check that nothing else answers on a ready target may take before a first start */
    readyPreflightTimeoutMs: 500,
    /**
     * orphans are reaped this long after a SIGCHLD (one look for every SIGCHLD in the window): a
     * zombie for a few ms harms nothing, and the look then never delays a service's restart
     */
    reapDelayMs: 5,
    /** every how often the trees of services with max_memory are measured */
    memorySampleMs: 1_000,
    /** `up --watch` applies the file once saves have been quiet this long (one apply per burst) */
    watchSettleMs: 150,
    /** `stop`, `restart` and `down` say which process they wait for once its stop has taken this long */
    stopProgressAfterMs: 1_000,
    /** `watch:` restarts a service once its files have been quiet this long (one restart per burst of saves) */
    watchQuietMs: 150,
    /** or, in a burst that goes on (a build writing for seconds), this long after its first change */
    watchMaxWaitMs: 2_000,
    /** `check` (and every load) looks through at most this many directories for a file a `watch:` glob matches */
    watchCheckMaxDirs: 5_000,
    /** how long a stop waits for the group to be gone after SIGKILL (a process in disk wait can outlive it) */
    killWaitMs: 1_000,
    /** first delay before a stalled log channel is tried again; it doubles up to logMaxRetryMs */
    logRetryMs: 1_000,
    logMaxRetryMs: 30_000,
    /** bytes one log channel may move per wake before the others get their turn */
    logPumpBudgetBytes: 4 * 1024 * 1024,
    /** events.jsonl is rotated (to events.jsonl.1) past this size */
    journalMaxBytes: 10 * 1024 * 1024,
    /** lines of events.jsonl and daemon.log a failing write (a full disk) keeps for later, in bytes */
    journalBacklogBytes: 1024 * 1024,
    daemonLogBacklogBytes: 1024 * 1024,
    /** the largest request body the API reads; a larger one is a 413 */
    apiBodyLimitBytes: 1024 * 1024,
    /** `logs -f` and `events -f` connect again this long after the daemon went away, doubling up to followMaxRetryMs */
    followRetryMs: 100,
    followMaxRetryMs: 2_000,
    /** a follower whose daemon died starts one itself only once it has been gone this long (ms) */
    followStartAfterMs: 1_000,
    /** how long an idle API connection is kept open for the client's next request */
    apiKeepAliveMs: 72_000,
    /** open files the daemon keeps free (for the API, /proc reads, spawns): a new log channel that would use them is refused */
    fdReserve: 16,
    /** how long telling systemd (NOTIFY_SOCKET) may block when its socket is full */
    sdNotifySendTimeoutMs: 1_000,
    /**
     * the FIFO keeper is replaced to hold a new service's pidfd at most this often (a keeper is a
     * fork of the daemon: a crash loop must not make one per restart)
     */
    keeperPidfdRefreshMs: 50,
    /**
     * the daemon holds a pidfd per service it starts (for the keeper) only while less than this
     * share of its open-file limit is in use: log FIFOs and sockets come first
     */
    heldPidfdsFdCeiling: 0.5,
    /** a login link of `corral dashboard` works once, within this long */
    loginLinkTtlMs: 120_000,
    /** login links not used yet that the daemon keeps; past this, the oldest is dropped */
    loginLinksMax: 100,
    /** how long a browser's session (the cookie a login link gives) lasts */
    sessionTtlMs: 7 * 24 * 3_600_000,
    /** on a listener outside loopback only: how long a client may take to send its request's headers */
    httpPublicHeadersTimeoutMs: 30_000,
    /** the usage stream (GET /v1/usage?follow=1) samples CPU and memory this often while a client follows it */
    usageIntervalMs: 2_000,
    /** a sample this recent answers `ps`, the API and /metrics again (while nobody follows the usage stream) */
    usageReuseMs: 500,
    /** CPU% is the average over the samples of about this recent window (else since the last look) */
    cpuWindowMs: 5_000,
    /** the longest CPU profile `daemon profile --cpu` may ask for */
    profileCpuMaxMs: 300_000,
    /** `corral top`'s pacing and what it keeps */
    top: {
      /** at most one frame this often when only data changed (a key draws at once) */
      frameMs: 200,
      /** the clock of the screen (uptimes, notices) */
      tickMs: 1_000,
      /** lines of a process's log its stream starts with */
      logTailLines: 200,
      /** lines of one process's log kept (older ones are dropped) */
      logKeptLines: 5_000,
      /** log streams kept open besides the shown one, so moving back costs no new read */
      logStreamsKept: 4,
      /** events the feed keeps */
      eventsKept: 500,
      /** how far back the feed reads the journal when top opens */
      eventsSince: '15m',
      /** reads in flight at once when events name processes to read again */
      refreshConcurrency: 4,
      /** more processes to read again than this read the whole list once instead */
      refreshWholeListOver: 8,
      /** ms to gather the processes a burst of events names before reading them */
      refreshBatchMs: 50,
      /** how long a notice (an action's answer or error) stays on the last row */
      noticeMs: 5_000,
      /** the smallest terminal top draws on */
      minCols: 60,
      minRows: 15,
    },
  },
} as const;

export const STATE_FILE_VERSION = 1;
