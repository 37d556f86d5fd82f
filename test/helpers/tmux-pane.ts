// A program run in a pane of a private tmux server (its socket in the test's own directory),
// for tests of what a terminal shows: keys typed with sendKeys, the screen read with capture.
// The server and the pane's processes carry the test's environment, so the home's cleanup
// kills them too; close() ends the server at once.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from './wait.js';

export interface PaneOptions {
  /** the test's directory: the server's socket goes there */
  dir: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  width?: number;
  height?: number;
}

export class TmuxPane {
  private readonly socket: string;
  private readonly env: NodeJS.ProcessEnv;

  /** Starts `shellCommand` (run by /bin/sh) in a new pane; the pane stays once it ends. */
  constructor(shellCommand: string, opts: PaneOptions) {
    this.socket = join(opts.dir, 'tmux.sock');
    this.env = opts.env;
    const size = ['-x', String(opts.width ?? 100), '-y', String(opts.height ?? 30)];
    // the pane keeps showing what the command wrote after it ends: it ends in a sleep
    const kept = `${shellCommand}; echo "[exit $?]"; exec sleep 600`;
    this.tmux(['-f', '/dev/null', 'new-session', '-d', ...size, '-c', opts.cwd, kept]);
  }

  /** The screen's text; with `escapes`, with its colour and attribute sequences. */
  capture(escapes = false): string {
    return this.tmux(['capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', '0']);
  }

  /** Types keys (tmux key names: Enter, Tab, C-c, or literal text). */
  sendKeys(...keys: string[]): void {
    this.tmux(['send-keys', '-t', '0', ...keys]);
  }

  /** Waits until the screen matches `pattern`, and returns it. */
  async waitFor(pattern: RegExp, what: string, timeout = 20_000): Promise<string> {
    try {
      return await waitFor(
        () => {
          const screen = this.capture();
          return pattern.test(screen) ? screen : null;
        },
        { timeout, interval: 50, what },
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}; the screen:\n${this.capture()}`);
    }
  }

  /** Ends the server and everything in its panes. */
  close(): void {
    try {
      this.tmux(['kill-server']);
    } catch {
      // already gone
    }
  }

  private tmux(args: string[]): string {
    return execFileSync('tmux', ['-S', this.socket, ...args], { env: this.env, encoding: 'utf8' });
  }
}
