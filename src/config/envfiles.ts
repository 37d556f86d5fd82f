// Reads the env files a config names (project and services), reporting unreadable or malformed ones.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDotenv } from './dotenv.js';
import type { ConfigPath, ProblemList } from './problems.js';

/** Variables of each env file read, by absolute path. */
export type EnvFiles = Map<string, Record<string, string>>;

interface EnvFileRef {
  file: string;
  path: ConfigPath;
}

// The files an `env_file` value names (a path or a list), resolved against `dir`; other shapes name none.
function refs(value: unknown, dir: string, path: ConfigPath): EnvFileRef[] {
  if (typeof value === 'string' && value !== '') return [{ file: resolve(dir, value), path }];
  if (!Array.isArray(value)) return [];
  return value.flatMap((v, i) =>
    typeof v === 'string' && v !== '' ? [{ file: resolve(dir, v), path: [...path, i] }] : [],
  );
}

/** Absolute paths named by an `env_file` value, in order (later files win). */
export function envFilePaths(value: unknown, dir: string): string[] {
  return refs(value, dir, []).map((r) => r.file);
}

/** Reads every env file of the config `data`, tolerating any shape of data; problems go to `problems`. */
export function readEnvFiles(data: unknown, dir: string, problems: ProblemList): EnvFiles {
  const files: EnvFiles = new Map();
  const all: EnvFileRef[] = [];
  if (isObject(data)) {
    all.push(...refs(data.env_file, dir, ['env_file']));
    if (isObject(data.services)) {
      for (const [name, service] of Object.entries(data.services)) {
        if (isObject(service)) all.push(...refs(service.env_file, dir, ['services', name, 'env_file']));
      }
    }
  }
  for (const { file, path } of all) {
    if (files.has(file)) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      problems.add(path, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      continue;
    }
    const parsed = parseDotenv(text);
    for (const p of parsed.problems) problems.addPlaced({ file, ...p, path: path.join('.') });
    files.set(file, parsed.vars);
  }
  return files;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
