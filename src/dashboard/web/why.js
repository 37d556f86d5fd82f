// Why a process is in its state, in words, from its status and its definition: the backoff time
// left and what it last ended with, the dependency it waits for, the check it waits on, the
// reason it gave up. Pure: status, definition and the time in, a sentence and a tone out.
import { dateTime, duration, exit, ms, timeLeft } from './format.js';

/** A probe of the definition in words, as the config writes it: `http http://…/healthz`, `tcp 127.0.0.1:5432`. */
export function probeText(check) {
  if (!check) return 'none';
  switch (check.kind) {
    case 'http':
      return `http ${check.url}${check.status ? ` (status ${check.status})` : ''}`;
    case 'tcp':
      return `tcp ${check.host}:${check.port}`;
    case 'exec':
      return `exec ${(check.command ?? []).join(' ')}`;
    case 'log':
      return `log /${check.pattern}/`;
    case 'notify':
      return 'notify (READY=1)';
    default:
      return JSON.stringify(check);
  }
}

// A message of the daemon as a sentence: a capital first, a full stop last.
function sentence(text) {
  const t = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** The sentence and its tone ('ok', 'warn', 'bad') for process `p` (`def` may be null) at `now`. */
export function explain(p, def, now) {
  const message = p.message ? ` ${sentence(p.message)}` : '';
  const lastExit = p.last_exit ? ` It last ended with ${exit(p.last_exit)}.` : '';
  switch (p.state) {
    case 'running': {
      const since = p.started_at
        ? ` since ${dateTime(p.started_at)} (${duration(now - Date.parse(p.started_at))})`
        : '';
      const health = def?.health ? ` Health check (${probeText(def.health.check)}): ${p.health}.` : '';
      const status = p.status_text ? ` It says: “${p.status_text}”.` : '';
      return {
        tone: p.health.startsWith('unhealthy') ? 'warn' : 'ok',
        text: `Running${since}.${health}${status}`,
      };
    }
    case 'starting': {
      const ready = def?.ready
        ? ` Waiting for its ready check (${probeText(def.ready.check)}), for at most ${ms(def.ready.timeoutMs)}.`
        : '';
      return { tone: 'warn', text: `Starting.${ready}${message}` };
    }
    case 'waiting': {
      const deps = def ? Object.entries(def.dependsOn).map(([d, c]) => `${d} to be ${c}`) : [];
      const text = p.message
        ? sentence(/^waiting\b/i.test(p.message) ? p.message : `waiting: ${p.message}`)
        : deps.length > 0
          ? `Waiting for ${deps.join(', ')}.`
          : 'Waiting to start.';
      return { tone: 'warn', text };
    }
    case 'backoff': {
      const left = p.backoff_ms === null ? '' : ` in ${timeLeft(p.backoff_ms - (now - p.seenAt))}`;
      return { tone: 'warn', text: `Restarting${left}.${lastExit}` };
    }
    case 'stopping': {
      const how = def
        ? ` Sent ${def.stop.signal}; SIGKILL to its group after ${ms(def.stop.timeoutMs)}.`
        : '';
      return { tone: 'warn', text: `Stopping.${how}` };
    }
    case 'stopped':
      return { tone: 'ok', text: `Stopped.${lastExit}${message}` };
    case 'exited': {
      const policy = def ? ` Its restart policy (${def.restart}) does not restart it.` : '';
      return {
        tone: p.last_exit?.reason === 'exited' ? 'ok' : 'bad',
        text: `Ended.${lastExit}${policy}${message}`,
      };
    }
    case 'failed':
      return { tone: 'bad', text: `Failed.${message || ' corral gave up on it.'}${lastExit}` };
    default:
      return { tone: 'ok', text: `${p.state}.${message}` };
  }
}
