// Reading a request's JSON body and its query string, with the limits and errors of the API:
// a body over the size limit is a 413, one that is not JSON a 400, one of another media type a
// 415. No body at all is an empty one.
import type { IncomingMessage } from 'node:http';

/** A failure of the request itself (not of its content), answered with its status. */
export class RequestError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The body as parsed JSON; undefined when there is none. */
export function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (declared > limitBytes) {
      req.resume();
      reject(tooLarge(limitBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limitBytes) {
        failed = true;
        reject(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (e) => {
      failed = true;
      reject(e);
    });
    req.on('end', () => {
      if (failed) return;
      try {
        resolve(parseBody(req.headers['content-type'], Buffer.concat(chunks).toString('utf8')));
      } catch (e) {
        reject(e);
      }
    });
  });
}

// A body's text as JSON, refusing other media types and text that is not JSON.
function parseBody(contentType: string | undefined, text: string): unknown {
  const media = contentType?.split(';')[0].trim().toLowerCase();
  if (media === undefined || media === '') {
    if (text === '') return undefined;
    throw new RequestError(415, 'Unsupported Media Type: a body must be sent as application/json');
  }
  if (media !== 'application/json' && !media.endsWith('+json')) {
    throw new RequestError(415, `Unsupported Media Type: ${media} (a body must be sent as application/json)`);
  }
  if (text === '') {
    throw new RequestError(400, "Body cannot be empty when content-type is set to 'application/json'");
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RequestError(400, `body: not valid JSON (${(e as Error).message})`);
  }
}

function tooLarge(limitBytes: number): RequestError {
  return new RequestError(413, `Request body is too large (the limit is ${limitBytes} bytes)`);
}

/** A query string's values; a name given twice has a list of values. */
export function parseQuery(search: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(search)) {
    const had = out[name];
    out[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return { ...out };
}
