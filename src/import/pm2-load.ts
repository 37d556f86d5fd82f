// Reads a PM2 ecosystem file. A .js/.cjs/.mjs file is code: it is evaluated in a separate Node
// process, with a deadline and an environment of PATH, HOME and only the variables the file names
// (`process.env.X`), and hands its export back as JSON. A .json file is parsed, not run.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULTS } from '../defaults.js';
import { spawnChild } from '../process/children.js';
import { ImportError } from './errors.js';

// The evaluator: imports the file and writes {ok} or {error, stack} on fd 3 (stdout stays the file's).
const EVALUATOR = `
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
let out;
try {
  // PM2 require()s .js and .cjs files; ES modules (.mjs, or require() refused) are imported
  const url = process.argv[1];
  let value;
  if (!url.endsWith('.mjs')) {
    try {
      value = createRequire(url)(fileURLToPath(url));
      // an ES module require()d (Node 20.19 and later): its namespace
      if (value && (value[Symbol.toStringTag] === 'Module' || value.__esModule) && 'default' in value) value = value.default;
    } catch (e) {
      if (!e || e.code !== 'ERR_REQUIRE_ESM') throw e;
    }
  }
  if (value === undefined) {
    const m = await import(url);
    value = m.default ?? { ...m };
  }
  out = { ok: value };
} catch (e) {
  out = { error: String(e && e.message !== undefined ? e.message : e), stack: String((e && e.stack) || ''), syntax: e instanceof SyntaxError };
}
writeSync(3, JSON.stringify(out, (k, v) => (typeof v === 'function' ? '[function]' : v)) ?? 'null');
process.exit(0);
`;

/** The variables a file reads (`process.env.NAME`, `process.env['NAME']`), with PATH and HOME. */
export function environmentFor(text: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const names = new Set(['PATH', 'HOME']);
  for (const m of text.matchAll(/process\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['"]([^'"]+)['"]\s*\])/g))
    names.add(m[1] ?? m[2]);
  const out: NodeJS.ProcessEnv = {};
  for (const name of names) if (env[name] !== undefined) out[name] = env[name];
  return out;
}

/** The object an ecosystem file exports; an ImportError with file and line when it cannot be had. */
export async function loadEcosystem(
  file: string,
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<unknown> {
  const text = readFileSync(file, 'utf8');
  if (/\.json$/i.test(file)) return parseJson(file, text);
  const timeoutMs = opts.timeoutMs ?? DEFAULTS.internal.importEvalTimeoutMs;
  const run = await runNode(['--input-type=module', '-e', EVALUATOR, pathToFileURL(file).href], {
    cwd: dirname(file),
    env: environmentFor(text, opts.env ?? process.env),
    timeoutMs,
  });
  if (run.timedOut) {
    throw new ImportError(
      `${file}: still running after ${timeoutMs} ms, so it was stopped; an ecosystem file must only build its config (does it start a server, or wait for something?)`,
    );
  }
  if (run.fd3 === '') {
    throw new ImportError(`${file}: could not be evaluated (exit ${run.exit}): ${run.stderr.trim()}`);
  }
  const answer = JSON.parse(run.fd3) as { ok?: unknown; error?: string; stack?: string; syntax?: boolean };
  if (answer.error === undefined) return answer.ok;
  const at = lineOf(file, answer.stack ?? '') ?? (answer.syntax ? await syntaxLine(file) : null);
  const where = at === null ? file : `${file}:${at}`;
  throw new ImportError(
    `${where}: the ecosystem file threw ${answer.syntax ? 'a SyntaxError: ' : ''}${answer.error}`,
  );
}

interface NodeRun {
  fd3: string;
  stderr: string;
  exit: string;
  timedOut: boolean;
}

/** Runs node in a process group of its own, killed whole (SIGKILL) at the deadline; what it wrote on fd 3 and stderr. */
function runNode(
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<NodeRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawnChild(process.execPath, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let fd3 = '';
    let stderr = '';
    let timedOut = false;
    child.stdio[3]?.on('data', (d: Buffer) => {
      fd3 += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, opts.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ fd3, stderr, exit: String(code ?? signal), timedOut });
    });
  });
}

/** `LINE` or `LINE:COL` of the first stack frame in `file`. */
function lineOf(file: string, stack: string): string | null {
  for (const prefix of [file, pathToFileURL(file).href]) {
    const i = stack.indexOf(`${prefix}:`);
    if (i < 0) continue;
    const m = /^:(\d+)(?::(\d+))?/.exec(stack.slice(i + prefix.length));
    if (m !== null) return m[2] === undefined ? m[1] : `${m[1]}:${m[2]}`;
  }
  return null;
}

/** Where `node --check` places a syntax error (ES modules report none through import()). */
async function syntaxLine(file: string): Promise<string | null> {
  const r = await runNode(['--check', file], { cwd: dirname(file), env: {}, timeoutMs: 10_000 });
  return lineOf(file, r.stderr);
}

/** A PM2 .json file, with a problem's line and column when it is not JSON. */
function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const pos = /position (\d+)/.exec(message);
    if (pos === null) throw new ImportError(`${file}: not JSON: ${message}`);
    const before = text.slice(0, Number(pos[1]));
    const line = before.split('\n').length;
    const col = Number(pos[1]) - before.lastIndexOf('\n');
    throw new ImportError(`${file}:${line}:${col}: not JSON: ${message}`);
  }
}
