// How a user's name means processes: instance, service, or a whole project.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveAddress } from '../../../src/engine/names.js';
import { isCorralError } from '../../../src/errors.js';

interface P {
  index: number;
  name: string;
}

function loaded(
  spec: Record<string, Record<string, number>>,
): Map<string, { services: Map<string, { instances: P[] }> }> {
  const out = new Map<string, { services: Map<string, { instances: P[] }> }>();
  for (const [project, services] of Object.entries(spec)) {
    const map = new Map<string, { instances: P[] }>();
    for (const [service, n] of Object.entries(services))
      map.set(service, {
        instances: Array.from({ length: n }, (_, index) => ({
          index,
          name: `${project}/${service}:${index}`,
        })),
      });
    out.set(project, { services: map });
  }
  return out;
}

const names = (list: P[]): string[] => list.map((p) => p.name).sort();

test('a service, an instance, a qualified name', () => {
  const projects = loaded({ shop: { web: 2, db: 1 }, blog: { api: 1 } });
  assert.deepEqual(names(resolveAddress(projects, 'web')), ['shop/web:0', 'shop/web:1']);
  assert.deepEqual(names(resolveAddress(projects, 'web:1')), ['shop/web:1']);
  assert.deepEqual(names(resolveAddress(projects, 'blog/api')), ['blog/api:0']);
});

test('a bare project name means every process of that project; a service of that name wins', () => {
  const projects = loaded({ shop: { web: 2, db: 1 }, api: { api: 1, worker: 1 } });
  assert.deepEqual(names(resolveAddress(projects, 'shop')), ['shop/db:0', 'shop/web:0', 'shop/web:1']);
  // `api` is a service of project api: the service, as a bare service name always meant
  assert.deepEqual(names(resolveAddress(projects, 'api')), ['api/api:0']);
  // a project name with an instance or a project part is not a project
  assert.throws(
    () => resolveAddress(projects, 'shop:0'),
    (e: unknown) => isCorralError(e) && e.code === 'SERVICE_NOT_FOUND',
  );
});

test('an unknown name says what is known', () => {
  const projects = loaded({ shop: { web: 1 } });
  assert.throws(
    () => resolveAddress(projects, 'nosuch'),
    (e: unknown) =>
      isCorralError(e) && e.message === 'No service or project named "nosuch" (known: shop/web)',
  );
});
