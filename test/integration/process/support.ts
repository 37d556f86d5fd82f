// Starting fixture programs through spawnService, with their output captured, their exit
// awaited and every one of them registered for cleanup.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type SpawnServiceOptions, spawnService } from '../../../src/process/spawn.js';
import { fixture, type TempHome } from '../../helpers/home.js';
import { waitFor } from '../../helpers/wait.js';

export interface Started {
  pid: number;
  startTime: number;
  child: ChildProcess;
  /** settles with how the process ended */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** everything it printed on stdout so far */
  output(): string;
  /** everything it printed on stderr so far */
  errors(): string;
  /** resolves with the first stdout line that contains `text` */
  line(text: string): Promise<string>;
}

/** The environment of test processes: marked so that cleanup finds them however deep they are. */
export function testEnv(home: TempHome): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', CORRAL_TEST_HOME: home.dir };
}

/** Starts `node test/fixtures/NAME ARGS…` as a service process. */
export function startFixture(
  home: TempHome,
  name: string,
  args: string[] = [],
  opts: Partial<SpawnServiceOptions> = {},
): Started {
  const result = spawnService({
    argv: [process.execPath, fixture(name), ...args],
    cwd: home.dir,
    env: testEnv(home),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...opts,
  });
  if ('error' in result) throw new Error(result.error);
  home.track(result.pid);
  return capture(result.child, result.pid, result.startTime);
}

/** Wraps a spawned child whose stdout is a pipe. */
export function capture(child: ChildProcess, pid: number, startTime: number): Started {
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const line = (text: string): Promise<string> =>
    waitFor(
      () =>
        out
          .split('\n')
          .slice(0, -1)
          .find((l) => l.includes(text)),
      { what: `a line with "${text}"` },
    );
  return { pid, startTime, child, exited, output: () => out, errors: () => err, line };
}

/** Whether this process's fd is close-on-exec, as the kernel reports it (/proc/self/fdinfo: flags, octal). */
export function isCloseOnExec(fd: number): boolean {
  const flags = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'));
  if (!flags) throw new Error(`no flags in /proc/self/fdinfo/${fd}`);
  return (Number.parseInt(flags[1], 8) & 0o2000000) !== 0; // O_CLOEXEC
}
