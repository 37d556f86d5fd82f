// The TCP listener as the daemon holds it: its code is loaded when it is first started, so a
// daemon that never serves the API on TCP loads none of it.
import type { HttpControl, HttpInfo, LoginLink } from './http-control.js';
import { listenerOff } from './http-control.js';
import type { TcpListener, TcpOptions } from './tcp.js';

export class LazyTcpListener implements HttpControl {
  private readonly opts: TcpOptions;
  private listener: TcpListener | null = null;
  private loading: Promise<TcpListener> | null = null;

  constructor(opts: TcpOptions) {
    this.opts = opts;
  }

  info(): HttpInfo {
    return this.listener?.info() ?? { url: null, address: null, public: false };
  }

  async start(address: string, allowPublic: boolean, where?: string): Promise<HttpInfo> {
    this.loading ??= import('./tcp.js').then(({ TcpListener }) => {
      this.listener = new TcpListener(this.opts);
      return this.listener;
    });
    return (await this.loading).start(address, allowPublic, where);
  }

  loginLink(): LoginLink {
    if (!this.listener) throw listenerOff();
    return this.listener.loginLink();
  }

  /** Stops listening and closes every connection (nothing to do when never started). */
  close(): Promise<void> {
    return this.listener?.close() ?? Promise.resolve();
  }
}
