// GET /v1/usage?follow=1 on a real unix socket, over the daemon's real controller on a fake clock
// (the reports come when the test moves time): a client that stops reading is not sent the
// reports it cannot take, so they do not pile up in the daemon's memory.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { buildApi } from '../../src/api/server.js';
import { Controller } from '../../src/daemon/controller.js';
import { homePaths, prepareHome } from '../../src/daemon/home.js';
import type { Supervisor } from '../../src/engine/supervisor.js';
import { silentLogger } from '../../src/log.js';
import { UsageSampler } from '../../src/process/usage.js';
import { EventJournal } from '../../src/state/journal.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { type TempHome, tempHome } from '../helpers/home.js';
import { waitFor } from '../helpers/wait.js';

const PROCESSES = 1_000;
let home: TempHome;
let journal: EventJournal;
let app: ReturnType<typeof buildApi>;
let clock: FakeClock;
let socketPath: string;

before(async () => {
  home = tempHome();
  const paths = homePaths(home.dir);
  prepareHome(paths);
  socketPath = paths.socket;
  clock = new FakeClock();
  journal = new EventJournal(paths.eventsFile);
  // 1,000 running processes, each this test's own process: every report is about 60 KB
  const running = Array.from({ length: PROCESSES }, (_, i) => ({ name: `big/s${i}:0`, pid: process.pid }));
  const supervisor = { list: () => running } as unknown as Supervisor;
  const controller = new Controller({
    supervisor,
    journal,
    logs: {} as never,
    clock,
    boot: { home: home.dir, startedAt: Date.now(), adopted: [], foundDead: [], recovery: null },
    usage: new UsageSampler(),
    projectsChanged: () => {},
    stopServices: async () => ({ stillAlive: [] }),
    finish: () => {},
  });
  app = buildApi(controller, silentLogger());
  await app.listen({ path: socketPath });
});

after(async () => {
  await app.close();
  journal.close();
  home.cleanup();
});

test('a follower that stops reading is skipped until it catches up; one that reads gets every report', async () => {
  const follow = (): {
    text: () => string;
    received: () => number;
    pause: () => void;
    resume: () => void;
    close: () => void;
  } => {
    const socket = connect(socketPath);
    socket.write('GET /v1/usage?follow=1 HTTP/1.1\r\nHost: x\r\n\r\n');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      text += d;
    });
    return {
      text: () => text,
      received: () => text.split('event: usage\n').length - 1,
      pause: () => socket.pause(),
      resume: () => socket.resume(),
      close: () => socket.destroy(),
    };
  };
  const reader = follow();
  const stalled = follow();
  await waitFor(() => reader.received() === 1 && stalled.received() === 1, { what: 'the first reports' });
  stalled.pause();
  const ticks = 60;
  for (let i = 0; i < ticks; i++) {
    await clock.settle(2_000);
    // the reader takes each report before the next
    await waitFor(() => reader.received() === i + 2, { what: `report ${i + 2} at the reader` });
  }
  stalled.resume();
  await clock.settle(2_000);
  const last = new Date(clock.now()).toISOString();
  await waitFor(() => reader.received() === ticks + 2, { what: 'the last report at the reader' });
  // the stalled one gets what was on its way when it stopped, then the newest report: not all
  await waitFor(() => stalled.text().includes(`"time":"${last}"`), {
    what: 'the newest report at the follower that caught up',
  });
  const got = stalled.received();
  assert.ok(got < ticks / 2, `the stalled follower was sent ${got} of ${ticks + 2} reports`);
  reader.close();
  stalled.close();
});
