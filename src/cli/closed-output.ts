// A reader that stops reading (`corral logs | head`) closes our stdout: the command has done
// its job, so it ends quietly with exit 0, as `git log | head` does, never with a stack trace.

/** The listener each stream got, so the daemon can take it off again. */
const installed = new Map<NodeJS.WritableStream, (e: NodeJS.ErrnoException) => void>();

/** What a closed stdout does instead of exiting at once (`run` stops its services first). */
let instead: (() => void) | null = null;

/**
 * Makes EPIPE on `stream` end the process with exit 0 at once (a follow would otherwise write
 * into the void forever), or run what `whenOutputCloses` set, once; any other write error is
 * reported and exits 1.
 */
export function endQuietlyWhenClosed(stream: NodeJS.WritableStream, exit: (code: number) => void): void {
  let closed = false;
  const listener = (e: NodeJS.ErrnoException): void => {
    if (closed) return; // every later write fails the same way
    closed = true;
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') {
      if (instead) instead();
      else exit(0);
      return;
    }
    process.stderr.write(`corral: cannot write the output: ${e.message}\n`);
    exit(1);
  };
  stream.on('error', listener);
  installed.set(stream, listener);
}

/** For a command with something to wind down: `then` runs instead of the exit when stdout closes. */
export function whenOutputCloses(then: () => void): void {
  instead = then;
}

/** Undoes endQuietlyWhenClosed: the daemon is no reader's command, its output failing is not an end. */
export function keepRunningWhenClosed(stream: NodeJS.WritableStream): void {
  const listener = installed.get(stream);
  if (listener) stream.off('error', listener);
  installed.delete(stream);
}
