// The text exposition writer: escaping as the format wants it (checked by promtool, Prometheus's
// own parser, where it is installed), values Prometheus reads, and no family without samples.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { family, render, sample } from '../../../src/metrics/exposition.js';

test('label values escape backslash, double quote and newline; HELP escapes backslash and newline', () => {
  const f = family('corral_test_info', 'gauge', 'A help text with a \\ and a\nnewline.');
  sample(f, { project: 'a"b', service: 'c\\d', replica: 'e\nf' }, 1);
  const text = render([f]);
  assert.equal(
    text,
    [
      '# HELP corral_test_info A help text with a \\\\ and a\\nnewline.',
      '# TYPE corral_test_info gauge',
      'corral_test_info{project="a\\"b",service="c\\\\d",replica="e\\nf"} 1',
      '',
    ].join('\n'),
  );
  const checked = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (checked.error === undefined) assert.equal(checked.status, 0, `${checked.stdout}${checked.stderr}`);
});

test('values: integers, fractions, NaN and the infinities as Prometheus spells them', () => {
  const f = family('corral_test_seconds', 'gauge', 'Values.');
  for (const [i, v] of [3, 0.25, 1796018850.826, Number.NaN, Infinity, -Infinity].entries())
    sample(f, { replica: String(i) }, v);
  const values = render([f])
    .trim()
    .split('\n')
    .slice(2)
    .map((l) => l.split(' ')[1]);
  assert.deepEqual(values, ['3', '0.25', '1796018850.826', 'NaN', '+Inf', '-Inf']);
});

test('a family with no samples is left out, HELP and TYPE included; nothing at all is an empty text', () => {
  const empty = family('corral_test_total', 'counter', 'Nothing yet.');
  const one = family('corral_test_up', 'gauge', 'One.');
  sample(one, {}, 1);
  assert.equal(
    render([empty, one]),
    '# HELP corral_test_up One.\n# TYPE corral_test_up gauge\ncorral_test_up 1\n',
  );
  assert.equal(render([empty]), '');
});
