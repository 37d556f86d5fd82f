// The config module's public surface: load a project, report its problems, read units.

export { parseSignal, toSignal } from '../signals.js';
export {
  CONFIG_FILE_NAMES,
  type ConfigFormat,
  detectFormat,
  findConfigFile,
  type LoadOptions,
  loadProject,
  loadProjectFromText,
  projectNameOf,
  type TextLoadOptions,
} from './load.js';
export { ConfigError, formatProblem } from './problems.js';
export { type ConfigFile, ConfigFileSchema } from './schema.js';
export type * from './types.js';
export { parseDuration, toDurationMs, toSizeBytes } from './units.js';
