// The daemon's logger: the JSON line daemon.log readers depend on, levels, and a full disk.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger, fileSink } from '../../src/log.js';
import { tempHome } from '../helpers/home.js';

test('a line is one JSON object: level, time, the bindings, the fields, msg; an err with its stack', () => {
  const lines: string[] = [];
  const logger = createLogger({ write: (l) => lines.push(l) }, { level: 'info', base: { pid: 42 } });
  const child = logger.child({ component: 'api' });
  child.error({ err: Object.assign(new Error('boom'), { code: 'EIO' }), url: '/x' }, 'request failed');
  logger.info('plain');
  logger.debug('below the level');
  assert.equal(lines.length, 2);
  assert.ok(lines.every((l) => l.endsWith('}\n') && !l.slice(0, -1).includes('\n')));
  const first = JSON.parse(lines[0]);
  assert.deepEqual(Object.keys(first), ['level', 'time', 'pid', 'component', 'err', 'url', 'msg']);
  assert.equal(first.level, 50);
  assert.equal(typeof first.time, 'number');
  assert.equal(first.msg, 'request failed');
  assert.equal(first.err.type, 'Error');
  assert.equal(first.err.message, 'boom');
  assert.equal(first.err.code, 'EIO');
  assert.match(first.err.stack, /boom/);
  assert.deepEqual(JSON.parse(lines[1]), {
    level: 30,
    time: JSON.parse(lines[1]).time,
    pid: 42,
    msg: 'plain',
  });
});

test('a child can log at a level of its own; silent writes nothing', () => {
  const lines: string[] = [];
  const logger = createLogger({ write: (l) => lines.push(l) }, { level: 'debug' });
  logger.child({}, { level: 'warn' }).info('dropped');
  logger.debug('kept');
  createLogger({ write: (l) => lines.push(l) }, { level: 'silent' }).fatal('dropped');
  assert.deepEqual(
    lines.map((l) => JSON.parse(l).msg),
    ['kept'],
  );
});

test('the file sink appends whole lines, and a line that cannot be written is kept for the next', () => {
  const home = tempHome();
  try {
    const path = join(home.dir, 'daemon.log');
    const sink = fileSink(path, { mode: 0o600, backlogBytes: 1024 });
    const logger = createLogger(sink);
    logger.info('one');
    logger.warn({ n: 2 }, 'two');
    sink.close();
    const lines = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg]),
      [
        [30, 'one'],
        [40, 'two'],
      ],
    );
  } finally {
    home.cleanup();
  }
});
