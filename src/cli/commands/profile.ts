// corral daemon profile --cpu DURATION | --heap [-o FILE]: a CPU profile of the daemon over a
// while, or a heap snapshot, written to FILE (default: the name the daemon gives it, in the
// current directory) and the file's name printed. Through the unix socket only; the answer is
// streamed to the file, never held whole in memory.
import { createWriteStream, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { ProfileBody } from '../../api/schemas.js';
import { parseDuration } from '../../config/units.js';
import { DEFAULTS } from '../../defaults.js';
import { CorralError, type ErrorCode } from '../../errors.js';
import type { CliContext } from '../context.js';
import { formatDuration } from '../format.js';

// required, not imported: see client.ts
const { request } = createRequire(import.meta.url)('node:http') as typeof import('node:http');

export interface ProfileOptions {
  cpu?: string;
  heap?: boolean;
  output?: string;
}

/** The request a command line asks for; a usage error (exit 2) when it asks for none, both, or a bad duration. */
export function profileRequest(opts: ProfileOptions): ProfileBody {
  if ((opts.cpu === undefined) === (opts.heap !== true))
    throw new CorralError('BAD_REQUEST', 'Expected --cpu DURATION or --heap (one of them)');
  if (opts.heap) return { kind: 'heap' };
  const ms = parseDuration(opts.cpu!);
  const max = DEFAULTS.internal.profileCpuMaxMs;
  if (ms > max)
    throw new CorralError(
      'BAD_REQUEST',
      `Expected --cpu to be at most ${formatDuration(max)}, got ${opts.cpu}`,
    );
  return { kind: 'cpu', duration_ms: ms };
}

export async function profile(ctx: CliContext, opts: ProfileOptions): Promise<number> {
  const body = profileRequest(opts);
  const client = await ctx.connect();
  if (body.kind === 'cpu') ctx.note(`Profiling the daemon's CPU for ${formatDuration(body.duration_ms!)}...`);
  const res = await post(client.socketPath, '/v1/daemon/profile', body);
  if ((res.statusCode ?? 500) >= 400) throw await errorOf(res);
  const file =
    opts.output ??
    suggestedName(res) ??
    `corral-daemon.${body.kind === 'cpu' ? 'cpuprofile' : 'heapsnapshot'}`;
  try {
    await pipeline(res, createWriteStream(file, { mode: 0o600 }));
  } catch (e) {
    rmSync(file, { force: true });
    throw new CorralError('INTERNAL', `Could not write the profile to ${file}: ${(e as Error).message}`);
  }
  ctx.print(file);
  return 0;
}

// One POST on the unix socket; resolves with the answer as it starts to come.
function post(socketPath: string, path: string, body: unknown): Promise<IncomingMessage> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        createConnection: () => connect(socketPath),
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      resolve,
    );
    req.on('error', (e) =>
      reject(new CorralError('DAEMON_UNREACHABLE', `Cannot reach the daemon on ${socketPath}: ${e.message}`)),
    );
    req.end(payload);
  });
}

// The file name the daemon suggests (Content-Disposition), when it is a plain one.
function suggestedName(res: IncomingMessage): string | null {
  const m = /filename="([\w.-]+)"/.exec(String(res.headers['content-disposition'] ?? ''));
  return m === null ? null : m[1];
}

// The daemon's error answer as an error of the same code.
async function errorOf(res: IncomingMessage): Promise<CorralError> {
  let text = '';
  for await (const chunk of res) text += chunk;
  try {
    const { error } = JSON.parse(text) as { error: { code: ErrorCode; message: string } };
    return new CorralError(error.code, error.message);
  } catch {
    return new CorralError('INTERNAL', `The daemon answered ${res.statusCode}: ${text}`);
  }
}
