// Runs the built `corral` CLI as a user would, against a temporary home; a test's setup (a home
// of its own, a project up); and psJson/waitForState, which ask the daemon over its socket
// (daemon-api.ts) instead of starting the CLI for every look.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type DaemonHome, type ServiceRow, services, waitForRow } from './daemon-api.js';
import { CLI, fixture, type TempHome, tempHome } from './home.js';
import { isGone } from './proc.js';
import { waitFor } from './wait.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliEnv {
  home: TempHome;
  /** where the test writes its project files */
  projectDir: string;
  env: NodeJS.ProcessEnv;
  corral(
    args: string[],
    opts?: {
      cwd?: string;
      timeoutMs?: number;
      env?: NodeJS.ProcessEnv;
      /** runs the CLI through this command: `['setpriv', '--reuid=nobody', …]` */
      prefix?: string[];
    },
  ): Promise<CliResult>;
  /** starts a long-running corral command (logs -f, run) and returns it; cleanup kills it */
  spawnCorral(args: string[], opts?: { cwd?: string }): ChildProcess & { output(): string };
  writeConfig(text: string, name?: string): string;
  cleanup(): Promise<void>;
}

/** Runs `command` to its end: its exit code and output; rejects (having killed it) after `timeoutMs`. */
export function runProcess(
  command: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; what?: string },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${opts.what ?? command} did not finish in ${opts.timeoutMs} ms\n${stdout}\n${stderr}`),
      );
    }, opts.timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A fresh home and project directory; cleanup kills the daemon and everything started. */
export function cliEnv(): CliEnv {
  const home = tempHome();
  const projectDir = join(home.dir, 'project');
  mkdirSync(projectDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CORRAL_HOME: join(home.dir, 'home'),
    CORRAL_TEST_HOME: home.dir,
    NO_COLOR: '1',
  };
  const children: ChildProcess[] = [];
  const corral: CliEnv['corral'] = (args, opts = {}) => {
    const [command, ...argv] = [...(opts.prefix ?? []), process.execPath, CLI, ...args];
    return runProcess(command, argv, {
      cwd: opts.cwd ?? projectDir,
      env: { ...env, ...opts.env },
      timeoutMs: opts.timeoutMs ?? 30_000,
      what: `corral ${args.join(' ')}`,
    });
  };
  return {
    home,
    projectDir,
    env,
    corral,
    spawnCorral(args, opts = {}) {
      const child = spawn(process.execPath, [CLI, ...args], {
        cwd: opts.cwd ?? projectDir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      }) as ChildProcess & { output(): string };
      let out = '';
      child.stdout?.on('data', (d) => {
        out += d;
      });
      child.stderr?.on('data', (d) => {
        out += d;
      });
      child.output = () => out;
      children.push(child);
      return child;
    },
    writeConfig(text, name = 'corral.yaml') {
      const path = join(projectDir, name);
      writeFileSync(path, text);
      return path;
    },
    async cleanup() {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      // no graceful `daemon stop` (a Node start-up, and a wait for every stop timeout): the
      // daemon, its services and whatever they started all carry the home's mark, and go at once
      home.cleanup();
    },
  };
}

/**
 * The rows `ps --json` prints, asked of the daemon over its socket (GET /v1/services) rather
 * than by starting the CLI; a test of the CLI's own output runs `c.corral(['ps', '--json'])`.
 */
export function psJson(c: DaemonHome): Promise<ServiceRow[]> {
  return services(c);
}

/** Waits until the daemon reports `name` in `state` (re-checked on each of its events) and returns its row. */
export function waitForState(
  c: DaemonHome,
  name: string,
  state: string,
  timeout = 15_000,
): Promise<ServiceRow> {
  return waitForRow(c, (p) => p.name === name && p.state === state, {
    timeout,
    what: `${name} to be ${state}`,
  });
}

/** A fresh CLI environment for test `t`; when it ends, the daemon and every process it started are killed. */
export function homeFor(t: TestContext): CliEnv {
  const c = cliEnv();
  t.after(() => c.cleanup());
  return c;
}

/**
 * The setup most e2e tests share: a fresh home for `t`, `config` written as corral.yaml, and
 * `corral up --wait` (or `--no-wait`) run, which must succeed.
 */
export async function upProject(
  t: TestContext,
  config: string,
  { wait = true }: { wait?: boolean } = {},
): Promise<CliEnv> {
  const c = homeFor(t);
  c.writeConfig(config);
  const r = await c.corral(['up', wait ? '--wait' : '--no-wait']);
  assert.equal(r.code, 0, `corral up failed:\n${r.stderr}`);
  return c;
}

/** The pid the home's daemon wrote to `daemon.pid`. */
export function daemonPid(c: CliEnv): number {
  return Number(readFileSync(join(c.env.CORRAL_HOME as string, 'daemon.pid'), 'utf8'));
}

/** SIGKILLs the home's daemon and resolves with its pid once it is gone. */
export async function killDaemon(c: CliEnv): Promise<number> {
  const pid = daemonPid(c);
  process.kill(pid, 'SIGKILL');
  await waitFor(() => isGone(pid), { what: `daemon ${pid} to die` });
  return pid;
}

/**
 * `corral up --wait` in the project, with the daemon it starts (which inherits NODE_OPTIONS)
 * writing each module it loads to daemon.log; `daemonModules` reads them.
 */
export async function upListingModules(c: CliEnv): Promise<void> {
  const up = await runProcess(process.execPath, [CLI, 'up', '--wait'], {
    cwd: c.projectDir,
    env: { ...c.env, NODE_OPTIONS: `--import=${fixture('list-modules.mjs')}` },
    timeoutMs: 30_000,
  });
  assert.equal(up.code, 0, up.stderr);
}

/** The modules a daemon started by upListingModules loaded (read it after the daemon stopped). */
export function daemonModules(c: CliEnv): string[] {
  return readFileSync(join(c.env.CORRAL_HOME!, 'daemon.log'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('module: '));
}
