// A reader that stops reading (`corral logs | head`) closes our stdout: the command has done
// its job, so it ends quietly with exit 0, as `git log | head` does, never with a stack trace.

/** The listener each stream got, so the daemon can take it off again. */
const installed = new Map<NodeJS.WritableStream, (e: NodeJS.ErrnoException) => void>();

/**
 * Makes EPIPE on `stream` end the process with exit 0 at once (a follow would otherwise write
 * into the void forever); any other write error is reported and exits 1.
 */
export function endQuietlyWhenClosed(stream: NodeJS.WritableStream, exit: (code: number) => void): void {
  const listener = (e: NodeJS.ErrnoException): void => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') {
      exit(0);
      return;
    }
    process.stderr.write(`corral: cannot write the output: ${e.message}\n`);
    exit(1);
  };
  stream.on('error', listener);
  installed.set(stream, listener);
}

/** Undoes endQuietlyWhenClosed: the daemon is no reader's command, its output failing is not an end. */
export function keepRunningWhenClosed(stream: NodeJS.WritableStream): void {
  const listener = installed.get(stream);
  if (listener) stream.off('error', listener);
  installed.delete(stream);
}
