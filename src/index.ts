// corral's programmatic API: what a program embedding corral, or talking to its daemon, uses.
export { CorralClient } from './client/client.js';
export {
  ConfigError,
  findConfigFile,
  formatProblem,
  loadProject,
  loadProjectFromText,
} from './config/index.js';
export type { ConfigProblem, ProjectSpec, ServiceSpec } from './config/types.js';
export { Daemon, type DaemonOptions } from './daemon/daemon.js';
export { resolveHome } from './daemon/home.js';
export { type CorralEvent, EventType, ExitReason, ProcessState } from './engine/states.js';
export { Supervisor } from './engine/supervisor.js';
export { CorralError, ERROR_CODES, type ErrorCode } from './errors.js';
export { VERSION } from './version.js';
