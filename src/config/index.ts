// The config module's public surface: load a project, report its problems, read units.
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
export { parseDuration, parseSignal, toDurationMs, toSignal, toSizeBytes } from './units.js';
