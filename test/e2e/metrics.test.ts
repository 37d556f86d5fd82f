// GET /metrics as Prometheus reads it (checked by Prometheus's own parser, `promtool check
// metrics`), with the values a restarted, a failed, a stopped and a running process must show;
// the usage stream and `ps` showing the same figures; `corral daemon profile`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { UsageReport } from '../../src/api/schemas.js';
import { VERSION } from '../../src/version.js';
import {
  type CliEnv,
  daemonModules,
  daemonPid,
  homeFor,
  runProcess,
  upListingModules,
  upProject,
  waitForState,
} from '../helpers/cli.js';
import { clientOf, services, waitForRow } from '../helpers/daemon-api.js';
import { CLI, fixture } from '../helpers/home.js';
import { httpRequest } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';

const node = process.execPath;

const project = `
name: mx
services:
  web:
    command: [${node}, ${fixture('forever.mjs')}]
    instances: 2
    health: { exec: "true", interval: 100ms }
  crashy:
    command: [${node}, ${fixture('exit-with.mjs')}, "3"]
    restart: on-failure
    max_restarts: 2
  idle:
    command: [${node}, ${fixture('forever.mjs')}]
`;

/** One GET on the home's socket: status, content type and body. */
const get = (c: CliEnv, path: string) =>
  httpRequest({ socketPath: join(c.env.CORRAL_HOME!, 'corral.sock'), path });

/** The value of the one sample `series` (name and labels exactly as written); undefined when absent. */
function sampleValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** `promtool check metrics` on the text: its exit code and what it said. */
function promtool(text: string): { code: number | null; said: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool cannot run (Debian package prometheus): ${r.error.message}`);
  return { code: r.status, said: `${r.stdout}${r.stderr}` };
}

describe('GET /metrics', () => {
  test('passes promtool check metrics and shows each process: restarted, failed, stopped, running', async (t) => {
    const c = await upProject(t, project, { wait: false });
    await waitForState(c, 'mx/web:0', 'running');
    await waitForState(c, 'mx/web:1', 'running');
    await waitForRow(c, (p) => p.name === 'mx/web:0' && p.health === 'healthy', { what: 'web:0 healthy' });
    const crashy = await waitForState(c, 'mx/crashy:0', 'failed');
    assert.equal(crashy.restarts, 2);
    assert.equal((await c.corral(['stop', 'mx/idle'])).code, 0);

    const r = await get(c, '/metrics');
    assert.equal(r.status, 200);
    assert.equal(r.type, 'text/plain; version=0.0.4; charset=utf-8');
    const checked = promtool(r.body);
    assert.equal(checked.code, 0, `promtool check metrics:\n${checked.said}\n${r.body}`);
    assert.equal(checked.said, '', 'not a single lint remark');
    assert.doesNotMatch(r.body, /instance=/, 'no label named instance');

    const m = (series: string): number | undefined => sampleValue(r.body, series);
    const crashyLabels = 'project="mx",service="crashy",replica="0"';
    // the failed one: its restarts by reason, its state, its last exit code, no process
    assert.equal(m(`corral_process_restarts_total{${crashyLabels},reason="crashed"}`), 2);
    assert.equal(m(`corral_process_restarts_total{${crashyLabels},reason="health-failed"}`), 0);
    assert.equal(m(`corral_process_state{${crashyLabels},state="failed"}`), 1);
    assert.equal(m(`corral_process_state{${crashyLabels},state="running"}`), 0);
    assert.equal(m(`corral_process_last_exit_code{${crashyLabels}}`), 3);
    assert.equal(m(`corral_process_up{${crashyLabels}}`), 0);
    assert.equal(m(`corral_process_resident_memory_bytes{${crashyLabels}}`), undefined);
    // the stopped one
    const idleLabels = 'project="mx",service="idle",replica="0"';
    assert.equal(m(`corral_process_state{${idleLabels},state="stopped"}`), 1);
    assert.equal(m(`corral_process_up{${idleLabels}}`), 0);
    // a running one: its start time, figures from /proc, health; exactly one state is 1
    const rows = await services(c);
    for (const index of [0, 1]) {
      const labels = `project="mx",service="web",replica="${index}"`;
      const row = rows.find((p) => p.name === `mx/web:${index}`)!;
      assert.equal(m(`corral_process_up{${labels}}`), 1);
      assert.equal(
        m(`corral_process_start_time_seconds{${labels}}`),
        Date.parse(row.started_at as string) / 1000,
      );
      assert.ok(m(`corral_process_resident_memory_bytes{${labels}}`)! > 1024 * 1024);
      assert.ok(m(`corral_process_cpu_seconds_total{${labels}}`)! > 0, 'node used CPU to start');
      assert.equal(m(`corral_process_healthy{${labels}}`), 1);
      const states = r.body.split('\n').filter((l) => l.startsWith(`corral_process_state{${labels},`));
      assert.equal(states.length, 8, 'one series per state');
      assert.deepEqual(
        states.filter((l) => l.endsWith(' 1')),
        [`corral_process_state{${labels},state="running"} 1`],
      );
    }
    assert.equal(m(`corral_process_healthy{${idleLabels}}`), undefined, 'no health check, no series');
    // the daemon
    assert.equal(m(`corral_build_info{version="${VERSION}",node="${process.versions.node}"}`), 1);
    assert.ok(m('process_resident_memory_bytes')! > 10 * 1024 * 1024);
    const lag = m('nodejs_eventloop_lag_seconds')!;
    assert.ok(lag >= 0 && lag < 1, `lag ${lag} s`);
    assert.ok(m('corral_log_written_bytes_total')! >= 'ready\n'.length * 2, 'web:0 and web:1 said ready');
  });
});

describe('what an unscraped daemon loads', () => {
  test('no metrics renderer and no profiler until a scrape or a profile asks for them', async (t) => {
    const c = homeFor(t);
    c.writeConfig(project.replace(/ {2}crashy:[\s\S]*$/, ''));
    await upListingModules(c);
    assert.equal((await c.corral(['ps'])).code, 0);
    assert.equal((await get(c, '/v1/usage')).status, 200);
    assert.equal((await c.corral(['daemon', 'stop'])).code, 0);
    const modules = daemonModules(c);
    assert.ok(
      modules.some((m) => m.includes('/metrics/usage-feed.js')),
      'the list is there',
    );
    for (const part of [
      '/metrics/exposition.js',
      '/metrics/process-metrics.js',
      '/daemon/profile.js',
      'node:inspector',
    ])
      assert.ok(!modules.some((m) => m.includes(part)), `the daemon loaded ${part}`);
  });
});

describe('the usage stream', () => {
  test('GET /v1/usage is one report; with follow=1 a report at once, then every 2 s, and ps shows the same figures', async (t) => {
    const c = await upProject(t, project.replace(/ {2}crashy:[\s\S]*$/, ''), { wait: true });
    const once = JSON.parse((await get(c, '/v1/usage')).body) as UsageReport;
    assert.deepEqual(once.processes.map((p) => p.name).sort(), ['mx/web:0', 'mx/web:1']);
    for (const p of once.processes) {
      assert.equal(typeof p.pid, 'number');
      assert.ok(p.memory > 1024 * 1024 && p.cpu >= 0, JSON.stringify(p));
    }
    const reports: UsageReport[] = [];
    const abort = new AbortController();
    t.after(() => abort.abort());
    const followed = clientOf(c)
      .stream(
        '/v1/usage?follow=1',
        (event, data) => {
          assert.equal(event, 'usage');
          reports.push(data as UsageReport);
        },
        abort.signal,
      )
      .catch(() => {});
    await waitFor(() => reports.length >= 2, { what: 'two usage reports', timeout: 10_000 });
    const gap = Date.parse(reports[1].time) - Date.parse(reports[0].time);
    // the interval, not a timing: the reports come from the 2 s timer, not one per request
    assert.ok(gap >= 1_900 && gap < 20_000, `${gap} ms between reports`);
    // ps asked while the stream is followed: the figures of a report the stream sent
    const rows = await services(c);
    const seen = reports.length;
    await waitFor(() => reports.length > seen, { what: 'the next report', timeout: 10_000 });
    for (const row of rows) {
      const match = reports.some((r) =>
        r.processes.some((p) => p.name === row.name && p.cpu === row.cpu && p.memory === row.memory),
      );
      assert.ok(match, `${row.name}: ps ${row.cpu}% ${row.memory} B is in no usage report`);
    }
    abort.abort();
    await followed;
  });
});

describe('corral daemon profile', () => {
  test('--cpu 1s writes a CPU profile (JSON with nodes); --heap a heap snapshot that parses', async (t) => {
    const c = await upProject(t, project.replace(/ {2}crashy:[\s\S]*$/, ''), { wait: true });
    const cpuFile = join(c.projectDir, 'daemon.cpuprofile');
    const cpu = await c.corral(['daemon', 'profile', '--cpu', '1s', '-o', cpuFile]);
    assert.equal(cpu.code, 0, cpu.stderr);
    assert.equal(cpu.stdout.trim(), cpuFile);
    const profile = JSON.parse(readFileSync(cpuFile, 'utf8')) as {
      nodes: unknown[];
      startTime: number;
      endTime: number;
    };
    assert.ok(Array.isArray(profile.nodes) && profile.nodes.length > 0, 'nodes');
    const tookUs = profile.endTime - profile.startTime;
    assert.ok(tookUs >= 900_000 && tookUs < 20_000_000, `profiled ${tookUs} us`);
    // no -o: a named file in the current directory, printed
    const heap = await c.corral(['daemon', 'profile', '--heap']);
    assert.equal(heap.code, 0, heap.stderr);
    const written = heap.stdout.trim();
    assert.match(written, /^corral-daemon-\d+-[0-9TZ-]+\.heapsnapshot$/);
    const snapshot = JSON.parse(readFileSync(join(c.projectDir, written), 'utf8')) as {
      snapshot: { meta: unknown; node_count: number };
    };
    assert.ok(snapshot.snapshot.node_count > 1000, 'a heap snapshot');
    // the daemon kept nothing behind in its run directory
    const run = join(c.env.CORRAL_HOME!, 'run');
    assert.deepEqual(
      readdirSync(run).filter((f) => f.startsWith('profile-')),
      [],
    );
    assert.ok(existsSync(cpuFile));
  });

  test('the daemon answers requests while a CPU profile is being taken', async (t) => {
    const c = await upProject(t, project.replace(/ {2}crashy:[\s\S]*$/, ''), { wait: true });
    const pid = daemonPid(c);
    // V8's profiler runs a thread of its own while a profile is taken
    const profiling = (): boolean =>
      readdirSync(`/proc/${pid}/task`).some((tid) => {
        try {
          return readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() === 'v8:ProfEvntProc';
        } catch {
          return false;
        }
      });
    assert.equal(profiling(), false);
    const file = join(c.projectDir, 'busy.cpuprofile');
    const child = c.spawnCorral(['daemon', 'profile', '--cpu', '5s', '-o', file]);
    await waitFor(profiling, { what: 'the CPU profile to begin' });
    const rows = await services(c);
    assert.equal(rows.length, 2);
    assert.ok(profiling() && child.exitCode === null, 'answered while the profile was still being taken');
    await waitFor(() => child.exitCode !== null, { what: 'the profile to end', timeout: 20_000 });
    assert.equal(child.exitCode, 0, child.output());
    assert.ok((JSON.parse(readFileSync(file, 'utf8')) as { nodes: unknown[] }).nodes.length > 0);
  });

  test('bad durations are refused before anything is taken', async (t) => {
    const c = await upProject(t, project.replace(/ {2}crashy:[\s\S]*$/, ''), { wait: true });
    const none = await c.corral(['daemon', 'profile']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--cpu DURATION or --heap/);
    const both = await c.corral(['daemon', 'profile', '--cpu', '1s', '--heap']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--cpu DURATION or --heap/);
    const bad = await c.corral(['daemon', 'profile', '--cpu', '5']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /duration/i);
    const long = await c.corral(['daemon', 'profile', '--cpu', '1h']);
    assert.equal(long.code, 2);
    assert.match(long.stderr, /--cpu to be at most 5m 0s, got 1h/);
  });
});
