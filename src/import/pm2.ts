// PM2 ecosystem files (apps: [...]) to a corral config: PM2's own defaults where they differ from
// corral's (SIGINT, 1600 ms), and a finding for every key of every app.
import { availableParallelism } from 'node:os';
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { type ConfigDoc, type FindingRecorder, Findings, type Imported } from './findings.js';
import { formatDuration, formatSize, literal, parseLooseSize, serviceName, shellWords } from './values.js';

type App = Record<string, unknown>;

// PM2's interpreters by extension (its interpreter.json); anything else runs as node.
const INTERPRETERS: Record<string, string> = {
  '.js': 'node',
  '.cjs': 'node',
  '.mjs': 'node',
  '.sh': 'bash',
  '.py': 'python',
  '.rb': 'ruby',
  '.php': 'php',
  '.pl': 'perl',
  '.coffee': 'coffee',
  '.ls': 'lsc',
  '.ts': 'bun',
  '.tsx': 'bun',
};

// Keys of PM2's own runtime and of Keymetrics, with no meaning for corral.
const PM2_ONLY = new Set([
  'windowsHide',
  'source_map_support',
  'disable_source_map_support',
  'vizion',
  'pmx',
  'automation',
  'trace',
  'disable_trace',
  'v8',
  'event_loop_inspector',
  'deep_monitoring',
  'io',
  'post_update',
  'force',
  'append_env_to_name',
  'execute_command',
  'write',
  'install_url',
  'name_prefix',
  'username',
  'kill_retry_time',
  'pid_file',
  'pid',
  'instance_var',
  'increment_var',
  'filter_env',
  'namespace',
  'vizion_running',
  'combine_logs',
  'merge_logs',
  'log_type',
  'disable_logs',
]);
const LOG_FILES = [
  'out_file',
  'out',
  'output',
  'out_log',
  'error_file',
  'error',
  'err',
  'err_file',
  'err_log',
  'log_file',
  'log',
];

/** The apps of an ecosystem export: `apps`, legacy `pm2`, a bare array or a single app. */
export function appsOf(exported: unknown): App[] {
  const root = exported as Record<string, unknown> | null;
  const list = Array.isArray(root) ? root : (root?.apps ?? root?.pm2 ?? (root?.script ? [root] : null));
  if (!Array.isArray(list)) return [];
  return list.filter((a): a is App => a !== null && typeof a === 'object' && !Array.isArray(a));
}

/** Maps an evaluated ecosystem file (found in `dir`) to a corral config. */
export function importPm2(exported: unknown, dir: string): Imported {
  const findings = new Findings();
  const config: ConfigDoc = { services: {} };
  const top = findings.for(null);
  if (exported !== null && typeof exported === 'object' && !Array.isArray(exported)) {
    for (const key of Object.keys(exported)) {
      if (key === 'deploy')
        top.drop('deploy', "PM2's deploy system (git pull and post-deploy hooks) has no corral counterpart");
      else if (key !== 'apps' && key !== 'pm2' && !('script' in exported))
        top.drop(key, 'not a key PM2 reads for apps');
    }
  }
  for (const [i, app] of appsOf(exported).entries()) {
    const script = String(app.script ?? app.exec ?? '');
    let name = serviceName(String(app.name ?? basename(script, extname(script))));
    while (name in config.services) name = `${name}-${i}`;
    config.services[name] = mapApp(app, dir, findings.for(name));
  }
  return { config, findings: findings.list };
}

/** One app to one service. */
function mapApp(app: App, dir: string, f: FindingRecorder): Record<string, unknown> {
  const svc: Record<string, unknown> = {};
  const seen = new Set<string>(['name']);
  const take = (...keys: string[]): unknown => {
    for (const k of keys) seen.add(k);
    for (const k of keys) if (app[k] !== undefined) return app[k];
    return undefined;
  };
  if (app.name !== undefined) f.exact('name', '(service name)');

  // command: interpreter, its arguments, the script, its arguments
  const script = String(take('script', 'exec') ?? '');
  const interpreterKey = take('interpreter', 'exec_interpreter');
  const nodeArgs = take('node_args', 'interpreter_args', 'interpreterArgs');
  const args = take('args');
  const cwdValue = take('cwd');
  const cwd = typeof cwdValue === 'string' ? resolve(dir, cwdValue) : dir;
  const ext = extname(script).toLowerCase();
  let interpreter: string | null;
  if (typeof interpreterKey === 'string') interpreter = interpreterKey === 'none' ? null : interpreterKey;
  else if (INTERPRETERS[ext]) interpreter = INTERPRETERS[ext];
  else interpreter = ext === '' && !script.includes('/') ? null : 'node';
  const words = (v: unknown): string[] =>
    Array.isArray(v) ? v.map(String) : typeof v === 'string' ? shellWords(v) : [];
  const command = [
    ...(interpreter === null ? [] : [interpreter, ...words(nodeArgs)]),
    script,
    ...words(args),
  ];
  svc.command = command.map(literal);
  const parts = [
    'script',
    interpreterKey !== undefined && 'interpreter',
    nodeArgs !== undefined && 'node_args',
    args !== undefined && 'args',
  ]
    .filter(Boolean)
    .join(', ');
  if (typeof interpreterKey === 'string' && interpreterKey.startsWith('node@'))
    f.approx(
      parts,
      'command',
      `PM2 picks ${interpreterKey} through nvm; corral runs "${interpreterKey}" from PATH: write the node binary's path`,
    );
  else if (interpreterKey === undefined && interpreter === null)
    f.approx(
      parts,
      'command',
      'run directly, as a program found on PATH: PM2 does so for a script without an extension that is a binary on PATH, else runs it with node',
    );
  else
    f.exact(
      parts,
      'command',
      interpreterKey === undefined ? `interpreter ${interpreter} chosen by the extension, as PM2 does` : '',
    );

  // PM2 runs an app without cwd in the directory pm2 was started in: the file's, here
  svc.cwd = cwd;
  if (typeof cwdValue === 'string') {
    if (isAbsolute(cwdValue)) f.exact('cwd', 'cwd');
    else
      f.approx(
        'cwd',
        'cwd',
        "PM2 resolves a relative cwd against the directory pm2 runs in; here it is the ecosystem file's",
      );
  }

  // environment
  const env: Record<string, string> = {};
  const envValue = take('env');
  if (envValue !== null && typeof envValue === 'object') {
    for (const [k, v] of Object.entries(envValue))
      env[k] = literal(typeof v === 'object' ? JSON.stringify(v) : String(v));
    f.exact('env', 'env');
  }
  const port = take('port');
  if (port !== undefined) {
    env.PORT = String(port);
    f.exact('port', 'env.PORT');
  }
  if (Object.keys(env).length > 0) svc.env = env;
  for (const key of Object.keys(app).filter((k) => k.startsWith('env_'))) {
    seen.add(key);
    f.drop(
      key,
      `chosen with pm2 --env ${key.slice(4)}; corral has one env per service: merge what you need into env`,
    );
  }

  // instances
  const instances = take('instances');
  const mode = take('exec_mode');
  if (instances !== undefined) {
    const n = Number(instances);
    const cpus = availableParallelism();
    const count = instances === 'max' || n === 0 ? cpus : n < 0 ? Math.max(1, cpus + n) : Math.trunc(n);
    if (count > 1) svc.instances = count;
    if (instances === 'max' || n <= 0)
      f.approx('instances', 'instances', `PM2 counts the CPUs where it runs; this machine has ${cpus}`);
    else f.exact('instances', 'instances');
  }
  const cluster =
    mode === 'cluster' ||
    mode === 'cluster_mode' ||
    (mode === undefined && instances !== undefined && interpreter !== null && /node|bun/.test(interpreter));
  if (cluster && svc.instances !== undefined)
    f.approx(
      mode === undefined ? 'exec_mode (cluster, implied by instances)' : 'exec_mode',
      'instances',
      "PM2's cluster mode shares one port between instances through Node's cluster module; corral's instances are separate processes: each needs its own port (CORRAL_INSTANCE), or the port in sockets:",
    );
  else if (mode !== undefined) f.exact('exec_mode', 'instances');

  // restart policy and backoff
  const autorestart = take('autorestart');
  const stopCodes = take('stop_exit_codes');
  if (autorestart === false) {
    svc.restart = 'never';
    f.exact('autorestart', 'restart');
  } else if (Array.isArray(stopCodes) && stopCodes.length > 0) {
    svc.restart = 'on-failure';
    svc.success_codes = stopCodes.map(Number);
    if (autorestart !== undefined) f.exact('autorestart', 'restart');
    f.exact('stop_exit_codes', 'success_codes', 'with restart: on-failure');
  } else if (autorestart !== undefined) f.exact('autorestart', 'restart');
  if (stopCodes !== undefined && svc.success_codes === undefined)
    f.drop('stop_exit_codes', 'autorestart is false: nothing restarts');
  const backoff: Record<string, unknown> = {};
  const delay = durationMs(take('restart_delay'));
  const expDelay = durationMs(take('exp_backoff_restart_delay'));
  if (expDelay !== null) {
    Object.assign(backoff, {
      free: 0,
      initial: formatDuration(expDelay),
      factor: 1.5,
      max: formatDuration(Math.max(15_000, expDelay)),
      reset_after: '30s',
    });
    f.approx(
      'exp_backoff_restart_delay',
      'backoff',
      'PM2 multiplies by 1.5 up to 15s and resets after 30s up (checked every 30s); corral does the same at once',
    );
  } else if (delay !== null && delay > 0) {
    Object.assign(backoff, {
      free: 0,
      initial: formatDuration(delay),
      factor: 1,
      max: formatDuration(Math.max(delay, 60_000)),
    });
    f.exact('restart_delay', 'backoff', 'the same delay before every restart');
  } else if (delay !== null) {
    Object.assign(backoff, { free: 0, initial: '0', factor: 1, max: '0' });
    f.exact('restart_delay', 'backoff');
  }
  if (expDelay !== null && app.restart_delay !== undefined)
    f.drop('restart_delay', 'exp_backoff_restart_delay wins, as in PM2');
  const minUptime = durationMs(take('min_uptime'));
  if (minUptime !== null) {
    backoff.reset_after = formatDuration(minUptime);
    f.approx(
      'min_uptime',
      'backoff.reset_after',
      'PM2 counts a run shorter than this as unstable; in corral a run this long resets the restart count',
    );
  }
  if (Object.keys(backoff).length > 0) svc.backoff = backoff;
  const maxRestarts = take('max_restarts');
  if (typeof maxRestarts === 'number' || typeof maxRestarts === 'string') {
    svc.max_restarts = Number(maxRestarts);
    f.approx(
      'max_restarts',
      'max_restarts',
      'PM2 counts only unstable restarts (runs shorter than min_uptime); corral counts restarts without a run of backoff.reset_after',
    );
  }

  // stop: PM2 sends SIGINT and waits 1600 ms unless told otherwise
  const killTimeout = durationMs(take('kill_timeout'));
  svc.stop = { signal: 'SIGINT', timeout: formatDuration(killTimeout ?? 1600) };
  f.exact(
    killTimeout === null ? '(PM2 defaults: SIGINT, 1600 ms)' : 'kill_timeout',
    'stop',
    'PM2 stops with SIGINT',
  );
  const treekill = take('treekill');
  if (treekill === false) f.drop('treekill', 'corral always signals the whole process group');
  else if (treekill !== undefined) f.exact('treekill', 'stop', 'corral signals the whole process group');
  if (take('shutdown_with_message') !== undefined)
    f.drop(
      'shutdown_with_message',
      "PM2's process.send('shutdown') message has no corral counterpart; corral sends the stop signal",
    );

  // readiness
  if (take('wait_ready') === true)
    f.drop(
      'wait_ready',
      "PM2's process.send('ready') has no corral counterpart: send READY=1 with sd_notify (ready: {notify: true}), or add an http or tcp ready check",
    );
  else if (app.wait_ready !== undefined) f.exact('wait_ready', 'ready', 'ready as soon as spawned');
  if (take('listen_timeout') !== undefined)
    f.drop('listen_timeout', 'only meaningful with wait_ready; add ready.timeout with a ready check');

  // logs
  const logKeys = LOG_FILES.filter((k) => app[k] !== undefined);
  for (const k of logKeys) {
    seen.add(k);
    f.drop(k, 'corral writes HOME/logs/PROJECT/SERVICE.log (read with corral logs)');
  }
  const dateFormat = take('log_date_format');
  const time = take('time');
  if (dateFormat !== undefined || time === true) {
    svc.logs = { timestamps: true };
    f.approx(
      dateFormat !== undefined ? 'log_date_format' : 'time',
      'logs.timestamps',
      'corral stamps each line in ISO 8601, not in a format of your choice',
    );
  }

  // accounts, memory, start
  const user = take('uid', 'user');
  if (user !== undefined) {
    svc.user = user;
    f.exact(app.uid !== undefined ? 'uid' : 'user', 'user', 'corral must run as root');
  }
  const gid = take('gid');
  if (gid !== undefined) {
    svc.group = gid;
    f.exact('gid', 'group', 'corral must run as root');
  }
  const memory = take('max_memory_restart');
  if (memory !== undefined) {
    const bytes = parseLooseSize(memory);
    if (bytes === null) f.drop('max_memory_restart', `not a size: ${JSON.stringify(memory)}`);
    else {
      svc.max_memory = formatSize(bytes);
      f.approx(
        'max_memory_restart',
        'max_memory',
        'PM2 checks the RSS every 30s; corral checks that of the whole process tree every second',
      );
    }
  }
  const autostart = take('autostart');
  if (typeof autostart === 'boolean') {
    if (!autostart) svc.autostart = false;
    f.exact('autostart', 'autostart');
  }
  const watch = mapWatch(take('watch'), take('ignore_watch'), cwd, f);
  if (watch !== null) svc.watch = watch;
  if (take('watch_delay') !== undefined)
    f.drop(
      'watch_delay',
      'corral restarts once changes have been quiet for 150 ms (or 2 s into a longer burst)',
    );
  if (take('watch_options') !== undefined) f.drop('watch_options', 'chokidar options; corral uses inotify');
  if (take('cron_restart', 'cron') !== undefined) f.drop('cron_restart', 'corral has no scheduled restarts');

  for (const key of Object.keys(app)) {
    if (seen.has(key)) continue;
    f.drop(
      key,
      PM2_ONLY.has(key)
        ? "PM2's own runtime setting, with no meaning for corral"
        : 'not an app key corral knows of',
    );
  }
  return svc;
}

/**
 * PM2's `watch` (true, or paths) and `ignore_watch` as corral's `watch:` list. PM2 takes them
 * relative to the app's cwd, corral relative to the config file: they are written absolute, as
 * the cwd is.
 */
function mapWatch(watch: unknown, ignore: unknown, cwd: string, f: FindingRecorder): string[] | null {
  const svc: string[] = [];
  if (watch === true) svc.push(cwd);
  else if (typeof watch === 'string') svc.push(resolve(cwd, watch));
  else if (Array.isArray(watch))
    svc.push(
      ...watch.filter((w): w is string => typeof w === 'string' && w !== '').map((w) => resolve(cwd, w)),
    );
  if (watch === true || typeof watch === 'string' || Array.isArray(watch)) {
    f.approx(
      'watch',
      'watch',
      'paths made absolute against the cwd, watched with inotify; .git and node_modules are ignored unless named',
    );
  } else if (watch === false) f.exact('watch', '(no watch)');
  else if (watch !== undefined) f.drop('watch', `not true or a list of paths: ${JSON.stringify(watch)}`);
  const ignores = typeof ignore === 'string' ? [ignore] : Array.isArray(ignore) ? ignore : [];
  for (const i of ignores) {
    // a pattern written as a regular expression has no glob equivalent
    if (typeof i !== 'string' || /[\\^$()|+]/.test(i)) {
      f.drop('ignore_watch', `not a path or glob corral reads: ${JSON.stringify(i)}`);
      continue;
    }
    svc.push(`!${resolve(cwd, i)}`);
  }
  if (ignores.length > 0 && svc.some((e) => e.startsWith('!')))
    f.approx(
      'ignore_watch',
      'watch',
      '"!" entries, absolute against the cwd (PM2 matches them anywhere in a path)',
    );
  return svc.some((e) => !e.startsWith('!')) ? svc : null;
}

/** Milliseconds of a PM2 duration: a number of ms, or a string such as "1s", "2m", "1h". */
function durationMs(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (m === null) return null;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return Number(m[1]) * unit[m[2] ?? 'ms'];
}
