// supervisord.conf (and its includes) to a corral config: one service per [program:x], numprocs as
// instances, supervisord's defaults written out where they differ from corral's (autorestart
// "unexpected", stopwaitsecs 10), and `%(...)s` expansions done as supervisord does them.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { ImportError } from './errors.js';
import { type ConfigDoc, type FindingRecorder, Findings, type Imported } from './findings.js';
import { type IniSection, type IniValue, readSupervisordConf } from './supervisord-ini.js';
import {
  formatDuration,
  formatSize,
  literal,
  parseLooseSize,
  serviceName,
  shellWords,
  signalName,
} from './values.js';

// A marker standing for %(process_num)...d in a command of several instances, until it is shell text.
const NUM = '\u0000';

/** Expands `%(name)s`/`%(name)d`/`%(name)02d` and `%%` from `vars`; unknown names are errors at FILE:LINE. */
export function expand(v: IniValue, vars: Record<string, string | number>, env: NodeJS.ProcessEnv): string {
  return v.value.replace(
    /%%|%\(([^)]+)\)(-?0?\d*)([sd])/g,
    (all, name: string | undefined, width: string, conv: string) => {
      if (all === '%%') return '%';
      let value: string | number | undefined;
      if (name === 'here') value = v.here;
      else if (name?.startsWith('ENV_')) value = env[name.slice(4)];
      else value = vars[name as string];
      if (value === undefined) {
        const what = name?.startsWith('ENV_')
          ? `the environment variable ${name.slice(4)} is not set`
          : `supervisord knows no %(${name}) here`;
        throw new ImportError(`${v.file}:${v.line}: ${all}: ${what}`);
      }
      // several instances: a marker with the width, made shell text by perInstance
      if (typeof value === 'string' && value === NUM) return `${NUM}${width}\u0001`;
      if (conv === 'd') {
        const n = Number(value);
        if (!Number.isFinite(n))
          throw new ImportError(
            `${v.file}:${v.line}: ${all}: expected a number, got ${JSON.stringify(value)}`,
          );
        return width.startsWith('0')
          ? String(Math.trunc(n)).padStart(Number(width), '0')
          : String(Math.trunc(n));
      }
      return String(value);
    },
  );
}

/** Reads a supervisord.conf with its includes and maps every [program:x] to a service. */
export function importSupervisord(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Imported & { included: string[] } {
  const base = { host_node_name: hostname() };
  const { sections, included } = readSupervisordConf(file, (v) => expand(v, base, env));
  const findings = new Findings();
  const top = findings.for(null);
  const config: ConfigDoc = { services: {} };
  const supervisord = sections.get('supervisord');
  if (supervisord !== undefined) {
    for (const [key, v] of supervisord.keys) {
      if (key === 'environment') {
        config.env = parseEnvironment(expand(v, base, env), v);
        top.exact('[supervisord] environment', 'env');
      } else
        top.drop(
          `[supervisord] ${key}`,
          "supervisord's own setting; the corral daemon has its own (corral daemon start)",
        );
    }
  }
  const groups = new Map<string, string>();
  for (const section of sections.values()) {
    const g = /^group:(.+)$/.exec(section.name);
    if (g === null) continue;
    for (const p of (section.keys.get('programs')?.value ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean))
      groups.set(p, g[1]);
    top.drop(
      `[${section.name}]`,
      'corral has no groups: its programs are services of the one project (start and stop them together with the project)',
    );
  }
  for (const section of sections.values()) {
    const kind = /^([a-z_-]+):(.+)$/.exec(section.name);
    if (kind?.[1] === 'program') {
      const name = serviceName(kind[2]);
      config.services[name] = mapProgram(
        section,
        kind[2],
        groups.get(kind[2]) ?? kind[2],
        env,
        findings.for(name),
      );
    } else if (kind?.[1] === 'eventlistener')
      top.drop(
        `[${section.name}]`,
        "supervisord's event listener protocol has no corral counterpart (corral events -f streams the events)",
      );
    else if (kind?.[1] === 'fcgi-program')
      top.drop(
        `[${section.name}]`,
        'supervisord passes a FastCGI socket on fd 0; corral passes sockets: from fd 3 (LISTEN_FDS): write it as a program with sockets:',
      );
    else if (kind?.[1] !== 'group' && section.name !== 'supervisord')
      top.drop(`[${section.name}]`, "supervisord's own server or client; corral's API is its unix socket");
  }
  if (Object.keys(config.services).length === 0)
    throw new ImportError(`${file}: no [program:x] section, so nothing to import`);
  return { config, findings: findings.list, included };
}

/** One [program:x] section to a service. */
function mapProgram(
  section: IniSection,
  program: string,
  group: string,
  env: NodeJS.ProcessEnv,
  f: FindingRecorder,
): Record<string, unknown> {
  const keys = section.keys;
  const numprocs = Number(keys.get('numprocs')?.value ?? 1);
  const start = Number(keys.get('numprocs_start')?.value ?? 0);
  const vars: Record<string, string | number> = {
    program_name: program,
    group_name: group,
    host_node_name: hostname(),
    numprocs,
    process_num: numprocs > 1 ? NUM : start,
  };
  const get = (key: string): string | undefined => {
    const v = keys.get(key);
    return v === undefined ? undefined : expand(v, vars, env);
  };
  const bool = (key: string): boolean | undefined => {
    const v = get(key)?.toLowerCase();
    return v === undefined ? undefined : ['true', 'yes', 'on', '1'].includes(v);
  };
  const svc: Record<string, unknown> = {};
  const command = get('command');
  if (command === undefined)
    throw new ImportError(`${section.file}:${section.line}: [${section.name}] has no command`);
  try {
    const words = shellWords(command);
    svc.command = command.includes(NUM) ? perInstance(words, start) : words.map(literal);
  } catch (e) {
    throw new ImportError(
      `${keys.get('command')?.file}:${keys.get('command')?.line}: command: ${(e as Error).message}`,
    );
  }
  if (command.includes(NUM))
    f.approx(
      'command',
      'command',
      `%(process_num) becomes CORRAL_INSTANCE${start === 0 ? '' : ` + ${start}`}, through /bin/sh`,
    );
  else f.exact('command', 'command', 'run without a shell, as supervisord does');
  if (numprocs > 1) {
    svc.instances = numprocs;
    f.exact('numprocs', 'instances', `instances are named ${program}:0 .. ${program}:${numprocs - 1}`);
  } else if (keys.has('numprocs')) f.exact('numprocs', 'instances');
  if (keys.has('numprocs_start'))
    f.exact('numprocs_start', numprocs > 1 ? 'command' : '(process_num)', 'the first %(process_num)');
  if (keys.has('process_name')) f.drop('process_name', `corral names processes ${program} or ${program}:N`);

  const directory = get('directory');
  if (directory !== undefined) {
    if (existsSync(directory)) {
      svc.cwd = directory;
      f.exact('directory', 'cwd');
    } else
      f.drop(
        'directory',
        `${directory} does not exist here; the service runs in the directory of corral.yaml`,
      );
  }
  const environment = get('environment');
  if (environment !== undefined) {
    if (environment.includes(NUM))
      f.drop(
        'environment',
        '%(process_num) in the environment of several instances: read CORRAL_INSTANCE instead',
      );
    else {
      svc.env = parseEnvironment(environment, keys.get('environment') as IniValue);
      f.exact('environment', 'env');
    }
  }

  // restart: supervisord's default is "unexpected": restart unless the exit code is in exitcodes
  const autorestart = get('autorestart')?.toLowerCase() ?? 'unexpected';
  const exitcodes = (get('exitcodes') ?? '0').split(',').map((c) => Number(c.trim()));
  if (autorestart === 'unexpected') {
    svc.restart = 'on-failure';
    svc.success_codes = exitcodes;
    f.exact(
      keys.has('autorestart') ? 'autorestart' : '(supervisord default autorestart=unexpected)',
      'restart',
      'on-failure with success_codes from exitcodes',
    );
  } else {
    svc.restart = ['true', 'yes', 'on', '1'].includes(autorestart) ? 'always' : 'never';
    f.exact('autorestart', 'restart');
  }
  if (keys.has('exitcodes')) {
    if (autorestart === 'unexpected') f.exact('exitcodes', 'success_codes');
    else f.drop('exitcodes', `autorestart is ${autorestart}: the exit code does not decide a restart`);
  }
  const startsecs = get('startsecs');
  if (startsecs !== undefined) {
    svc.backoff = { reset_after: formatDuration(Number(startsecs) * 1000) };
    f.approx(
      'startsecs',
      'backoff.reset_after',
      'supervisord counts an exit sooner than this as a failed start; corral counts a run this long as stable (resets the restart count)',
    );
  }
  const startretries = get('startretries');
  if (startretries !== undefined) {
    svc.max_restarts = Number(startretries);
    f.approx(
      'startretries',
      'max_restarts',
      'supervisord gives up after this many failed starts in a row, waiting 1s more each time; corral gives up after this many restarts without a stable run, with its own backoff',
    );
  }

  const stop: Record<string, unknown> = {};
  const signal = get('stopsignal');
  if (signal !== undefined) {
    const name = signalName(signal);
    if (name === null)
      throw new ImportError(
        `${keys.get('stopsignal')?.file}:${keys.get('stopsignal')?.line}: stopsignal: not a signal: ${JSON.stringify(signal)}`,
      );
    stop.signal = name;
    f.exact('stopsignal', 'stop.signal');
  }
  stop.timeout = formatDuration(Number(get('stopwaitsecs') ?? 10) * 1000);
  f.exact(
    keys.has('stopwaitsecs') ? 'stopwaitsecs' : '(supervisord default stopwaitsecs=10)',
    'stop.timeout',
  );
  svc.stop = stop;
  for (const key of ['stopasgroup', 'killasgroup']) {
    if (!keys.has(key)) continue;
    if (bool(key)) f.exact(key, 'stop', 'corral signals the whole process group');
    else
      f.approx(
        key,
        'stop',
        'supervisord would signal the program alone; corral signals its whole process group',
      );
  }

  const user = get('user');
  if (user !== undefined) {
    svc.user = user;
    f.exact('user', 'user', 'corral must run as root');
  }
  const umask = get('umask');
  if (umask !== undefined) {
    svc.umask = umask.padStart(4, '0');
    f.exact('umask', 'umask');
  }
  const autostart = bool('autostart');
  if (autostart !== undefined) {
    if (!autostart) svc.autostart = false;
    f.exact('autostart', 'autostart');
  }
  if (keys.has('priority'))
    f.drop(
      'priority',
      'corral orders starts by depends_on, not by priority: add depends_on where one program needs another',
    );

  const maxbytes = get('stdout_logfile_maxbytes');
  const backups = get('stdout_logfile_backups');
  const logs: Record<string, unknown> = {};
  if (maxbytes !== undefined) {
    const bytes = parseLooseSize(maxbytes);
    if (bytes !== null && bytes > 0) {
      logs.max_size = formatSize(bytes);
      f.approx(
        'stdout_logfile_maxbytes',
        'logs.max_size',
        'corral rotates one log of stdout and stderr together',
      );
    } else f.drop('stdout_logfile_maxbytes', 'corral always rotates its logs');
  }
  if (backups !== undefined) {
    logs.keep = Number(backups);
    f.approx('stdout_logfile_backups', 'logs.keep', 'corral rotates one log of stdout and stderr together');
  }
  if (Object.keys(logs).length > 0) svc.logs = logs;
  if (keys.has('redirect_stderr')) {
    if (bool('redirect_stderr'))
      f.exact('redirect_stderr', 'logs', 'corral writes stdout and stderr into one log');
    else f.drop('redirect_stderr', 'corral writes stdout and stderr into one log');
  }
  const handled = new Set([
    'command',
    'numprocs',
    'numprocs_start',
    'process_name',
    'directory',
    'environment',
    'autorestart',
    'exitcodes',
    'startsecs',
    'startretries',
    'stopsignal',
    'stopwaitsecs',
    'stopasgroup',
    'killasgroup',
    'user',
    'umask',
    'autostart',
    'priority',
    'stdout_logfile_maxbytes',
    'stdout_logfile_backups',
    'redirect_stderr',
  ]);
  for (const key of keys.keys()) {
    if (handled.has(key)) continue;
    if (/^std(out|err)_/.test(key))
      f.drop(key, 'corral writes HOME/logs/PROJECT/SERVICE.log (read with corral logs)');
    else if (key === 'serverurl') f.drop(key, "the address of supervisord's own server; corral passes none");
    else f.drop(key, 'not a [program:x] key corral has a counterpart for');
  }
  return svc;
}

/** `%(process_num)` in the words of a command of several instances: a /bin/sh line using CORRAL_INSTANCE. */
function perInstance(words: string[], start: number): string {
  const n = start === 0 ? '$CORRAL_INSTANCE' : `$((CORRAL_INSTANCE + ${start}))`;
  const quote = (s: string): string => (s === '' ? '' : `'${s.replace(/'/g, `'\\''`)}'`);
  const parts = words.map((w) =>
    w
      .split(/\u0000(-?0?\d*)\u0001/)
      .map((part, i) =>
        i % 2 === 0 ? quote(part) : part.startsWith('0') ? `"$(printf %${part}d ${n})"` : `"${n}"`,
      )
      .join(''),
  );
  return `exec ${parts.join(' ')}`;
}

/** supervisord's `KEY="value",KEY2=value2` (quoted values may hold commas). */
export function parseEnvironment(text: string, at: IniValue): Record<string, string> {
  const env: Record<string, string> = {};
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^,]*)\s*(,|$)/y;
  let i = 0;
  const flat = text.replace(/\n/g, ' ');
  while (i < flat.length) {
    re.lastIndex = i;
    const m = re.exec(flat);
    if (m === null)
      throw new ImportError(
        `${at.file}:${at.line}: environment: expected KEY="value",KEY2="value2", got ${JSON.stringify(flat.slice(i))}`,
      );
    let value = m[2];
    if (/^".*"$|^'.*'$/s.test(value)) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    env[m[1]] = literal(value.trim());
    i = re.lastIndex;
    if (m[3] === '') break;
  }
  return env;
}
