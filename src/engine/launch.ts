// What one start of a process is made of. prepareLaunch borrows from the host what a start needs
// (credentials, listening sockets, the notify socket, where output goes); launchRequest is a pure
// function of those and the definition: the environment (what wins over what), the argv behind any
// prelude, the stdio and the passed sockets. The backend carries the request out.
import type { ServiceSpec } from '../config/types.js';
import { wrapArgv } from '../process/wrapper.js';
import type { EngineHost, LaunchRequest } from './host.js';

export interface LaunchInputs {
  spec: ServiceSpec;
  index: number;
  /** the environment every service starts from */
  baseEnv: Record<string, string>;
  /** the service user's argv prefix, ids and HOME/USER/LOGNAME (empty without user:/group:) */
  credentials: { argvPrefix: string[]; uid?: number; gid?: number; env: Record<string, string> };
  /** where stdout and stderr go */
  output: { stdout: number | 'pipe'; stderr: number | 'pipe' };
  /** the service's listening sockets, passed as fds 3, 4, … */
  sockets: ReadonlyArray<{ fd: number; name: string }>;
  /** the process's NOTIFY_SOCKET, or null (then none is passed on, whatever the environment says) */
  notifySocket: string | null;
}

/**
 * The environment, lowest first: the base, the service's env, then corral's own variables; the
 * user's HOME/USER/LOGNAME unless the service's env sets them; LISTEN_* with sockets; and
 * NOTIFY_SOCKET only with notify readiness.
 */
export function launchRequest(inputs: LaunchInputs): LaunchRequest {
  const { spec, credentials, sockets } = inputs;
  const env: Record<string, string> = {
    ...inputs.baseEnv,
    ...spec.env,
    CORRAL_PROJECT: spec.project,
    CORRAL_SERVICE: spec.name,
    CORRAL_INSTANCE: String(inputs.index),
  };
  for (const [k, v] of Object.entries(credentials.env)) if (spec.env[k] === undefined) env[k] = v;
  if (sockets.length > 0) {
    // systemd's socket activation variables; LISTEN_PID is set by the prelude (only the child knows it)
    env.LISTEN_FDS = String(sockets.length);
    env.LISTEN_FDNAMES = sockets.map((s) => s.name).join(':');
  } else {
    delete env.LISTEN_FDS;
    delete env.LISTEN_FDNAMES;
    delete env.LISTEN_PID;
  }
  if (inputs.notifySocket !== null) env.NOTIFY_SOCKET = inputs.notifySocket;
  else delete env.NOTIFY_SOCKET;
  const argv = [
    ...credentials.argvPrefix,
    ...wrapArgv(spec.command, { oomScoreAdj: spec.oomScoreAdj, listenPid: sockets.length > 0 }),
  ];
  const request: LaunchRequest = {
    argv,
    cwd: spec.cwd,
    env,
    stdio: ['ignore', inputs.output.stdout, inputs.output.stderr, ...sockets.map((s) => s.fd)],
  };
  if (spec.umask !== null) request.umask = spec.umask;
  if (credentials.uid !== undefined) request.uid = credentials.uid;
  if (credentials.gid !== undefined) request.gid = credentials.gid;
  return request;
}

/**
 * Everything one start of instance `index` needs from the host, as a request; `release` closes
 * what only the child needs once it is spawned. An error says why it cannot start at all.
 */
export function prepareLaunch(
  host: EngineHost,
  spec: ServiceSpec,
  index: number,
  notifySocket: () => string | null,
): { request: LaunchRequest; release: () => void } | { error: string } {
  const credentials = host.process.credentials(spec.user, spec.group);
  if ('error' in credentials) return { error: credentials.error };
  let sockets: Array<{ fd: number; name: string }> = [];
  if (spec.sockets.length > 0) {
    if (!host.listeners)
      return { error: 'could not listen: sockets: are passed by the daemon only, not by corral run' };
    try {
      sockets = host.listeners(spec);
    } catch (e) {
      return { error: `could not listen: ${(e as Error).message}` };
    }
  }
  let notify: string | null;
  let output: ReturnType<EngineHost['output']['prepare']>;
  try {
    notify = notifySocket();
    output = host.output.prepare({
      project: spec.project,
      service: spec.name,
      index,
      instances: spec.instances,
      logs: spec.logs,
    });
  } catch (e) {
    // a full disk, too many open files, an unwritable run dir: the start fails, the daemon goes on
    return { error: `could not prepare its start: ${(e as Error).message}` };
  }
  const request = launchRequest({
    spec,
    index,
    baseEnv: host.baseEnv,
    credentials,
    output,
    sockets,
    notifySocket: notify,
  });
  return { request, release: () => output.release() };
}
