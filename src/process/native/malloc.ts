// The C allocator: giving back to the kernel the memory freed after a burst (glibc's
// malloc_trim). musl has no malloc_trim: there it is a no-op.
import { family } from './koffi.js';

const lib = family((c) => {
  try {
    return { mallocTrim: c.func('int malloc_trim(size_t pad)') };
  } catch {
    return { mallocTrim: null };
  }
});

/** Returns the allocator's free memory to the kernel where libc can (glibc); whether it could. */
export function trimMalloc(): boolean {
  const trim = lib().mallocTrim;
  if (trim === null) return false;
  trim(0);
  return true;
}
