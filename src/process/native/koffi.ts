// The one loader of libc for corral: koffi, loaded lazily on first use, plus errno handling
// shared by every binding family (fd.ts, epoll.ts, splice.ts, socket.ts, pidfd.ts, passwd.ts).
// Linux only; the constants of the family files are those of the generic Linux ABI (x86_64,
// arm64), not MIPS, SPARC or Alpha.
//
// fcntl, ioctl, prctl and syscall are variadic in C. The families declare them with fixed
// integer or pointer arguments: sound on the Linux ABIs of x86_64 and arm64, and it avoids
// koffi's slower variadic path on the log pump's hot path.
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import type * as Koffi from 'koffi';

export type KoffiType = ReturnType<typeof Koffi.struct>;
export type KoffiLibrary = ReturnType<typeof Koffi.load>;

export const EAGAIN: number = osConstants.errno.EAGAIN;
export const EINTR: number = osConstants.errno.EINTR;
export const ECHILD: number = osConstants.errno.ECHILD;
export const ERANGE: number = osConstants.errno.ERANGE;
export const ESRCH: number = osConstants.errno.ESRCH;
export const EBADF: number = osConstants.errno.EBADF;

let loaded: { koffi: typeof Koffi; libc: KoffiLibrary } | undefined;

/** koffi and the symbols of the running program (libc's among them, glibc or musl), loaded once. */
export function native(): { koffi: typeof Koffi; libc: KoffiLibrary } {
  if (loaded) return loaded;
  if (process.platform !== 'linux') {
    throw new Error(
      `corral's process tracking, log channels and sockets need Linux, not ${process.platform}`,
    );
  }
  const require = createRequire(import.meta.url);
  const koffi = require('koffi') as typeof Koffi;
  loaded = { koffi, libc: koffi.load(null) };
  return loaded;
}

/** Binds a family's functions once, on first use: `bind(libc)` runs with the loaded library. */
export function family<T>(bind: (libc: KoffiLibrary, koffi: typeof Koffi) => T): () => T {
  let bound: T | undefined;
  return () => {
    if (bound === undefined) {
      const { koffi, libc } = native();
      bound = bind(libc, koffi);
    }
    return bound;
  };
}

/** The errno left by the last libc call on this thread. */
export function errno(): number {
  return native().koffi.errno();
}

const errnoNames = new Map<number, string>(
  Object.entries(osConstants.errno).map(([name, value]) => [value, name]),
);

/** An Error shaped like Node's own system errors: `code`, `errno` (negative), `syscall`, `path`. */
export class SystemCallError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
  readonly path: string | undefined;

  constructor(syscall: string, errnoValue: number, path?: string) {
    const code = errnoNames.get(errnoValue) ?? `E${errnoValue}`;
    super(`${code}: ${syscall} failed${path === undefined ? '' : ` on ${path}`}`);
    this.name = 'SystemCallError';
    this.code = code;
    this.errno = -errnoValue;
    this.syscall = syscall;
    this.path = path;
  }
}

/** `result` when it is not negative; else throws SystemCallError with the errno. */
export function check(result: number, syscall: string, path?: string): number {
  if (result < 0) throw new SystemCallError(syscall, errno(), path);
  return result;
}
