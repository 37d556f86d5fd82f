// corral dashboard [--no-open]: the API on TCP started on 127.0.0.1 (a free port) if it is off,
// then a one-time login URL for a browser: printed (the one line on stdout) and, on a desktop,
// opened with xdg-open. A browser that cannot be opened is no error: the URL was printed.
import type { HttpInfo, LoginLink } from '../../api/http-control.js';
import { DEFAULTS } from '../../defaults.js';
import type { CliContext } from '../context.js';
import { formatDuration } from '../format.js';

export interface DashboardOptions {
  /** commander's --no-open: false */
  open?: boolean;
}

/** Starts the listener if needed, prints the login URL, opens a browser when there is a display. */
export async function dashboard(
  ctx: CliContext,
  opts: DashboardOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const client = await ctx.daemon();
  const info = await client.request<HttpInfo>('POST', '/v1/daemon/http', { address: '127.0.0.1:0' });
  const { url } = await client.request<LoginLink>('POST', '/v1/daemon/login', {});
  ctx.print(url);
  const within = formatDuration(DEFAULTS.internal.loginLinkTtlMs);
  ctx.note(
    `The dashboard of ${ctx.home} is at ${info.url}; the link above logs a browser in once, within ${within}.`,
  );
  if (opts.open === false || !(env.DISPLAY || env.WAYLAND_DISPLAY)) return 0;
  const problem = await openBrowser(url);
  if (problem !== null) ctx.note(`Could not open a browser (${problem}); open the link above in one.`);
  return 0;
}

/** Runs `xdg-open URL`, not waiting for the browser; null once it started, else why it could not. */
async function openBrowser(url: string): Promise<string | null> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    const child = spawn('xdg-open', [url], { detached: true, stdio: 'ignore' });
    child.once('error', (e) => resolve(`xdg-open: ${e.message}`));
    child.once('spawn', () => {
      child.unref();
      resolve(null);
    });
  });
}
