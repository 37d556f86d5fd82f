// corral's programmatic API, its only public entry: what a program embedding corral, or talking
// to its daemon, uses. Everything else under dist/ is internal and may change without notice.
export type {
  Action,
  ApplyBody,
  ApplyResult,
  CorralEvent as WireEvent,
  Health,
  LogEntry,
  ProcessStatus,
  ProjectInfo,
  ServiceDefinition,
  SignalResult,
} from './api/schemas.js';
export { CorralClient } from './client/client.js';
export { type Clock, systemClock, type Timer } from './clock.js';
export {
  ConfigError,
  findConfigFile,
  formatProblem,
  type LoadOptions,
  loadProject,
  loadProjectFromText,
  type TextLoadOptions,
} from './config/index.js';
export type { ConfigProblem, ProjectSpec, ServiceSpec } from './config/types.js';
export type { BootFacts, Controller } from './daemon/controller.js';
export { Daemon, type DaemonOptions, type StopOutcome } from './daemon/daemon.js';
export { type HomePaths, homePaths, resolveHome } from './daemon/home.js';
export type { OutputKey, OutputRouter, OutputTarget } from './engine/output.js';
export { type CorralEvent, EventType, ExitReason, ProcessState } from './engine/states.js';
export {
  type ApplyResult as SupervisorApplyResult,
  Supervisor,
  type SupervisorHost,
} from './engine/supervisor.js';
export { CorralError, ERROR_CODES, type ErrorCode } from './errors.js';
export { VERSION } from './version.js';
