// What `logs -f` and `events -f` say on stderr while the daemon is away: that they reconnect,
// and that they are back; once each per absence, however many streams the command follows.
import type { CliContext } from './context.js';

/**
 * What the streams of one command say on stderr when the daemon goes away and comes back: once
 * each, however many streams it follows.
 */
export function reconnectNotes(ctx: CliContext): { onDrop(reason: string): void; onBack(): void } {
  let away = 0;
  return {
    onDrop: (reason) => {
      if (away++ === 0) ctx.note(`corral: lost the daemon (${reason}); reconnecting…`);
    },
    onBack: () => {
      if (--away === 0) ctx.note('corral: reconnected; going on from where it stopped');
    },
  };
}
