// The round trip between corral import and corral export, through the real CLI. For each format:
// import the tool's file -> corral.yaml -> export compose -> import again: every key of every
// service comes back the same, unless the export said (on stderr) that Compose could not express
// it. Compose itself: that, and the second export equal to the first. And import -> corral.yaml ->
// export systemd: the units say what the import said (signal, stop timeout, restart, success
// codes, instances, environment, command).
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadProject } from '../../src/config/load.js';
import type { ServiceSpec } from '../../src/config/types.js';
import { needsShell, shellWords } from '../../src/import/values.js';
import { type CliEnv, homeFor } from '../helpers/cli.js';
import { fixture } from '../helpers/home.js';

interface Source {
  format: string;
  file: string;
  env: NodeJS.ProcessEnv;
}

const SOURCES: Source[] = [
  { format: 'pm2', file: 'ecosystem.config.cjs', env: { API_PORT: '4101' } },
  { format: 'supervisord', file: 'supervisord.conf', env: { WEB_PORT: '4102' } },
  { format: 'compose', file: 'compose.yaml', env: { API_PORT: '4103' } },
  { format: 'process-compose', file: 'process-compose.yaml', env: { API_PORT: '4104' } },
  { format: 'procfile', file: 'Procfile', env: {} },
];

/** A copy of test/fixtures/import in the test's project directory. */
function fixtures(c: CliEnv): string {
  const dir = join(c.projectDir, 'import');
  cpSync(fixture('import'), dir, { recursive: true });
  return dir;
}

/** Runs corral and requires exit 0; its stderr. */
async function ok(c: CliEnv, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const r = await c.corral(args, { cwd, env });
  assert.equal(r.code, 0, `corral ${args.join(' ')}:\n${r.stderr}`);
  return r.stderr;
}

/** `service: key` of every line an export printed about what it could not map exactly. */
function exportFindings(stderr: string): Array<{ service: string; key: string }> {
  return [
    ...stderr.matchAll(/^corral export \w+: warning: ([^:]+): ([^:]+): (?:approximated|not mapped): /gm),
  ].map((m) => ({ service: m[1], key: m[2] }));
}

/** A command as words: `/bin/sh -c LINE` of a line a shell only splits is the same as its words. */
function words(argv: string[]): string[] {
  return argv[0] === '/bin/sh' && argv[1] === '-c' && !needsShell(argv[2]) ? shellWords(argv[2]) : argv;
}

/** The line a shell runs for `line`, through any `/bin/sh -c '...'` wrapped around it. */
function shellLine(line: string): string {
  const w = shellWords(line);
  return w.length === 3 && w[0] === '/bin/sh' && w[1] === '-c' ? shellLine(w[2]) : line;
}

/** What a round trip can keep of a service, keyed by the corral key path. */
function kept(s: ServiceSpec): Record<string, unknown> {
  const env = Object.fromEntries(Object.entries(s.env).filter(([k]) => !k.startsWith('CORRAL_')));
  const probe = (p: ServiceSpec['ready'] | ServiceSpec['health']) =>
    p === null
      ? null
      : {
          ...p,
          check: p.check.kind === 'exec' ? { kind: 'exec', command: words(p.check.command) } : p.check,
        };
  return {
    command: words(s.command),
    env,
    instances: s.instances,
    depends_on: s.dependsOn,
    restart: s.restart,
    success_codes: s.successCodes,
    'backoff.free': s.backoff.free,
    'backoff.initial': s.backoff.initialMs,
    'backoff.factor': s.backoff.factor,
    'backoff.max': s.backoff.maxMs,
    'backoff.reset_after': s.backoff.resetAfterMs,
    max_restarts: s.maxRestarts,
    'stop.signal': s.stop.signal,
    'stop.timeout': s.stop.timeoutMs,
    ready: probe(s.ready),
    health: probe(s.health),
    'logs.timestamps': s.logs.timestamps,
    'logs.max_size': s.logs.maxSizeBytes,
    'logs.keep': s.logs.keep,
    user: s.user,
    group: s.group,
    umask: s.umask,
    oom_score_adj: s.oomScoreAdj,
    sockets: s.sockets,
    max_memory: s.maxMemoryBytes,
    autostart: s.autostart,
  };
}

/**
 * Compares two projects service by service and key by key; a difference is allowed only where the
 * export said it could not express that key exactly. Returns how many keys came back the same.
 */
function compare(
  a: ServiceSpec[],
  b: ServiceSpec[],
  findings: Array<{ service: string; key: string }>,
): number {
  assert.deepEqual(
    b.map((s) => s.name),
    a.map((s) => s.name),
    'the same services',
  );
  let same = 0;
  const unexplained: string[] = [];
  for (const [i, sa] of a.entries()) {
    const ka = kept(sa);
    const kb = kept(b[i]);
    for (const key of Object.keys(ka)) {
      if (JSON.stringify(ka[key]) === JSON.stringify(kb[key])) {
        same++;
        continue;
      }
      const said = findings.some(
        (f) => f.service === sa.name && (key.startsWith(f.key) || f.key.startsWith(key)),
      );
      if (!said)
        unexplained.push(
          `${sa.name}.${key}: ${JSON.stringify(ka[key])} came back as ${JSON.stringify(kb[key])}`,
        );
    }
  }
  assert.deepEqual(unexplained, [], 'every key both formats express comes back the same');
  return same;
}

for (const source of SOURCES) {
  test(`${source.format}: import -> export compose -> import keeps what Compose can express`, async (t) => {
    const c = homeFor(t);
    const dir = join(fixtures(c), source.format);
    await ok(c, ['import', source.file, '-o', 'corral.yaml'], dir, source.env);
    const exported = await ok(c, ['export', 'compose', '--image', 'shop:dev', '-o', 'out'], dir, source.env);
    await ok(c, ['import', join('out', 'compose.yaml'), '-o', join('again', 'corral.yaml')], dir, source.env);
    const a = loadProject(join(dir, 'corral.yaml'), { env: source.env }).services;
    const b = loadProject(join(dir, 'again', 'corral.yaml'), { env: source.env }).services;
    const same = compare(a, b, exportFindings(exported));
    // the keys Compose expresses are there to compare: command, env, instances, depends_on, restart, stop, ...
    assert.ok(same >= a.length * 15, `only ${same} keys came back the same`);
    for (const [i, s] of a.entries()) {
      assert.deepEqual(words(b[i].command), words(s.command), `${s.name}: command`);
      assert.deepEqual(b[i].stop, s.stop, `${s.name}: stop`);
      assert.deepEqual(b[i].dependsOn, s.dependsOn, `${s.name}: depends_on`);
      assert.equal(b[i].instances, s.instances, `${s.name}: instances`);
    }
  });
}

test('compose: a second export of the re-imported project is the first one', async (t) => {
  const c = homeFor(t);
  const dir = join(fixtures(c), 'compose');
  const env = { API_PORT: '4105' };
  await ok(c, ['import', 'compose.yaml'], dir, env);
  await ok(c, ['export', 'compose', '--image', 'shop:dev', '-o', 'out'], dir, env);
  await ok(c, ['import', join('out', 'compose.yaml'), '-o', join('again', 'corral.yaml')], dir, env);
  await ok(
    c,
    ['export', 'compose', '-f', join('again', 'corral.yaml'), '--image', 'shop:dev', '-o', 'out2'],
    dir,
    env,
  );
  const first = readFileSync(join(dir, 'out', 'compose.yaml'), 'utf8');
  const second = readFileSync(join(dir, 'out2', 'compose.yaml'), 'utf8');
  // the exporter writes an exec check held as `/bin/sh -c LINE` as CMD-SHELL "/bin/sh -c 'LINE'":
  // the same check one shell deeper, so the tests are compared as the line the shell runs
  const composeOf = (text: string) => {
    const data = parse(text) as { services: Record<string, { healthcheck?: { test: string[] } }> };
    for (const svc of Object.values(data.services)) {
      const hc = svc.healthcheck;
      if (hc?.test[0] === 'CMD-SHELL') hc.test = ['CMD-SHELL', shellLine(hc.test[1])];
    }
    return data;
  };
  assert.deepEqual(composeOf(second), composeOf(first));
  assert.equal(second.replace(/^ {8}- "\/bin\/sh -c .*$/m, ''), first.replace(/^ {8}- "node -e .*$/m, ''));
});

/** A unit file's keys, each with every value it was given, in order. */
function unitKeys(text: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m !== null) keys.set(m[1], [...(keys.get(m[1]) ?? []), m[2]]);
  }
  return keys;
}

/** Milliseconds of a systemd time span as the exporter writes them: 15s, 1600ms, 1min 30s, 2h. */
function timespanMs(text: string): number {
  const unit: Record<string, number> = { ms: 1, s: 1000, min: 60_000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|min|m|h)\b/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}

for (const source of SOURCES) {
  test(`${source.format}: import -> export systemd: the units say what the import said`, async (t) => {
    const c = homeFor(t);
    const dir = join(fixtures(c), source.format);
    await ok(c, ['import', source.file], dir, source.env);
    await ok(c, ['export', 'systemd', '-o', 'units'], dir, source.env);
    const project = loadProject(join(dir, 'corral.yaml'), { env: source.env });
    for (const s of project.services) {
      const unit = `${project.name}-${s.name}${s.instances > 1 ? '@' : ''}.service`;
      const keys = unitKeys(readFileSync(join(dir, 'units', unit), 'utf8'));
      const one = (k: string) => keys.get(k)?.[0];
      assert.equal(one('KillSignal'), s.stop.signal, `${unit}: KillSignal`);
      assert.equal(timespanMs(one('TimeoutStopSec') ?? ''), s.stop.timeoutMs, `${unit}: TimeoutStopSec`);
      if (s.ready?.check.kind !== 'exec' || s.restart !== 'never')
        assert.equal(
          one('Restart'),
          { always: 'always', 'on-failure': 'on-failure', never: 'no' }[s.restart],
          `${unit}: Restart`,
        );
      if (s.restart === 'on-failure' && s.successCodes.join(' ') !== '0')
        assert.equal(one('SuccessExitStatus'), s.successCodes.join(' '), `${unit}: SuccessExitStatus`);
      const environment = (keys.get('Environment') ?? []).join(' ');
      for (const [k, v] of Object.entries(s.env)) {
        if (k.startsWith('CORRAL_')) continue;
        assert.ok(
          environment.includes(`${k}=`) &&
            environment.includes(v.replace(/%/g, '%%').replace(/\$/g, '$$$$').split('"')[0]),
          `${unit}: Environment ${k}=${v} in ${environment}`,
        );
      }
      const exec = one('ExecStart') ?? '';
      const last = s.command[s.command.length - 1].split(/\s+/)[0];
      assert.ok(
        exec.includes(last.replace(/%/g, '%%').replace(/\$/g, '$$$$')) ||
          exec.includes(JSON.stringify(last).slice(1, -1)),
        `${unit}: ExecStart ${exec} runs ${last}`,
      );
    }
  });
}
