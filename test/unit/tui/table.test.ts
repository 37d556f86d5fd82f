// The process table: columns that fit the width, sort and filter, rows exactly as wide as the terminal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProcessStatus } from '../../../src/api/schemas.js';
import { Style } from '../../../src/tui/style.js';
import { columnsFor, headerLine, rowLine, stateText, visibleRows } from '../../../src/tui/table.js';
import { textWidth } from '../../../src/tui/width.js';

const NOW = Date.parse('2026-11-30T12:00:00Z');

function proc(name: string, over: Partial<ProcessStatus> = {}): ProcessStatus {
  const [project, rest] = name.split('/');
  const [service, instance] = rest.split(':');
  return {
    project,
    service,
    instance: Number(instance ?? 0),
    name: `${project}/${service}:${instance ?? 0}`,
    state: 'running',
    pid: 100,
    restarts: 0,
    started_at: new Date(NOW - 65_000).toISOString(),
    health: 'none',
    last_exit: null,
    backoff_ms: null,
    message: null,
    outdated: false,
    status_text: null,
    cpu: 1.5,
    memory: 30 * 1024 * 1024,
    ...over,
  };
}

const plain = new Style(false);
const strip = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

test('every column fits 80 cells, and a narrow terminal leaves out the least useful first', () => {
  assert.deepEqual(
    columnsFor(80).map((c) => c.title),
    ['NAME', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'HEALTH', 'CPU', 'MEM'],
  );
  assert.ok(columnsFor(80)[0].width >= 14);
  const narrow = columnsFor(60).map((c) => c.title);
  assert.ok(!narrow.includes('HEALTH'));
  assert.ok(narrow.includes('STATE') && narrow.includes('CPU'));
});

test('a row and the header are exactly as wide as the terminal, colour or not', () => {
  for (const width of [60, 80, 132]) {
    for (const colour of [false, true]) {
      const style = new Style(colour);
      const p = proc('shop/a-very-long-service-name-indeed:3');
      assert.equal(textWidth(strip(rowLine(p, p.name, NOW, width, false, style))), width);
      assert.equal(textWidth(strip(rowLine(p, p.name, NOW, width, true, style))), width);
      assert.equal(textWidth(strip(headerLine(width, { key: 'name', descending: false }, style))), width);
    }
  }
  const row = rowLine(proc('shop/web'), 'shop/web', NOW, 80, true, plain);
  assert.match(strip(row), /^> shop\/web\s+running\s+100\s+1m5s\s+0\s+-\s+1\.5%\s+30MB\s*$/);
  // without colour, the selection is reverse video and nothing else
  assert.match(row, /^\x1b\[1;7m/);
  assert.doesNotMatch(rowLine(proc('shop/web'), 'shop/web', NOW, 80, false, plain), /\x1b/);
  assert.match(rowLine(proc('shop/web'), 'shop/web', NOW, 80, false, new Style(true)), /\x1b\[32mrunning/);
});

test('states read as ps words them', () => {
  assert.equal(stateText(proc('a/b', { state: 'backoff', backoff_ms: 1500 }), NOW), 'backoff 2s');
  assert.equal(
    stateText(
      proc('a/b', { state: 'failed', last_exit: { code: 127, signal: null, reason: 'crashed' } }),
      NOW,
    ),
    'failed (127)',
  );
});

test('sort by any column, either way, ties by name; filter by name or state', () => {
  const list = [
    proc('shop/web', { cpu: 3, restarts: 2 }),
    proc('shop/api', { cpu: 9, state: 'failed' }),
    proc('shop/worker:10', { cpu: 1 }),
    proc('shop/worker:2', { cpu: 1 }),
  ];
  const names = (rows: ProcessStatus[]): string[] => rows.map((p) => p.name);
  assert.deepEqual(names(visibleRows(list, '', { key: 'name', descending: false }, NOW)), [
    'shop/api:0',
    'shop/web:0',
    'shop/worker:2',
    'shop/worker:10',
  ]);
  assert.deepEqual(names(visibleRows(list, '', { key: 'name', descending: true }, NOW)), [
    'shop/worker:10',
    'shop/worker:2',
    'shop/web:0',
    'shop/api:0',
  ]);
  assert.deepEqual(names(visibleRows(list, '', { key: 'cpu', descending: true }, NOW)), [
    'shop/api:0',
    'shop/web:0',
    'shop/worker:2',
    'shop/worker:10',
  ]);
  assert.deepEqual(names(visibleRows(list, '', { key: 'restarts', descending: true }, NOW))[0], 'shop/web:0');
  assert.deepEqual(names(visibleRows(list, 'WORK', { key: 'name', descending: false }, NOW)), [
    'shop/worker:2',
    'shop/worker:10',
  ]);
  assert.deepEqual(names(visibleRows(list, 'failed', { key: 'name', descending: false }, NOW)), [
    'shop/api:0',
  ]);
});
