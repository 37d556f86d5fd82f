// A closed stdout ends a command quietly (exit 0), once, or runs what the command set instead.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import {
  endQuietlyWhenClosed,
  keepRunningWhenClosed,
  whenOutputCloses,
} from '../../src/cli/closed-output.js';

const epipe = (): NodeJS.ErrnoException => Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });

test('EPIPE exits 0 once; a later failure of the same stream is not reported again', () => {
  const stream = new PassThrough();
  const exits: number[] = [];
  endQuietlyWhenClosed(stream, (code) => exits.push(code));
  stream.emit('error', epipe());
  stream.emit('error', epipe());
  assert.deepEqual(exits, [0]);
});

test('another write error exits 1; a stream given back to the daemon is left alone', () => {
  const stream = new PassThrough();
  const exits: number[] = [];
  endQuietlyWhenClosed(stream, (code) => exits.push(code));
  const original = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    stream.emit('error', Object.assign(new Error('no space'), { code: 'ENOSPC' }));
  } finally {
    process.stderr.write = original;
  }
  assert.deepEqual(exits, [1]);
  const daemonOut = new PassThrough();
  endQuietlyWhenClosed(daemonOut, (code) => exits.push(code));
  keepRunningWhenClosed(daemonOut);
  assert.equal(daemonOut.listenerCount('error'), 0);
});

test('a command that has something to wind down runs it instead of exiting', () => {
  const stream = new PassThrough();
  const exits: number[] = [];
  let wound = 0;
  endQuietlyWhenClosed(stream, (code) => exits.push(code));
  whenOutputCloses(() => {
    wound += 1;
  });
  stream.emit('error', epipe());
  assert.equal(wound, 1);
  assert.deepEqual(exits, []);
});
