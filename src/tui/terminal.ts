// The terminal `top` draws on: the alternate screen, no cursor, no line wrap, raw input; and
// the promise to give it back as it was, whatever ends the program (q, Ctrl-C, SIGTERM,
// SIGHUP, an exception, process.exit). Ctrl-Z gives it back too, and takes it again on SIGCONT.
import { writeSync } from 'node:fs';

// alternate screen on, cursor hidden, autowrap off (the last cell of a row never scrolls)
const ENTER = '\x1b[?1049h\x1b[?25l\x1b[?7l';
// attributes reset, autowrap on, cursor shown, back to the normal screen
const LEAVE = '\x1b[0m\x1b[?7h\x1b[?25h\x1b[?1049l';

/** The streams of a terminal: stdin and stdout when both are TTYs. */
export interface TerminalStreams {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
}

export class Terminal {
  private readonly input: NodeJS.ReadStream;
  private readonly output: NodeJS.WriteStream;
  private active = false;
  private readonly fd: number;
  /** while a pager runs: Ctrl-C and Ctrl-\\ are the pager's (they reach the whole process group) */
  interruptsElsewhere = false;
  /** called after SIGCONT put the terminal back in top's hands (redraw everything) */
  onResume: () => void = () => {};

  constructor({ input, output }: TerminalStreams) {
    this.input = input;
    this.output = output;
    this.fd = (output as unknown as { fd?: number }).fd ?? 1;
  }

  /** Columns and rows now. */
  get size(): { cols: number; rows: number } {
    return { cols: this.output.columns ?? 80, rows: this.output.rows ?? 24 };
  }

  /** Takes the terminal: alternate screen, raw input. */
  enter(): void {
    if (this.active) return;
    this.active = true;
    this.input.setRawMode(true);
    this.input.resume();
    this.write(ENTER);
  }

  /** Gives the terminal back as it was; safe to call at any time, any number of times. */
  leave(): void {
    if (!this.active) return;
    this.active = false;
    this.write(LEAVE);
    try {
      this.input.setRawMode(false);
    } catch {
      // the terminal is gone (SIGHUP): nothing to restore
    }
    this.input.pause();
  }

  /** Writes at once (synchronously: the last frame or the restore must not wait for a loop turn). */
  write(text: string): void {
    if (text === '') return;
    try {
      writeSync(this.fd, text);
    } catch {
      // a terminal that went away (SIGHUP) takes no more output
    }
  }

  /**
   * Makes sure the terminal is given back however the program ends, and that a signal that
   * ends it exits with 128+N. Returns a function that removes these handlers.
   */
  guard(quit: (code: number) => void): () => void {
    const onExit = (): void => this.leave();
    const onSignal = (signal: NodeJS.Signals, n: number) => (): void => {
      if (this.interruptsElsewhere && (signal === 'SIGINT' || signal === 'SIGQUIT')) return;
      this.leave();
      quit(128 + n);
    };
    const fail = (e: unknown): void => {
      this.leave();
      process.stderr.write(`corral top: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      quit(1);
    };
    const onCont = (): void => {
      if (this.suspended) {
        this.suspended = false;
        this.enter();
        this.onResume();
      }
    };
    const handlers: Array<[string, (...args: never[]) => void]> = [
      ['exit', onExit],
      ['SIGTERM', onSignal('SIGTERM', 15)],
      ['SIGHUP', onSignal('SIGHUP', 1)],
      ['SIGINT', onSignal('SIGINT', 2)],
      ['SIGQUIT', onSignal('SIGQUIT', 3)],
      ['uncaughtException', fail],
      ['unhandledRejection', fail],
      ['SIGCONT', onCont],
    ];
    for (const [event, fn] of handlers) process.on(event as 'exit', fn as () => void);
    return () => {
      for (const [event, fn] of handlers) process.off(event as 'exit', fn as () => void);
    };
  }

  private suspended = false;

  /** Ctrl-Z: gives the terminal back and stops the process; SIGCONT (fg) takes it again. */
  suspend(): void {
    this.leave();
    this.suspended = true;
    process.kill(process.pid, 'SIGTSTP');
  }
}
