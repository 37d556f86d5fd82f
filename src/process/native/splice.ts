// splice and tee: moving log bytes from a FIFO to a file inside the kernel, so a daemon killed
// mid-copy loses nothing (no bytes are ever "read but not yet written" in user space). Both
// report failure as a negative errno: EAGAIN (an empty pipe) is the pump's ordinary answer.
import { errno, family } from './koffi.js';

const SPLICE_F_NONBLOCK = 2;

const lib = family((c) => ({
  splice: c.func(
    'intptr_t splice(int fd_in, void *off_in, int fd_out, void *off_out, size_t len, unsigned int flags)',
  ),
  tee: c.func('intptr_t tee(int fd_in, int fd_out, size_t len, unsigned int flags)'),
}));

const offsetOut = new BigInt64Array(1);

/**
 * Moves up to `len` bytes from the pipe `fdIn` to `fdOut` inside the kernel, non-blocking.
 * With `offset` (a regular file), writes there without using or moving the file position.
 * Returns the bytes moved (0: no writer and empty), or -errno (-EAGAIN: empty pipe).
 */
export function splice(fdIn: number, fdOut: number, len: number, offset?: number): number {
  const c = lib();
  let r: number;
  if (offset === undefined) {
    r = c.splice(fdIn, null, fdOut, null, len, SPLICE_F_NONBLOCK) as number;
  } else {
    offsetOut[0] = BigInt(offset);
    r = c.splice(fdIn, null, fdOut, offsetOut, len, SPLICE_F_NONBLOCK) as number;
  }
  return r < 0 ? -errno() : r;
}

/** Copies up to `len` bytes from pipe `fdIn` to pipe `fdOut` without consuming them; n or -errno. */
export function tee(fdIn: number, fdOut: number, len: number): number {
  const r = lib().tee(fdIn, fdOut, len, SPLICE_F_NONBLOCK) as number;
  return r < 0 ? -errno() : r;
}
