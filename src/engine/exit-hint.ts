// What an exit code of a shell command means when the shell itself gave it: 127, a program that
// was not found; 126, one that could not be executed. Said in the state's message, with where
// the shell's own words are (the service's log).
import type { ServiceSpec } from '../config/types.js';

/** The command string of a service whose command runs through `/bin/sh -c`, else null. */
export function shellCommand(spec: Pick<ServiceSpec, 'command'>): string | null {
  const [sh, flag, text, ...rest] = spec.command;
  return sh === '/bin/sh' && flag === '-c' && text !== undefined && rest.length === 0 ? text : null;
}

/** A sentence for exit 127 or 126 of a shell command, null for any other exit. */
export function shellExitHint(
  spec: Pick<ServiceSpec, 'command' | 'project' | 'name'>,
  code: number | null,
  signal: string | null,
): string | null {
  if (signal !== null || (code !== 127 && code !== 126) || shellCommand(spec) === null) return null;
  const logs = `see corral logs ${spec.project}/${spec.name}`;
  return code === 127
    ? `a program of the command was not found (the shell's exit 127; ${logs})`
    : `a program of the command could not be executed (the shell's exit 126; ${logs})`;
}
