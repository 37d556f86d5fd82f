// process-compose.yaml: processes, probes, depends_on conditions, availability, shutdown, replicas.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importProcessCompose } from '../../../src/import/process-compose.js';

test('each process key maps', () => {
  const { config, findings } = importProcessCompose(
    {
      version: '0.5',
      environment: ['GLOBAL=1'],
      processes: {
        setup: { command: 'make setup' },
        db: { command: 'postgres', ready_log_line: 'ready to accept connections' },
        api: {
          command: 'node api.js',
          environment: ['A=1', 'B=x=y'],
          replicas: 2,
          depends_on: {
            setup: { condition: 'process_completed_successfully' },
            db: { condition: 'process_log_ready' },
            gone: { condition: 'process_started' },
          },
          availability: { restart: 'on_failure', backoff_seconds: 3, max_restarts: 4, exit_on_end: true },
          readiness_probe: {
            http_get: { host: '127.0.0.1', port: 8080, path: '/ready' },
            initial_delay_seconds: 2,
            period_seconds: 1,
            failure_threshold: 5,
          },
          liveness_probe: {
            exec: { command: 'curl -f localhost:8080' },
            period_seconds: 5,
            timeout_seconds: 2,
            failure_threshold: 2,
          },
          shutdown: { signal: 2, timeout_seconds: 20, command: 'drain' },
          disabled: true,
          is_daemon: false,
        },
      },
    },
    '/tmp',
  );
  assert.deepEqual(config.env, { GLOBAL: '1' });
  assert.deepEqual(config.services.db.ready, { log: 'ready to accept connections' });
  assert.deepEqual(config.services.api, {
    command: 'node api.js',
    cwd: '/tmp',
    env: { A: '1', B: 'x=y' },
    instances: 2,
    depends_on: { setup: 'succeeded', db: 'ready' },
    restart: 'on-failure',
    backoff: { free: 0, initial: '3s', factor: 1, max: '1m' },
    max_restarts: 4,
    stop: { signal: 'SIGINT', timeout: '20s' },
    ready: { http: 'http://127.0.0.1:8080/ready', interval: '1s', timeout: '7s' },
    health: { exec: 'curl -f localhost:8080', interval: '5s', timeout: '2s', failures: 2 },
    autostart: false,
  });
  assert.equal(config.services.setup.restart, 'never');
  const of = (source: string) => findings.find((f) => f.service === 'api' && f.source === source)?.kind;
  assert.equal(of('depends_on.gone'), 'dropped');
  assert.equal(of('shutdown.command'), 'dropped');
  assert.equal(of('availability.exit_on_end'), 'dropped');
  assert.equal(of('is_daemon'), 'dropped');
  assert.equal(of('replicas'), 'approximated');
  assert.equal(findings.find((f) => f.service === null && f.source === 'version')?.kind, 'dropped');
});
