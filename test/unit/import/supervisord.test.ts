// supervisord.conf: its INI dialect (comments, continuations, includes, syntax errors with their
// line), `%(...)s` expansions, and the mapping of [program:x] keys with supervisord's defaults.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { expand, importSupervisord } from '../../../src/import/supervisord.js';
import { parseIni } from '../../../src/import/supervisord-ini.js';

const dir = mkdtempSync(join(tmpdir(), 'corral-supervisord-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function conf(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

test('comments, inline comments after whitespace, continuation lines, repeated sections', () => {
  const sections = parseIni(
    [
      '; a comment',
      '# another',
      '[program:a]',
      'command = sleep 1 ; the rest is a comment',
      'environment=A="1",',
      '    B="2"',
      'url=http://x/#frag',
      '[program:a]',
      'Autostart: false',
    ].join('\n'),
    '/etc/s.conf',
  );
  const a = sections.get('program:a');
  assert.equal(a?.keys.get('command')?.value, 'sleep 1');
  assert.equal(a?.keys.get('environment')?.value, 'A="1",\nB="2"');
  assert.equal(a?.keys.get('url')?.value, 'http://x/#frag');
  assert.equal(a?.keys.get('autostart')?.value, 'false');
  assert.equal(a?.keys.get('autostart')?.line, 9);
});

test('a syntax error is reported with its file and line', () => {
  assert.throws(() => parseIni('[program:a]\ncommand=sleep 1\nnot a key\n', '/etc/s.conf'), {
    message: '/etc/s.conf:3: expected "key = value" in [program:a], got "not a key"',
  });
  assert.throws(
    () => parseIni('command=sleep 1\n', '/etc/s.conf'),
    /\/etc\/s\.conf:1: expected a \[section\] header/,
  );
});

test('%(...)s expansions as supervisord does them', () => {
  const v = {
    value: '%(here)s/%(program_name)s-%(process_num)02d %(ENV_HOME)s 100%%',
    file: 'f',
    line: 3,
    here: '/srv',
  };
  assert.equal(
    expand(v, { program_name: 'web', process_num: 7 }, { HOME: '/root' }),
    '/srv/web-07 /root 100%',
  );
  assert.throws(() => expand({ ...v, value: '%(ENV_NOPE)s' }, {}, {}), {
    message: 'f:3: %(ENV_NOPE)s: the environment variable NOPE is not set',
  });
  assert.throws(
    () => expand({ ...v, value: '%(nope)s' }, {}, {}),
    /f:3: %\(nope\)s: supervisord knows no %\(nope\) here/,
  );
});

test("[program:x] with supervisord's defaults written out: autorestart=unexpected, stopwaitsecs=10", () => {
  const file = conf('defaults.conf', '[program:web]\ncommand=/usr/bin/env sleep 60\n');
  const { config, findings } = importSupervisord(file, {});
  assert.deepEqual(config.services.web, {
    command: ['/usr/bin/env', 'sleep', '60'],
    restart: 'on-failure',
    success_codes: [0],
    stop: { timeout: '10s' },
  });
  assert.ok(findings.some((f) => f.source === '(supervisord default autorestart=unexpected)'));
});

test('every mapped key, numprocs as instances with %(process_num), includes and groups', () => {
  mkdirSync(join(dir, 'conf.d'), { recursive: true });
  conf(
    'conf.d/a.conf',
    '[program:worker]\ncommand=sleep 10%(process_num)d\nnumprocs=3\nnumprocs_start=1\nautorestart=true\n',
  );
  conf('conf.d/b.txt', '[program:ignored]\ncommand=sleep 1\n');
  const file = conf(
    'main.conf',
    [
      '[supervisord]',
      'environment=GLOBAL="x, y"',
      'logfile=/var/log/s.log',
      '[program:web]',
      `command=node "server.js" --dir %(here)s`,
      `directory=${dir}`,
      'environment=A="1",B=two',
      'exitcodes=0,2',
      'startsecs=3',
      'startretries=4',
      'stopsignal=INT',
      'stopwaitsecs=7',
      'user=nobody',
      'umask=022',
      'autostart=false',
      'priority=5',
      'stdout_logfile_maxbytes=1MB',
      'stdout_logfile_backups=2',
      '[group:g]',
      'programs=web,worker',
      '[eventlistener:x]',
      'command=listener',
      '[include]',
      'files = conf.d/*.conf',
    ].join('\n'),
  );
  const { config, findings, included } = importSupervisord(file, {});
  assert.deepEqual(included, [join(dir, 'conf.d/a.conf')]);
  assert.deepEqual(config.env, { GLOBAL: 'x, y' });
  assert.deepEqual(config.services.web, {
    command: ['node', 'server.js', '--dir', dir],
    cwd: dir,
    env: { A: '1', B: 'two' },
    restart: 'on-failure',
    success_codes: [0, 2],
    backoff: { reset_after: '3s' },
    max_restarts: 4,
    stop: { signal: 'SIGINT', timeout: '7s' },
    user: 'nobody',
    umask: '0022',
    autostart: false,
    logs: { max_size: '1MB', keep: 2 },
  });
  assert.equal(config.services.worker.instances, 3);
  assert.equal(config.services.worker.command, `exec 'sleep' '10'"$((CORRAL_INSTANCE + 1))"`);
  assert.equal(config.services.worker.restart, 'always');
  const kinds = Object.fromEntries(findings.map((f) => [`${f.service}/${f.source}`, f.kind]));
  assert.equal(kinds['web/priority'], 'dropped');
  assert.equal(kinds['null/[group:g]'], 'dropped');
  assert.equal(kinds['null/[eventlistener:x]'], 'dropped');
  assert.equal(kinds['null/[supervisord] logfile'], 'dropped');
  assert.equal(kinds['web/startretries'], 'approximated');
  assert.equal(kinds['worker/command'], 'approximated');
});

test('a directory missing here is dropped, so the result still passes corral check', () => {
  const file = conf('missing.conf', '[program:web]\ncommand=sleep 1\ndirectory=/nonexistent/srv/app\n');
  const { config, findings } = importSupervisord(file, {});
  assert.equal(config.services.web.cwd, undefined);
  assert.match(findings.find((f) => f.source === 'directory')?.note ?? '', /does not exist here/);
});

test('no [program:x] at all is an error', () => {
  const file = conf('empty.conf', '[supervisord]\nlogfile=/tmp/x\n');
  assert.throws(() => importSupervisord(file, {}), /no \[program:x\] section/);
});
