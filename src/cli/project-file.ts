// A config file as the CLI reads it: the text, validated here (warnings on stderr), and the
// request that hands the daemon that very text, so what was checked is what is applied.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ApplyBody } from '../api/schemas.js';
import {
  type ConfigFormat,
  type ConfigProblem,
  detectFormat,
  loadProjectFromText,
  type ProjectSpec,
} from '../config/index.js';
import { CorralError } from '../errors.js';
import type { CliContext } from './context.js';

export interface ProjectFile {
  /** absolute path */
  file: string;
  text: string;
  format: ConfigFormat;
  spec: ProjectSpec;
  /** the environment `${VAR}` was interpolated from; the daemon interpolates from the same */
  env: Record<string, string>;
}

export { configPath } from '../config/find.js';

/** One warning as one line: `FILE:LINE:COL: warning: path: message`. */
export function formatWarning(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.col}: warning: ${p.path === '' ? '' : `${p.path}: `}${p.message}`;
}

/** Reads and validates `file`; warnings go to stderr, problems throw (CONFIG_INVALID). */
export function readProjectFile(ctx: CliContext, file: string): ProjectFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new CorralError('CONFIG_NOT_FOUND', `Cannot read ${file}: ${code}`, { file });
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  const format = detectFormat(file, text);
  const spec = loadProjectFromText(text, {
    file,
    dir: dirname(file),
    format,
    env,
    onWarning: (p) => ctx.note(formatWarning(p)),
  });
  return { file, text, format, spec, env };
}

/** The request that applies exactly the text `readProjectFile` validated. */
export function applyBody(project: ProjectFile, services: string[]): ApplyBody {
  return {
    config: project.text,
    dir: dirname(project.file),
    file: project.file,
    format: project.format,
    env: project.env,
    services: services.length > 0 ? services : undefined,
  };
}
