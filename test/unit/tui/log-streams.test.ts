// The log streams of top: one per process shown lately, each process's history kept as the
// selection moves; a stream closed and opened again starts from the tail, which replaces what was kept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FollowOptions } from '../../../src/client/client.js';
import { LogStreams } from '../../../src/tui/log-streams.js';

interface FakeStream {
  path: string;
  send(event: string, data: unknown): void;
  opts: FollowOptions;
}

function setup(): { logs: LogStreams; streams: FakeStream[]; open: () => string[] } {
  const streams: FakeStream[] = [];
  const logs = new LogStreams({
    follow: (path, onEvent, opts) =>
      new Promise<void>((resolve) => {
        streams.push({ path, send: onEvent, opts });
        opts.signal?.addEventListener('abort', () => resolve());
      }),
    tailLines: 200,
    keptLines: 100,
    streamsKept: 2,
    onChange: () => {},
  });
  const open = (): string[] => streams.filter((s) => !s.opts.signal?.aborted).map((s) => s.path);
  return { logs, streams, open };
}

test('each process keeps its own lines while the selection moves; the last few streams stay open', async () => {
  const { logs, streams, open } = setup();
  const a = logs.show('shop/a:0');
  streams[0].send('line', { name: 'shop/a:0', line: 'a1' });
  streams[0].send('chunk', { name: 'shop/a:0', text: 'a2\n' });
  const b = logs.show('shop/b:0');
  streams[1].send('line', { name: 'shop/b:0', line: 'b1' });
  // a's stream is still open: its lines keep coming while b is shown
  streams[0].send('chunk', { name: 'shop/a:0', text: 'a3\n' });
  assert.deepEqual(a.all(), ['a1', 'a2', 'a3']);
  assert.deepEqual(b.all(), ['b1']);
  assert.equal(logs.show('shop/a:0'), a);
  assert.equal(streams.length, 2, 'showing a again opened no stream');
  assert.match(streams[0].path, /^\/v1\/services\/shop%2Fa%3A0\/logs\?tail=200&follow=1$/);

  logs.show('shop/c:0');
  logs.show('shop/d:0');
  await new Promise((r) => setImmediate(r));
  // the shown one and the 2 used before it stay open; b, shown longest ago, is closed
  assert.equal(open().length, 3);
  assert.ok(!open().some((p) => p.includes('shop%2Fb')));
  assert.deepEqual(logs.history('shop/b:0')?.all(), ['b1'], 'a closed stream keeps its lines');

  // b again: a new stream, whose tail replaces what was kept (no line twice)
  logs.show('shop/b:0');
  const again = streams[streams.length - 1];
  assert.match(again.path, /shop%2Fb/);
  again.send('line', { name: 'shop/b:0', line: 'b1' });
  again.send('line', { name: 'shop/b:0', line: 'b2' });
  assert.deepEqual(logs.history('shop/b:0')?.all(), ['b1', 'b2']);
  logs.close();
  await new Promise((r) => setImmediate(r));
  assert.equal(open().length, 0);
});

test('a stream says it reconnects while the daemon is away, and is live again after', () => {
  const { logs, streams } = setup();
  const h = logs.show('shop/a:0');
  streams[0].opts.onDrop?.('gone');
  assert.equal(h.state, 'reconnecting');
  streams[0].opts.onBack?.();
  assert.equal(h.state, '');
  logs.close();
});
