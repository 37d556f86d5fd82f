// corral import as a function: read a file of another tool, map it, and render a corral.yaml that
// loads as `corral check` would load it. Nothing here writes; the CLI does (atomically).
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { loadProjectFromText } from '../config/load.js';
import type { ConfigProblem } from '../config/types.js';
import { isCorralError } from '../errors.js';
import { importCompose } from './compose.js';
import { detectImportFormat, FORMAT_NAMES, type ImportFormat } from './detect.js';
import { ImportError } from './errors.js';
import type { ConfigDoc, Finding } from './findings.js';
import { importPm2 } from './pm2.js';
import { loadEcosystem } from './pm2-load.js';
import { importProcessCompose } from './process-compose.js';
import { importProcfile } from './procfile.js';
import { importSupervisord } from './supervisord.js';
import { renderConfig } from './write.js';

export { detectImportFormat, FORMAT_NAMES, IMPORT_FORMATS, type ImportFormat } from './detect.js';
export { ImportError } from './errors.js';
export type { ConfigDoc, Finding, FindingKind } from './findings.js';
export { renderConfig, writeAtomically } from './write.js';

export interface ImportOptions {
  /** the format, when not detected */
  from?: ImportFormat;
  /** where the corral.yaml will be: relative paths are written relative to its directory */
  output: string;
  /** the environment of `%(ENV_X)s` and of a PM2 file's process.env; default process.env */
  env?: NodeJS.ProcessEnv;
}

export interface ImportResult {
  format: ImportFormat;
  config: ConfigDoc;
  findings: Finding[];
  /** the corral.yaml text, checked */
  text: string;
  /** `${VAR}` warnings of the check, as `corral check` would print them */
  warnings: ConfigProblem[];
}

const SERVICE_KEY_ORDER = [
  'command',
  'cwd',
  'env',
  'env_file',
  'instances',
  'depends_on',
  'restart',
  'success_codes',
  'backoff',
  'max_restarts',
  'stop',
  'ready',
  'health',
  'logs',
  'user',
  'group',
  'umask',
  'oom_score_adj',
  'sockets',
  'max_memory',
  'autostart',
];

/** Imports `file`: the config, a finding per source key, and the checked corral.yaml text. */
export async function importFile(file: string, opts: ImportOptions): Promise<ImportResult> {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ImportError(
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const format = opts.from ?? detectImportFormat(file, text);
  const dir = dirname(path);
  const env = opts.env ?? process.env;
  let imported: { config: ConfigDoc; findings: Finding[] };
  switch (format) {
    case 'pm2':
      imported = importPm2(
        /\.ya?ml$/i.test(path) ? yamlData(file, text) : await loadEcosystem(path, { env }),
        dir,
      );
      if (Object.keys(imported.config.services).length === 0)
        throw new ImportError(
          `${file}: no apps in this ecosystem file (expected apps: [{name, script}, ...])`,
        );
      break;
    case 'supervisord':
      imported = importSupervisord(path, env);
      break;
    case 'compose':
      imported = importCompose(mapping(file, yamlData(file, text), 'services'), dir);
      break;
    case 'process-compose':
      imported = importProcessCompose(mapping(file, yamlData(file, text), 'processes'), dir);
      break;
    case 'procfile':
      imported = importProcfile(text, file, dir);
      break;
  }
  const outDir = dirname(resolve(opts.output));
  const config = arrange(imported.config, outDir);
  const header = `imported by corral import from ${relative(outDir, path) || path} (${FORMAT_NAMES[format]}); comments mark keys whose meaning changed`;
  const yaml = renderConfig(config, imported.findings, header);
  const warnings = check(yaml, resolve(opts.output), outDir, env);
  return { format, config, findings: imported.findings, text: yaml, warnings };
}

/** A YAML file's data, or an ImportError at its first syntax error's line and column. */
function yamlData(file: string, text: string): unknown {
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const [line, col] = e.linePos?.[0] ? [e.linePos[0].line, e.linePos[0].col] : [1, 1];
    throw new ImportError(`${file}:${line}:${col}: not valid YAML: ${e.message.split('\n')[0]}`);
  }
  return doc.toJS({ maxAliasCount: 1000 });
}

/** The data, checked to hold a mapping under `key`. */
function mapping(file: string, data: unknown, key: string): unknown {
  const value = (data as Record<string, unknown> | null)?.[key];
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ImportError(
      `${file}: expected a mapping under ${key}:, got ${value === undefined ? 'none' : JSON.stringify(value)}`,
    );
  return data;
}

/** Paths relative to the output's directory (a cwd that is that directory is left out), keys in corral's order. */
function arrange(config: ConfigDoc, outDir: string): ConfigDoc {
  const rel = (p: string): string => (isAbsolute(p) ? relative(outDir, p) || '.' : p);
  const out: ConfigDoc = {} as ConfigDoc;
  if (config.name !== undefined) out.name = config.name;
  if (config.env !== undefined) out.env = config.env;
  if (config.env_file !== undefined)
    out.env_file = Array.isArray(config.env_file) ? config.env_file.map(rel) : rel(config.env_file);
  out.services = {};
  for (const [name, svc] of Object.entries(config.services)) {
    const s: Record<string, unknown> = {};
    for (const key of SERVICE_KEY_ORDER) if (svc[key] !== undefined) s[key] = svc[key];
    if (typeof s.cwd === 'string') {
      s.cwd = rel(s.cwd);
      if (s.cwd === '.') delete s.cwd;
    }
    if (typeof s.env_file === 'string') s.env_file = rel(s.env_file);
    else if (Array.isArray(s.env_file)) s.env_file = s.env_file.map((p) => rel(String(p)));
    out.services[name] = s;
  }
  return out;
}

/**
 * Loads the text as `corral check` would, from where it will be written; an ImportError listing
 * the problems when it does not load. user/group are left to the machine it runs on.
 */
function check(text: string, file: string, dir: string, env: NodeJS.ProcessEnv): ConfigProblem[] {
  const warnings: ConfigProblem[] = [];
  try {
    loadProjectFromText(text, {
      file,
      dir,
      format: 'yaml',
      env,
      onWarning: (w) => warnings.push(w),
      runningAs: { uid: 0, gid: 0 },
    });
  } catch (e) {
    if (!isCorralError(e) || !Array.isArray(e.details)) throw e;
    const problems = (e.details as ConfigProblem[]).filter((p) => !/\.(user|group)$/.test(p.path));
    if (problems.length > 0)
      throw new ImportError(
        `the imported config does not pass corral check:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
      );
  }
  return warnings;
}
