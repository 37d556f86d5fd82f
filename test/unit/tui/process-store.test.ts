// The process table's data: read once, then only what events name, batched; a burst reads the whole list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CorralEvent, ProcessStatus } from '../../../src/api/schemas.js';
import { CorralError } from '../../../src/errors.js';
import { ProcessStore, readTime } from '../../../src/tui/process-store.js';
import { stateText } from '../../../src/tui/table.js';
import { waitFor } from '../../helpers/wait.js';

function proc(name: string, state = 'running', pid: number | null = 1): ProcessStatus {
  const [project, rest] = name.split('/');
  const [service, instance] = rest.split(':');
  return {
    project,
    service,
    instance: Number(instance),
    name,
    state,
    pid,
    restarts: 0,
    started_at: null,
    health: 'none',
    last_exit: null,
    backoff_ms: null,
    message: null,
    outdated: false,
    status_text: null,
    cpu: null,
    memory: null,
  };
}

function event(project: string | null, service: string | null, instance: number | null): CorralEvent {
  return {
    time: new Date().toISOString(),
    type: 'exited',
    project,
    service,
    instance,
    pid: null,
    code: null,
    signal: null,
    reason: null,
    delay_ms: null,
    message: null,
  };
}

function setup(list: ProcessStatus[]): { store: ProcessStore; reads: string[]; daemon: ProcessStatus[] } {
  const daemon = list;
  const reads: string[] = [];
  const covers = (name: string, p: ProcessStatus): boolean =>
    p.name === name || p.project === name || `${p.project}/${p.service}` === name;
  const store = new ProcessStore({
    source: {
      services: async () => {
        reads.push('*');
        return daemon.map((p) => ({ ...p }));
      },
      service: async (name) => {
        reads.push(name);
        const found = daemon.filter((p) => covers(name, p)).map((p) => ({ ...p }));
        if (found.length === 0) throw new CorralError('SERVICE_NOT_FOUND', `no ${name}`);
        return found;
      },
    },
    onChange: () => {},
    onError: (e) => {
      throw e;
    },
    concurrency: 2,
    wholeListOver: 3,
    batchMs: 5,
  });
  return { store, reads, daemon };
}

test('an event reads again only the process it names; a gone one leaves the table', async () => {
  const { store, reads, daemon } = setup([proc('shop/web:0'), proc('shop/api:0')]);
  await store.reloadAll();
  assert.equal(store.procs.size, 2);
  daemon[0] = proc('shop/web:0', 'backoff', null);
  store.onEvent(event('shop', 'web', 0));
  store.onEvent(event('shop', 'web', 0));
  await waitFor(() => store.procs.get('shop/web:0')?.state === 'backoff');
  assert.deepEqual(reads, ['*', 'shop/web:0']);
  daemon.splice(1, 1);
  store.onEvent(event('shop', 'api', null));
  await waitFor(() => !store.procs.has('shop/api:0'));
  assert.ok(store.procs.has('shop/web:0'));
  store.close();
});

test('a burst of events naming many processes reads the whole list once', async () => {
  const list = Array.from({ length: 10 }, (_, i) => proc(`shop/s${i}:0`));
  const { store, reads } = setup(list);
  await store.reloadAll();
  for (let i = 0; i < 10; i++) store.onEvent(event('shop', `s${i}`, 0));
  await waitFor(() => reads.length === 2);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(reads, ['*', '*']);
  store.close();
});

test("a backoff's time left counts down from when it was read", async () => {
  const { store } = setup([{ ...proc('shop/web:0', 'backoff', null), backoff_ms: 5_000 }]);
  await store.reloadAll();
  const p = store.procs.get('shop/web:0') as ProcessStatus;
  const read = readTime(p) as number;
  assert.equal(stateText(p, read), 'backoff 5s');
  assert.equal(stateText(p, read + 3_200), 'backoff 2s');
  assert.equal(stateText(p, read + 9_000), 'backoff 0s');
  store.close();
});

test('usage figures go to the process with that pid only', async () => {
  const { store } = setup([proc('shop/web:0', 'running', 7)]);
  await store.reloadAll();
  store.applyUsage({ time: '', processes: [{ name: 'shop/web:0', pid: 8, cpu: 5, memory: 10 }] });
  assert.equal(store.procs.get('shop/web:0')?.cpu, null);
  store.applyUsage({ time: '', processes: [{ name: 'shop/web:0', pid: 7, cpu: 5, memory: 10 }] });
  assert.equal(store.procs.get('shop/web:0')?.cpu, 5);
  store.close();
});
