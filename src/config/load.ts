// Loads a project from a corral.yaml or a Procfile: parse, interpolate, validate, check, normalize.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { CorralError } from '../errors.js';
import { checkAccounts, currentAccount, type RunningAs } from './accounts.js';
import { checkDependencies } from './dependencies.js';
import { readEnvFiles } from './envfiles.js';
import { type EnvSource, interpolate, interpolateDocument } from './interpolate.js';
import { normalizeProject } from './normalize.js';
import { checkPolicies } from './policies.js';
import { type ConfigPath, ProblemList } from './problems.js';
import { parseProcfile } from './procfile.js';
import { checkCwds, nameFromDirectory, projectName } from './project.js';
import type { ConfigFile } from './schema.js';
import { addYamlErrors, keysInOrder, parseYaml, yamlLocator } from './source.js';
import type { ConfigProblem, ProjectSpec } from './types.js';
import { validateConfig } from './validate.js';
import { checkWatch } from './watch.js';

export { CONFIG_FILE_NAMES, findConfigFile } from './find.js';

export type ConfigFormat = 'yaml' | 'procfile';

export interface LoadOptions {
  /** where `${VAR}` takes its values from; default process.env */
  env?: EnvSource;
  /** hears of `${VAR}` references to unset variables, which read as empty strings */
  onWarning?: (problem: ConfigProblem) => void;
  /** who `user:`/`group:` are checked against; default this process's uid and gid */
  runningAs?: RunningAs;
}

export interface TextLoadOptions extends LoadOptions {
  /**
   * the name problems are reported under: the absolute path the text was read from (then
   * recorded as the project's `file`, for messages and reload), or a label such as "<inline>"
   */
  file: string;
  /** the directory relative paths are resolved against */
  dir: string;
  /** default: detected as for a file named `file` */
  format?: ConfigFormat;
}

interface Context {
  label: string;
  file: string | null;
  dir: string;
  env: EnvSource;
  onWarning: (problem: ConfigProblem) => void;
  runningAs: RunningAs;
}

/** Procfile for files named Procfile or Procfile.*, YAML for .yaml/.yml/.json; else by content. */
export function detectFormat(file: string, text: string): ConfigFormat {
  const base = basename(file);
  if (base === 'Procfile' || base.startsWith('Procfile.')) return 'procfile';
  if (/\.(ya?ml|json)$/i.test(base)) return 'yaml';
  if (/^services\s*:\s*(#.*)?$/m.test(text)) return 'yaml';
  const contents = parseDocument(text).contents;
  return isMap(contents) && isMap(contents.get('services', true)) ? 'yaml' : 'procfile';
}

/** A config file's absolute path and text; CONFIG_NOT_FOUND when it cannot be read. */
function readConfig(file: string): { path: string; text: string } {
  const path = resolve(file);
  try {
    return { path, text: readFileSync(path, 'utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new CorralError('CONFIG_NOT_FOUND', `Cannot read ${file}: ${code}`, { file: path });
  }
}

/** The project a config file describes; throws a ConfigError listing every problem in it. */
export function loadProject(file: string, opts: LoadOptions = {}): ProjectSpec {
  const { path, text } = readConfig(file);
  return load(text, detectFormat(path, text), context(file, path, dirname(path), opts));
}

/**
 * The project name a config file gives (`name:`, else its directory's), read without checking
 * the rest: enough to stop a project whose file no longer validates (a cwd since removed).
 */
export function projectNameOf(file: string, env: EnvSource = process.env): string {
  const { path, text } = readConfig(file);
  if (detectFormat(path, text) === 'yaml') {
    const contents = parseDocument(text).contents;
    const name = isMap(contents) ? contents.get('name') : undefined;
    if (typeof name === 'string') {
      const given = interpolate(name, env);
      if (given.error === null && given.value !== '') return given.value;
    }
  }
  return nameFromDirectory(dirname(path));
}

/**
 * The project described by config text (posted to the API, or read by the CLI); its `file` is
 * `opts.file` when that is an absolute path, else null.
 */
export function loadProjectFromText(text: string, opts: TextLoadOptions): ProjectSpec {
  const format = opts.format ?? detectFormat(opts.file, text);
  const file = isAbsolute(opts.file) ? opts.file : null;
  return load(text, format, context(opts.file, file, resolve(opts.dir), opts));
}

function context(label: string, file: string | null, dir: string, opts: LoadOptions): Context {
  return {
    label,
    file,
    dir,
    env: opts.env ?? process.env,
    onWarning: opts.onWarning ?? (() => {}),
    runningAs: opts.runningAs ?? currentAccount(),
  };
}

function load(text: string, format: ConfigFormat, ctx: Context): ProjectSpec {
  return format === 'procfile' ? loadProcfile(text, ctx) : loadYaml(text, ctx);
}

function loadYaml(text: string, ctx: Context): ProjectSpec {
  const source = parseYaml(text);
  const locate = yamlLocator(source);
  const problems = new ProblemList(ctx.label, locate);
  if (addYamlErrors(source, text, problems)) problems.throwIfAny();
  // a reference's own line and column when it can be found, else those of its value
  const at = (path: ConfigPath, offset: number | null): { line: number; col: number } =>
    offset === null ? locate(path, 'value') : source.lineCounter.linePos(offset);
  interpolateDocument(
    source.doc,
    ctx.env,
    {
      error: (path, message, offset) =>
        problems.addPlaced({ file: ctx.label, ...at(path, offset), path: path.join('.'), message }),
      unset: (path, name, offset) =>
        ctx.onWarning({
          file: ctx.label,
          ...at(path, offset),
          path: path.join('.'),
          message: `expected the variable ${name} to be set, got nothing (it reads as an empty string; \${${name}:-default} gives a default, \${${name}:?message} makes it required)`,
        }),
    },
    text,
  );
  let data: unknown;
  try {
    data = source.doc.toJS();
  } catch (e) {
    problems.add([], `expected YAML that can be read, got ${(e as Error).message}`);
  }
  validateConfig(data, problems);
  const name = projectName(data, ctx.dir, problems);
  const envFiles = readEnvFiles(data, ctx.dir, problems);
  const services = (data as { services?: unknown } | null)?.services;
  checkDependencies(services, problems);
  checkCwds(services, ctx.dir, problems);
  checkPolicies(services, problems);
  checkAccounts(services, problems, ctx.runningAs);
  checkWatch(services, ctx.dir, problems, (path, message) =>
    ctx.onWarning({ file: ctx.label, ...locate(path, 'value'), path: path.join('.'), message }),
  );
  problems.throwIfAny();
  const order = keysInOrder(source, ['services']);
  return normalizeProject({
    config: data as ConfigFile,
    project: name,
    file: ctx.file,
    dir: ctx.dir,
    order,
    envFiles,
  });
}

// A Procfile's services run under /bin/sh -c; a .env beside it is read, as foreman and honcho do.
function loadProcfile(text: string, ctx: Context): ProjectSpec {
  const parsed = parseProcfile(text, ctx.label);
  const problems = new ProblemList(ctx.label, parsed.locate);
  for (const p of parsed.problems) problems.addPlaced(p);
  const data = existsSync(join(ctx.dir, '.env')) ? { env_file: '.env', ...parsed.data } : parsed.data;
  const envFiles = readEnvFiles(data, ctx.dir, problems);
  const name = projectName(undefined, ctx.dir, problems);
  problems.throwIfAny();
  const config = data as ConfigFile;
  return normalizeProject({
    config,
    project: name,
    file: ctx.file,
    dir: ctx.dir,
    order: parsed.order,
    envFiles,
  });
}
