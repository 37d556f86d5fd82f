// Node's on-disk compile cache for corral's own modules (Node 22.1 and later; nothing happens on
// older Nodes): every command, and the daemon it starts, loads cached bytecode after the first run.
import * as nodeModule from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { DEFAULTS } from '../defaults.js';

/** The parts of node:module that Node 22.1+ adds (absent from Node 20 and its types). */
interface CompileCacheApi {
  enableCompileCache?: (directory?: string) => unknown;
  flushCompileCache?: () => void;
}

const api = nodeModule as unknown as CompileCacheApi;

/**
 * Where the cache lives: $NODE_COMPILE_CACHE when set (Node reads it too), else a directory of the
 * user's own, never one in /tmp that another user could have made first.
 */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NODE_COMPILE_CACHE) return env.NODE_COMPILE_CACHE;
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.cache');
  return join(base, DEFAULTS.internal.compileCacheDir);
}

/** Turns the compile cache on where the runtime has it; a cache that cannot be made is only slower. */
export function enableCompileCache(): void {
  if (typeof api.enableCompileCache !== 'function') return;
  try {
    api.enableCompileCache(compileCacheDir());
  } catch {
    // an unwritable cache directory: the command runs as it would without a cache
  }
}

/** Writes what was compiled so far (Node 22.10+), so a daemon that never exits cleanly still leaves its cache. */
export function flushCompileCache(): void {
  try {
    api.flushCompileCache?.();
  } catch {
    // as above: no cache, nothing else lost
  }
}
