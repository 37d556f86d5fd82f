// corral export kubernetes: the manifests of the bundled example and of a project that uses every
// key validate against the Kubernetes schemas of kubernetes-models, and each mapping says what it should.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { exportKubernetes } from '../../../src/export/kubernetes.js';
import { EVERY_KEY, loadFile, loadText, SHOP } from './project.js';
import { validateKubernetes } from './validators.js';

// biome-ignore lint/suspicious/noExplicitAny: the assertions walk manifests by known paths
type Doc = { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, any> };

function docsOf(
  file: string,
  image = 'example/app:1',
): { docs: Doc[]; result: ReturnType<typeof exportKubernetes> } {
  const result = exportKubernetes(loadFile(file), { image });
  const docs = parseAllDocuments(result.files[0].content).map((d) => d.toJSON() as Doc);
  return { docs, result };
}

for (const [what, file] of [
  ['the bundled example (examples/shop)', SHOP],
  ['a project that uses every key', EVERY_KEY],
] as const) {
  test(`${what} validates against the Kubernetes schemas`, async (t) => {
    const { docs } = docsOf(file);
    const report: string[] = [];
    for (const doc of docs) {
      await validateKubernetes(doc);
      report.push(`${doc.apiVersion} ${doc.kind} ${doc.metadata.name}: valid`);
    }
    t.diagnostic(`kubernetes-models validate():\n${report.join('\n')}`);
    assert.ok(docs.length > 0);
  });
}

test('the schema check can fail: a Deployment with replicas as text is refused', async () => {
  const { docs } = docsOf(SHOP);
  const deployment = docs.find((d) => d.kind === 'Deployment')!;
  await assert.rejects(
    validateKubernetes({ ...deployment, spec: { ...deployment.spec, replicas: 'two' } } as Doc),
    /replicas/,
  );
});

test('every-key: workloads, probes, env, stop and limits as docs/export.md says', () => {
  const { docs, result } = docsOf(EVERY_KEY);
  const byName = new Map(docs.map((d) => [d.metadata.name, d]));
  assert.equal(byName.get('every-migrate')?.kind, 'Job');
  assert.equal(byName.get('every-migrate')?.spec.backoffLimit, 2);
  assert.equal(byName.get('every-migrate')?.spec.template.spec.restartPolicy, 'OnFailure');
  assert.equal(byName.get('every-seed')?.spec.template.spec.restartPolicy, 'Never');
  assert.equal(byName.get('every-seed')?.spec.backoffLimit, 0);
  const api = byName.get('every-api')!;
  assert.equal(api.kind, 'Deployment');
  assert.equal(api.spec.replicas, 2);
  const c = api.spec.template.spec.containers[0];
  assert.equal(c.image, 'example/app:1');
  assert.deepEqual(c.command, ['/bin/sh', '-c', 'exec /bin/sleep infinity']);
  assert.deepEqual(c.startupProbe, {
    httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' },
    periodSeconds: 1,
    failureThreshold: 30,
  });
  assert.deepEqual(c.livenessProbe, {
    httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' },
    periodSeconds: 10,
    timeoutSeconds: 2,
    failureThreshold: 5,
  });
  assert.deepEqual(c.ports, [{ containerPort: 8080 }]);
  assert.equal(api.spec.template.spec.terminationGracePeriodSeconds, 10);
  const db = byName.get('every-db')!.spec.template.spec;
  assert.deepEqual(db.containers[0].lifecycle, { stopSignal: 'SIGINT' });
  assert.deepEqual(db.os, { name: 'linux' });
  assert.deepEqual(db.securityContext, { runAsUser: 0, runAsGroup: 0 });
  assert.deepEqual(db.containers[0].resources, { limits: { memory: String(256 * 1024 * 1024) } });
  assert.equal(byName.get('every-tailer')?.spec.replicas, 0, 'autostart: false');
  const keys = result.findings.map((f) => `${f.service} ${f.key} ${f.kind}`);
  for (const k of [
    'api depends_on.db not mapped',
    'api instances approximated',
    'db umask not mapped',
    'db oom_score_adj not mapped',
    'db stop.signal approximated',
    'notifier ready.notify not mapped',
    'migrate backoff.reset_after not mapped',
  ])
    assert.ok(keys.includes(k), `${k} in ${keys.join(', ')}`);
});

test('$( in a command or value is kept as written ($$( for Kubernetes)', () => {
  const result = exportKubernetes(
    loadText("services:\n  web:\n    command: echo $(date)\n    env: { A: '$(HOME)' }\n"),
    { image: 'x' },
  );
  assert.match(result.files[0].content, /echo \$\$\(date\)/);
  assert.match(result.files[0].content, /value: \$\$\(HOME\)/);
});
