// corral completion bash|zsh|fish: a script for the shell that completes corral's commands,
// flags, and service and project names. The script asks `corral __complete -- WORDS...` (hidden)
// what fits: commands and flags come from the program itself, names from a daemon of the home
// when one answers at once; it never starts a daemon and never reads a config file.
import { existsSync } from 'node:fs';
import type { Argument, Command, Option } from 'commander';
import type { ProjectInfo } from '../../api/schemas.js';
import { findConfigFile } from '../../config/find.js';
import { homePaths, resolveHome } from '../../daemon/home.js';
import { DEFAULTS } from '../../defaults.js';
import { signalNames } from '../../signals.js';
import { COMPLETE_COMMAND, type Shell } from '../completion-shells.js';
import type { Output } from '../context.js';

/** What a candidate line says instead of words: complete file names here. */
const FILES = ':file';

/** Prints the completion script of `shell`. */
export function completion(io: Output, shell: Shell): number {
  io.out.write(SCRIPTS[shell]);
  return 0;
}

/**
 * Answers a script: `words` are the words after `corral` up to the cursor, the last one the
 * word being completed (empty after a space). Prints one `candidate<TAB>description` a line,
 * or `:file` when file names fit there.
 */
export async function complete(
  program: Command,
  words: readonly string[],
  io: Output,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const typed = words[0] === '--' ? words.slice(1) : [...words];
  const current = typed.pop() ?? '';
  const at = where(program, typed);
  const home = resolveHome(at.home, env);
  const lines = await candidates(program, at, current, home);
  if (lines === FILES) io.out.write(`${FILES}\n`);
  else
    for (const [value, description] of lines)
      if (value.startsWith(current)) io.out.write(`${value}\t${description}\n`);
  return 0;
}

/** Where the cursor stands: in which command, after how many arguments, after which option. */
interface Position {
  command: Command;
  /** arguments of `command` typed before the cursor */
  positional: number;
  /** the option whose value is being typed, if any */
  valueOf: Option | null;
  /** --home given on the line */
  home: string | undefined;
}

/** Walks the words before the cursor as the parser would: subcommands, options and their values. */
function where(program: Command, words: readonly string[]): Position {
  const at: Position = { command: program, positional: 0, valueOf: null, home: undefined };
  let afterDashes = false;
  for (const word of words) {
    if (at.valueOf) {
      if (at.valueOf.long === '--home') at.home = word;
      at.valueOf = null;
      continue;
    }
    if (word === '--') afterDashes = true;
    else if (!afterDashes && word.startsWith('-') && word.length > 1) {
      const [flag, value] = word.split(/=(.*)/s, 2);
      const option = optionOf(at.command, flag) ?? optionOf(program, flag);
      if (option?.long === '--home' && value !== undefined) at.home = value;
      if (option && (option.required || option.optional) && value === undefined) at.valueOf = option;
    } else {
      const sub = at.positional === 0 ? at.command.commands.find((c) => c.name() === word) : undefined;
      if (sub) at.command = sub;
      else at.positional++;
    }
  }
  return at;
}

function optionOf(command: Command, flag: string): Option | undefined {
  return command.options.find((o) => o.long === flag || o.short === flag);
}

type Lines = Array<[string, string]> | typeof FILES;

/** What fits at the cursor. */
async function candidates(program: Command, at: Position, current: string, home: string): Promise<Lines> {
  const { command } = at;
  if (at.valueOf) return valuesOf(at.valueOf, home);
  const help = command.createHelp();
  if (current.startsWith('-')) {
    return help.visibleOptions(command).flatMap((o) => {
      const flags = [o.long, o.short].filter((f): f is string => f !== undefined);
      return flags.map((f): [string, string] => [f, o.description]);
    });
  }
  if (command.commands.length > 0 && at.positional === 0)
    return help.visibleCommands(command).map((c) => [c.name(), summary(c.description())]);
  const args = command.registeredArguments;
  const arg: Argument | undefined = args[at.positional] ?? (args.at(-1)?.variadic ? args.at(-1) : undefined);
  if (!arg) return [];
  if (arg.argChoices) return arg.argChoices.map((c) => [c, '']);
  if (arg.name() === 'file') return FILES;
  if (arg.name() === 'project') return projectLines(await loaded(home));
  if (arg.name() === 'service') {
    const projects = await loaded(home);
    // up and run take the services of the config file here, as they are named in it
    if (command.parent === program && ['up', 'run'].includes(command.name())) return fileServices(projects);
    return serviceLines(projects);
  }
  return [];
}

/** Values of an option: its choices, file names, signals, or names of the daemon's. */
async function valuesOf(option: Option, home: string): Promise<Lines> {
  if (option.argChoices) return option.argChoices.map((c) => [c, '']);
  switch (option.long) {
    case '--file':
    case '--output':
    case '--home':
      return FILES;
    case '--project':
      return projectLines(await loaded(home));
    case '--exit-with':
      return fileServices(await loaded(home));
    case '--signal':
      return signalNames().map((s) => [s, '']);
    default:
      return [];
  }
}

/** The first sentence-part of a description, short enough for a completion menu. */
function summary(description: string): string {
  return description.split(/[:;(]/)[0].trim();
}

function projectLines(projects: readonly ProjectInfo[]): Array<[string, string]> {
  return projects.map((p) => [p.name, `project, ${p.services.length} services`]);
}

/** Services of the project loaded from the config file here, as the file names them. */
function fileServices(projects: readonly ProjectInfo[]): Array<[string, string]> {
  const here = projectHere(projects);
  return here ? here.services.map((s) => [s.name, `service of ${here.name}`]) : [];
}

/**
 * Every name a service argument takes: bare service names (those of the project here first),
 * instances of multi-instance services, project-qualified names, and project names.
 */
function serviceLines(projects: readonly ProjectInfo[]): Array<[string, string]> {
  const here = projectHere(projects);
  const ordered = here ? [here, ...projects.filter((p) => p !== here)] : [...projects];
  const bare = new Map<string, string>();
  const qualified: Array<[string, string]> = [];
  for (const p of ordered) {
    for (const s of p.services) {
      if (!bare.has(s.name)) bare.set(s.name, `service of ${p.name}`);
      qualified.push([`${p.name}/${s.name}`, 'service']);
      for (let i = 0; i < s.instances && s.instances > 1; i++) {
        if (p === here || !here) qualified.push([`${s.name}:${i}`, `instance of ${p.name}/${s.name}`]);
        qualified.push([`${p.name}/${s.name}:${i}`, 'instance']);
      }
    }
  }
  return [...bare, ...qualified, ...projectLines(ordered)];
}

/** The project loaded from the config file of the current directory, if any. */
function projectHere(projects: readonly ProjectInfo[]): ProjectInfo | undefined {
  let file: string;
  try {
    file = findConfigFile(process.cwd());
  } catch {
    return undefined;
  }
  return projects.find((p) => p.file === file);
}

/**
 * The projects a running daemon of `home` has loaded; none when no daemon answers within
 * `internal.completionTimeoutMs` (a daemon is never started for a completion).
 */
async function loaded(home: string): Promise<ProjectInfo[]> {
  const socket = homePaths(home).socket;
  if (!existsSync(socket)) return [];
  const { CorralClient } = await import('../../client/client.js');
  try {
    return await new CorralClient(socket).projects({
      signal: AbortSignal.timeout(DEFAULTS.internal.completionTimeoutMs),
    });
  } catch {
    return [];
  }
}

const BASH = `# corral completion for bash. Load it in this shell:  source <(corral completion bash)
# or for every shell:  corral completion bash > ~/.local/share/bash-completion/completions/corral
_corral_complete() {
  local line=\${COMP_LINE:0:COMP_POINT} cur=\${COMP_WORDS[COMP_CWORD]}
  local -a words
  read -ra words <<<"$line"
  [[ $line =~ [[:space:]]$ ]] && words+=('')
  local out
  out=$(command corral ${COMPLETE_COMMAND} -- "\${words[@]:1}" 2>/dev/null) || return 0
  COMPREPLY=()
  if [[ $out == '${FILES}' ]]; then
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    return 0
  fi
  # bash splits words at : and = (COMP_WORDBREAKS): reply with what follows the last one
  local typed=\${words[-1]} pre='' l
  [[ $typed == *[:=]* && $cur != "$typed" ]] && pre=\${typed%"\${typed##*[:=]}"}
  while IFS= read -r l; do
    [[ -n $l ]] && COMPREPLY+=("\${l%%$'\\t'*}")
  done <<<"$out"
  [[ -n $pre ]] && COMPREPLY=("\${COMPREPLY[@]#"$pre"}")
  return 0
}
complete -F _corral_complete corral
`;

const ZSH = `#compdef corral
# corral completion for zsh. Load it in this shell (after compinit):  source <(corral completion zsh)
# or for every shell:  corral completion zsh > "\${fpath[1]}/_corral"
compdef _corral corral
_corral() {
  local -a out described
  local line
  out=("\${(@f)$(command corral ${COMPLETE_COMMAND} -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ \${out[1]} == '${FILES}' ]]; then
    _files
    return
  fi
  for line in "\${out[@]}"; do
    [[ -n $line ]] || continue
    described+=("\${\${line%%$'\\t'*}//:/\\\\:}:\${line#*$'\\t'}")
  done
  _describe -t corral corral described
}
if [[ "\${funcstack[1]}" == _corral ]]; then _corral "$@"; fi
`;

const FISH = `# corral completion for fish. Load it in this shell:  corral completion fish | source
# or for every shell:  corral completion fish > ~/.config/fish/completions/corral.fish
function __corral_complete
    set -l words (commandline -opc)
    set -e words[1]
    set -l current (commandline -ct)
    set -l out (command corral ${COMPLETE_COMMAND} -- $words "$current" 2>/dev/null)
    if test "$out" = '${FILES}'
        __fish_complete_path "$current"
    else
        printf '%s\\n' $out
    end
end
complete -c corral -f -a '(__corral_complete)'
`;

const SCRIPTS: Record<Shell, string> = { bash: BASH, zsh: ZSH, fish: FISH };
