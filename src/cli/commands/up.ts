// corral up: apply a config file to the daemon, then (with --wait) watch it become ready.
import { watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { ApplyResult, ProcessStatus } from '../../api/schemas.js';
import type { CorralClient } from '../../client/client.js';
import { configPath } from '../../config/find.js';
import type { ProjectSpec } from '../../config/types.js';
import { DEFAULTS } from '../../defaults.js';
import { withDependencies } from '../../engine/order.js';
import { CorralError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { paint, waitingText } from '../format.js';
import { ProgressLines } from '../progress-lines.js';
// the config loader (and its YAML parser) loads while a daemon this command starts loads too
import type { ProjectFile } from '../project-file.js';

export interface UpOptions {
  file?: string;
  wait?: boolean;
  watch?: boolean;
  json?: boolean;
}

/** Loads and checks the file here (so a bad file never reaches the daemon), then applies it. */
export async function up(ctx: CliContext, services: string[], opts: UpOptions): Promise<number> {
  const file = configPath(opts.file);
  // a daemon that must be started loads while the file is read and checked here
  const early = await ctx.daemonInBackground();
  let project: ProjectFile;
  try {
    project = (await import('../project-file.js')).readProjectFile(ctx, file);
    assertServicesIn(project, services);
  } catch (e) {
    await early.withdraw(); // a bad file leaves no daemon behind that it started
    throw e;
  }
  const spec = project.spec;
  await early.ready;
  const client = await ctx.daemon();
  const applied = await apply(ctx, client, project, services);
  const wait = opts.wait ?? Boolean(ctx.io.err.isTTY);
  const code = wait ? await waitForReady(ctx, client, spec, targetServices(spec, services)) : 0;
  if (opts.json) ctx.json(applied); // what was created, changed, removed and left unchanged
  if (!opts.watch) return code;
  return watchAndApply(ctx, client, file, services);
}

/** SERVICE... of `up` must be services of the file. */
function assertServicesIn({ file, spec }: ProjectFile, services: string[]): void {
  for (const name of services) {
    if (!spec.services.some((s) => s.name === name)) {
      throw new CorralError(
        'SERVICE_NOT_FOUND',
        `${file} has no service "${name}" (it has ${spec.services.map((s) => s.name).join(', ')})`,
      );
    }
  }
}

/**
 * Sends the daemon the text that was validated (not its path: the file could change in
 * between) with the same environment, and says what changed.
 */
export async function apply(
  ctx: CliContext,
  client: CorralClient,
  project: ProjectFile,
  services: string[],
): Promise<ApplyResult> {
  const { applyBody } = await import('../project-file.js');
  const result = await client.apply(applyBody(project, services));
  const spec = project.spec;
  const parts = (['created', 'changed', 'removed', 'unchanged'] as const)
    .filter((k) => result[k].length > 0)
    .map((k) => `${k} ${listed(result[k])}`);
  ctx.note(`${spec.name}: ${parts.join('; ') || 'nothing to do'}`);
  return result;
}

/** Names, all of them up to LISTED_NAMES, else the first few and how many in all. */
function listed(names: string[]): string {
  if (names.length <= LISTED_NAMES) return names.join(', ');
  return `${names.length} services (${names.slice(0, 5).join(', ')}, …)`;
}

/** How many names a line of `up` lists before it counts them instead. */
const LISTED_NAMES = 20;

/**
 * `up --watch`: applies the file again each time it is saved (inotify, no polling), until
 * Ctrl-C. An invalid save is reported and changes nothing; the next valid one is applied.
 */
function watchAndApply(
  ctx: CliContext,
  client: CorralClient,
  file: string,
  services: string[],
): Promise<number> {
  ctx.note(`watching ${file}; Ctrl-C to stop watching (services keep running)`);
  return new Promise((resolveExit) => {
    let timer: NodeJS.Timeout | null = null;
    let busy = Promise.resolve();
    const onChange = (): void => {
      // editors write a file in several steps: apply once things settle
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        busy = busy.then(async () => {
          try {
            const { readProjectFile } = await import('../project-file.js');
            await apply(ctx, client, readProjectFile(ctx, file), services);
          } catch (e) {
            ctx.note(e instanceof Error ? e.message : String(e));
            ctx.note('not applied; waiting for the next change');
          }
        });
      }, DEFAULTS.internal.watchSettleMs);
    };
    // the directory, not the file: an editor that saves by rename replaces the file's inode
    const watcher = watch(dirname(file), (_event, name) => {
      if (name === null || name === basename(file)) onChange();
    });
    const stop = (): void => {
      watcher.close();
      if (timer) clearTimeout(timer);
      void busy.then(() => resolveExit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** The services `up` starts: the named ones and their dependencies, or every autostart one. */
function targetServices(spec: ProjectSpec, names: string[]): Set<string> {
  if (names.length === 0) return new Set(spec.services.filter((s) => s.autostart).map((s) => s.name));
  return withDependencies(spec.services, names);
}

type Verdict = { done: true } | { done: false; failed: string | null };

function judge(s: ProcessStatus): Verdict {
  if (s.outdated && s.message?.startsWith('rolling restart stopped'))
    return { done: false, failed: s.message };
  if (s.state === 'running') return s.outdated ? { done: false, failed: null } : { done: true };
  if (s.state === 'exited' && s.last_exit?.reason === 'exited') return { done: true };
  if (s.state === 'exited' || s.state === 'failed') {
    const why = s.message ?? (s.last_exit ? `exited with code ${s.last_exit.code}` : s.state);
    return { done: false, failed: why };
  }
  return { done: false, failed: null };
}

/** Follows events until every target is ready (0), one fails (1), or the deadline passes (1). */
async function waitForReady(
  ctx: CliContext,
  client: CorralClient,
  spec: ProjectSpec,
  targets: Set<string>,
): Promise<number> {
  const longestReady = Math.max(0, ...spec.services.map((s) => (s.ready ? s.ready.timeoutMs : 0)));
  const deadlineMs = longestReady * 2 + DEFAULTS.upWaitSlackMs;
  const abort = new AbortController();
  const shown = new Map<string, string>();
  // one line per process, rewritten in place on a terminal, appended elsewhere
  const lines = new ProgressLines(ctx.io.err, Boolean(ctx.io.err.isTTY), ctx.color);
  let outcome: number | null = null;
  let checking = false;
  let again = false;

  const check = async (): Promise<void> => {
    if (checking) {
      again = true;
      return;
    }
    checking = true;
    do {
      again = false;
      const list = (await client.services()).filter((s) => s.project === spec.name && targets.has(s.service));
      let all = list.length > 0;
      let failure: string | null = null;
      for (const s of list) {
        const label =
          s.state === 'waiting' && s.message
            ? waitingText(s.message) // as ps says it: "waiting for db to be ready"
            : s.state +
              (s.outdated
                ? ' (to be restarted with the new definition)'
                : s.message
                  ? ` (${s.message})`
                  : '');
        shown.set(s.name, label);
        const v = judge(s);
        lines.set(s.name, label, v.done ? 'green' : v.failed !== null ? 'red' : 'yellow');
        if (!v.done) all = false;
        if (!v.done && v.failed !== null && outcome === null) {
          failure = `${s.name} failed to become ready: ${v.failed}`;
          outcome = 1;
        }
      }
      // the block first, then what ends the wait below it
      lines.flush();
      if (failure !== null) ctx.note(paint(ctx.color, 'red', failure));
      if (all && outcome === null) outcome = 0;
    } while (again && outcome === null);
    checking = false;
    if (outcome !== null) abort.abort();
  };

  const timer = setTimeout(() => {
    if (outcome === null) {
      const pending = [...shown]
        .filter(([, label]) => !label.startsWith('running'))
        .map(([n, l]) => `${n}: ${l}`);
      ctx.note(paint(ctx.color, 'red', `not ready after ${deadlineMs} ms: ${pending.join('; ')}`));
      outcome = 1;
    }
    abort.abort();
  }, deadlineMs);
  // events from `since` on are replayed, so nothing between the first check and the stream is missed
  const since = new Date(Date.now() - 1).toISOString();
  try {
    await check();
    if (outcome === null) {
      await client.stream(
        `/v1/events?follow=1&since=${encodeURIComponent(since)}`,
        () => void check(),
        abort.signal,
      );
    }
  } finally {
    clearTimeout(timer);
  }
  if (outcome === 0) ctx.note(`${spec.name}: ready`);
  return outcome ?? 1;
}
