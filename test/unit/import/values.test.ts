// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these texts hold ${VAR} references on purpose
// The small conversions of src/import/values.ts: durations, sizes, signals, shell words, `${` escaping.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatDuration,
  formatSize,
  literal,
  parseGoDuration,
  parseLooseSize,
  serviceName,
  shellWords,
  signalName,
} from '../../../src/import/values.js';

test('durations are written in the largest whole unit', () => {
  assert.equal(formatDuration(0), '0');
  assert.equal(formatDuration(1600), '1600ms');
  assert.equal(formatDuration(90_000), '90s');
  assert.equal(formatDuration(120_000), '2m');
  assert.equal(formatDuration(3_600_000), '1h');
});

test('Compose (Go) durations are read, compound ones included', () => {
  assert.equal(parseGoDuration('1m30s'), 90_000);
  assert.equal(parseGoDuration('500ms'), 500);
  assert.equal(parseGoDuration('1h2m'), 3_720_000);
  assert.equal(parseGoDuration('10'), null);
  assert.equal(parseGoDuration('soon'), null);
});

test('sizes as PM2, supervisord and Compose write them', () => {
  assert.equal(parseLooseSize('300M'), 300 * 1024 ** 2);
  assert.equal(parseLooseSize('512m'), 512 * 1024 ** 2);
  assert.equal(parseLooseSize('50MB'), 50 * 1024 ** 2);
  assert.equal(parseLooseSize('1G'), 1024 ** 3);
  assert.equal(parseLooseSize(2048), 2048);
  assert.equal(parseLooseSize('lots'), null);
  assert.equal(formatSize(300 * 1024 ** 2), '300MB');
  assert.equal(formatSize(1024 ** 3), '1GB');
  assert.equal(formatSize(1000), '1KB');
});

test('signals by name, short name or number', () => {
  assert.equal(signalName('TERM'), 'SIGTERM');
  assert.equal(signalName('SIGINT'), 'SIGINT');
  assert.equal(signalName(2), 'SIGINT');
  assert.equal(signalName('15'), 'SIGTERM');
  assert.equal(signalName('NOPE'), null);
});

test('command lines split as a shell would, without expanding', () => {
  assert.deepEqual(shellWords(`node server.js --name "a b" 'c d' e\\ f $HOME`), [
    'node',
    'server.js',
    '--name',
    'a b',
    'c d',
    'e f',
    '$HOME',
  ]);
  assert.deepEqual(shellWords('  sleep   1 '), ['sleep', '1']);
  assert.deepEqual(shellWords(`a "" b`), ['a', '', 'b']);
  assert.throws(() => shellWords('echo "unclosed'), /unclosed "/);
});

test('${ that corral would interpolate is kept literal; other $ are left alone', () => {
  assert.equal(literal('echo ${PORT} $HOME'), 'echo $${PORT} $HOME');
});

test('service names from other tools', () => {
  assert.equal(serviceName('my app'), 'my-app');
  assert.equal(serviceName('web_1'), 'web_1');
  assert.equal(serviceName('***'), 'service');
});
