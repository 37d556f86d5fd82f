// The daemon's HTTP API as the page uses it: JSON reads, POSTed actions, and the follow streams
// (server-sent events, which the browser reconnects by itself, resuming with Last-Event-ID).

/** An API error: the daemon's message, its code and the HTTP status. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The path of a process, service or project name under /v1/services. */
export function servicePath(name, rest = '') {
  return `/v1/services/${encodeURIComponent(name)}${rest}`;
}

// The body of an answer, or an ApiError with the daemon's own words.
async function answer(res) {
  const text = await res.text();
  let body = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: a page of the listener (401) or a proxy's
  }
  if (res.ok) return body;
  if (res.status === 401) {
    throw new ApiError(
      401,
      'UNAUTHORIZED',
      'This browser is not logged in (any more): run `corral dashboard` for a new login URL.',
    );
  }
  const err = body?.error;
  throw new ApiError(
    res.status,
    err?.code ?? `HTTP_${res.status}`,
    err?.message ?? `${res.status} ${res.statusText}`,
  );
}

/** GET a JSON document of the API. */
export async function getJson(path) {
  return answer(await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' }));
}

/** POST an action with a JSON body (`{}` when there is nothing to say). */
export async function post(path, body = {}) {
  return answer(
    await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}

/**
 * Follows an event stream: `handlers` maps an event name (`event`, `line`, `chunk`, `usage`,
 * `message`, `reset`) to a function of its parsed data. `onState` hears 'open', 'retrying' and
 * 'closed' (the daemon refused the stream: it does not come back by itself). Returns the close.
 */
export function follow(path, handlers, onState = () => {}) {
  const source = new EventSource(path);
  for (const [name, fn] of Object.entries(handlers)) {
    source.addEventListener(name, (ev) => {
      let data;
      try {
        data = JSON.parse(ev.data);
      } catch {
        return;
      }
      fn(data);
    });
  }
  source.addEventListener('open', () => onState('open'));
  source.addEventListener('error', () =>
    onState(source.readyState === EventSource.CLOSED ? 'closed' : 'retrying'),
  );
  return () => source.close();
}
