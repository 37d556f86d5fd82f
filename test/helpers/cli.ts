// Runs the built `corral` CLI as a user would, against a temporary home.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, type TempHome, tempHome } from './home.js';
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
    opts?: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv },
  ): Promise<CliResult>;
  /** starts a long-running corral command (logs -f, run) and returns it; cleanup kills it */
  spawnCorral(args: string[], opts?: { cwd?: string }): ChildProcess & { output(): string };
  writeConfig(text: string, name?: string): string;
  cleanup(): Promise<void>;
}

/** A fresh home and project directory; cleanup stops the daemon and kills everything started. */
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
  const corral: CliEnv['corral'] = (args, opts = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        cwd: opts.cwd ?? projectDir,
        env: { ...env, ...opts.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
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
          new Error(
            `corral ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 30_000} ms\n${stdout}\n${stderr}`,
          ),
        );
      }, opts.timeoutMs ?? 30_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
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
      try {
        await corral(['daemon', 'stop'], { timeoutMs: 15_000 });
      } catch {
        // the marked-pid sweep below takes care of it
      }
      home.cleanup();
    },
  };
}

/** `ps --json`, parsed. */
export async function psJson(
  c: CliEnv,
): Promise<
  Array<Record<string, unknown> & { name: string; state: string; pid: number | null; restarts: number }>
> {
  const r = await c.corral(['ps', '--json']);
  if (r.code !== 0) throw new Error(`ps failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Waits until ps shows `name` in `state` and returns its row. */
export async function waitForState(
  c: CliEnv,
  name: string,
  state: string,
  timeout = 15_000,
): Promise<Record<string, unknown> & { pid: number | null; restarts: number; state: string; name: string }> {
  return waitFor(async () => (await psJson(c)).find((p) => p.name === name && p.state === state), {
    timeout,
    interval: 50,
    what: `${name} to be ${state}`,
  });
}
