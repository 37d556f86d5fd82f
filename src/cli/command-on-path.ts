// `check`'s look at string commands: the first word of one that runs through /bin/sh -c should
// be a program on PATH (a warning only: PATH, or the files, may differ when it runs).
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { parseProcfile } from '../config/procfile.js';
import { parseYaml, yamlLocator } from '../config/source.js';
import type { ConfigProblem, ProjectSpec } from '../config/types.js';
import { shellCommand } from '../engine/exit-hint.js';

// words the shell runs itself, and what starts a command that is no program name
const SHELL_WORDS = new Set(
  (
    '. : [ alias bg break cd command continue echo eval exec exit export false fg getopts hash jobs kill ' +
    'printf pwd read readonly return set shift test times trap true type ulimit umask unalias unset wait ' +
    'if then else elif fi case esac for while until do done in ! { } ( ) time'
  ).split(' '),
);

/** The program a shell command string starts with, or null when that cannot be told simply. */
export function firstProgram(text: string): string | null {
  const words = text.trim().split(/\s+/);
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i])) i++; // VAR=value prefixes
  const word = words[i];
  if (word === undefined || word === '') return null;
  if (/[$`"'\\*?(){};|&<>~]/.test(word)) return null; // expansions and quoting: the shell decides
  if (SHELL_WORDS.has(word)) return null;
  return word;
}

/** Whether `program` is found as the shell would find it, from `cwd` with `path` as PATH. */
function found(program: string, cwd: string, path: string): boolean {
  const executable = (file: string): boolean => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (program.includes('/')) return executable(isAbsolute(program) ? program : resolve(cwd, program));
  return path.split(delimiter).some((dir) => dir !== '' && executable(join(resolve(cwd, dir), program)));
}

/** A warning for each string command whose first program is not found; placed at the command in the file. */
export function commandsNotFound(
  spec: ProjectSpec,
  file: string,
  text: string,
  format: 'yaml' | 'procfile',
  path: string,
): ConfigProblem[] {
  const locate = format === 'procfile' ? parseProcfile(text, file).locate : yamlLocator(parseYaml(text));
  const out: ConfigProblem[] = [];
  for (const svc of spec.services) {
    const command = shellCommand(svc);
    const program = command === null ? null : firstProgram(command);
    const searched = svc.env.PATH ?? path;
    if (program === null || found(program, svc.cwd, searched)) continue;
    const where = program.includes('/') ? `at ${resolve(svc.cwd, program)}` : `on PATH (${searched})`;
    out.push({
      file,
      ...locate(['services', svc.name, 'command'], 'value'),
      path: `services.${svc.name}.command`,
      message: `"${program}" is not an executable program ${where}; the service would exit 127 if that is still so when it starts`,
    });
  }
  return out;
}
