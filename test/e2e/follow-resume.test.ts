// `corral logs -f` and `corral events -f` across daemon SIGKILLs: they reconnect by themselves and
// resume from the last id they printed, so every line and every event appears once, in order.
// Also the API's side: Last-Event-ID and ?last_event_id= on a real socket, and reset.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CorralEvent } from '../../src/api/schemas.js';
import { type CliEnv, killDaemon, upProject, waitForState } from '../helpers/cli.js';
import { clientOf } from '../helpers/daemon-api.js';
import { fixture } from '../helpers/home.js';
import { waitFor } from '../helpers/wait.js';

const node = process.execPath;

// a steady writer of numbered lines, stamped and rotated every ~60 lines (so a kill lands
// between rotations and positions move across files)
const CONFIG = `name: steady
services:
  count:
    command: [${node}, ${fixture('tick.mjs')}, "5"]
    logs: { timestamps: true, max_size: 2KB, keep: 100 }
`;

/** The numbers of the `tick N` lines in a follower's output, in order. */
function ticks(output: string): number[] {
  return [...output.matchAll(/^tick (\d+)/gm)].map((m) => Number(m[1]));
}

/** The first place where `list` is not n, n+1, n+2, …: a gap or a repeat. */
function firstBreak(list: number[]): string | null {
  for (let i = 1; i < list.length; i++) {
    if (list[i] !== list[i - 1] + 1) return `${list[i - 1]} then ${list[i]} (entry ${i})`;
  }
  return null;
}

/** The events a `events -f --json` follower printed, as the journal has them (without the CLI's `name`). */
function printedEvents(output: string): CorralEvent[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      const { name: _name, ...event } = JSON.parse(l) as CorralEvent & { name: string | null };
      return event;
    });
}

/** The number of times `text` occurs in `output`. */
const count = (output: string, text: string): number => output.split(text).length - 1;

test('logs -f and events -f across two daemon SIGKILLs: every line and every event once, in order', async (t) => {
  const c = await upProject(t, CONFIG);
  const logs = c.spawnCorral(['logs', '-f', 'count']);
  // since an hour ago: it prints the events of `up` at once, so it is known to be connected
  const events = c.spawnCorral(['events', '-f', '--json', '--since', '1h']);
  t.after(() => {
    logs.kill('SIGKILL');
    events.kill('SIGKILL');
  });
  await waitFor(() => ticks(logs.output()).length > 50, { what: 'the logs follower under way' });
  await waitFor(() => printedEvents(events.output()).length > 0, { what: 'the events follower under way' });
  for (let round = 1; round <= 2; round++) {
    const before = ticks(logs.output()).at(-1) ?? 0;
    await killDaemon(c);
    // both notice; lines keep coming into the FIFO meanwhile
    await waitFor(() => count(logs.output(), 'reconnecting') === round, {
      what: `logs -f reconnecting (${round})`,
    });
    await waitFor(() => count(events.output(), 'reconnecting') === round, {
      what: `events -f reconnecting (${round})`,
    });
    const started = await c.corral(['daemon', 'start']);
    assert.equal(started.code, 0, started.stderr);
    await waitFor(() => count(logs.output(), 'reconnected') === round, { what: `logs -f back (${round})` });
    await waitFor(() => count(events.output(), 'reconnected') === round, {
      what: `events -f back (${round})`,
    });
    // well past the lines written while no daemon ran
    await waitFor(() => (ticks(logs.output()).at(-1) ?? 0) > before + 100, {
      what: `lines after restart ${round}`,
    });
  }
  await waitForState(c, 'steady/count:0', 'running');
  // every event the journal holds from the follower's first on, exactly once and in order
  const journal = (await clientOf(c).events()) as CorralEvent[];
  const at = (e: CorralEvent): number => journal.findIndex((j) => JSON.stringify(j) === JSON.stringify(e));
  let seen: CorralEvent[] = [];
  await waitFor(
    () => {
      seen = printedEvents(events.output());
      return seen.length > 0 && seen.length >= journal.length - at(seen[0]);
    },
    { what: 'the events follower caught up' },
  );
  const from = at(seen[0]);
  assert.ok(from >= 0, 'the first event printed is in the journal');
  assert.deepEqual(seen, journal.slice(from, from + seen.length));
  assert.equal(
    seen.filter((e) => e.type === 'daemon-started').length,
    3,
    'the first daemon and both restarts, once each',
  );
  assert.equal(seen.filter((e) => e.type === 'adopted').length, 2, 'both adoptions, once each');
  logs.kill('SIGINT');
  const printed = ticks(logs.output());
  assert.equal(firstBreak(printed), null, `no line missing or twice: ${firstBreak(printed)}`);
  assert.ok(printed.length > 250, `${printed.length} lines followed`);
  assert.equal(count(logs.output(), 'reconnecting'), 2);
  assert.equal(count(logs.output(), 'reconnected'), 2);
});

/** GET `path` on the home's socket with `headers`; the raw text of the stream once `enough` says so. */
function readStream(
  c: CliEnv,
  path: string,
  headers: Record<string, string>,
  enough: (text: string) => boolean,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { createConnection: () => connect(join(c.env.CORRAL_HOME as string, 'corral.sock')), path, headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
          if (enough(text)) {
            req.destroy();
            resolve(text);
          }
        });
        res.on('error', () => {});
        setTimeout(() => {
          req.destroy();
          reject(new Error(`no enough of ${path} within 10 s; got: ${text.slice(0, 2000)}`));
        }, 10_000).unref();
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('the events stream resumes after Last-Event-ID or ?last_event_id=, and resets on an id it cannot place', async (t) => {
  const c = await upProject(t, CONFIG);
  const all = await readStream(c, '/v1/events?follow=1', {}, (s) =>
    /\n\nid: \d+\n\n|event: event\nid: 3\n/.test(s),
  );
  assert.match(all, /^event: event\nid: 1\ndata: \{"time"/, 'every entry has its id');
  const afterTwo = await readStream(c, '/v1/events?follow=1', { 'last-event-id': '2' }, (s) =>
    s.includes('\n\n'),
  );
  assert.match(afterTwo, /^event: event\nid: 3\n/, 'the header');
  const byQuery = await readStream(c, '/v1/events?follow=1&last_event_id=2', {}, (s) => s.includes('\n\n'));
  assert.match(byQuery, /^event: event\nid: 3\n/, 'the query');
  const unknown = await readStream(c, '/v1/events?follow=1', { 'last-event-id': '999999' }, (s) =>
    s.includes('id: 1\n'),
  );
  assert.match(
    unknown,
    /^event: reset\ndata: \{"reason":"Last-Event-ID \\"999999\\" is past the last event recorded/,
  );
  assert.match(unknown, /\n\nevent: event\nid: 1\n/, 'then from the oldest kept');
  const log = join(c.env.CORRAL_HOME as string, 'logs', 'steady', 'count.log');
  await waitFor(() => existsSync(log) && statSync(log).size > 0, { what: 'a line in the log' });
  const logsReset = await readStream(c, '/v1/services/count/logs?follow=1', { 'last-event-id': 'x' }, (s) =>
    s.includes('event: line'),
  );
  assert.match(logsReset, /^event: reset\ndata: \{"reason":"Last-Event-ID \\"x\\" is not a position/);
  assert.match(
    logsReset,
    /\n\nevent: line\nid: steady\/count:0@[0-9a-z]+\.[0-9a-z]+\.[0-9a-z]+\ndata: \{"name":"steady\/count:0","line":"\d{4}-/,
  );
});

test('Ctrl-C ends a follower at once, also while it waits for the daemon to come back', async (t) => {
  const c = await upProject(t, CONFIG);
  const logs = c.spawnCorral(['logs', '-f', 'count']);
  const events = c.spawnCorral(['events', '-f', '--since', '1h']);
  await waitFor(() => ticks(logs.output()).length > 0, { what: 'the logs follower under way' });
  await waitFor(() => events.output().includes('spawned'), { what: 'the events follower under way' });
  await killDaemon(c);
  await waitFor(
    () => count(logs.output(), 'reconnecting') === 1 && count(events.output(), 'reconnecting') === 1,
    {
      what: 'both reconnecting',
    },
  );
  logs.kill('SIGINT');
  events.kill('SIGINT');
  await waitFor(() => logs.exitCode !== null && events.exitCode !== null, { what: 'both followers to end' });
  assert.equal(logs.exitCode, 0);
  assert.equal(events.exitCode, 0);
});
