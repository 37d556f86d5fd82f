// How a user's name means processes: instance, service, or a whole project.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveAddress, resolveName } from '../../../src/engine/names.js';
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

test('an unknown name says what is close and what is known', () => {
  const projects = loaded({ shop: { web: 1 } });
  assert.throws(
    () => resolveAddress(projects, 'nosuch'),
    (e: unknown) =>
      isCorralError(e) && e.message === 'No service or project named "nosuch"; known: shop: web',
  );
  assert.throws(
    () => resolveAddress(projects, 'wbe:0'),
    (e: unknown) =>
      isCorralError(e) &&
      e.code === 'SERVICE_NOT_FOUND' &&
      e.message === 'No service named "wbe:0" (did you mean "web:0"?); known: shop: web',
  );
});

test('a bare name means a service of the preferred project first, then of any', () => {
  const projects = loaded({ day1: { web: 1, setup: 1 }, day2: { web: 2 }, shop: { api: 1 } });
  assert.throws(
    () => resolveAddress(projects, 'web'),
    (e: unknown) => isCorralError(e) && e.code === 'AMBIGUOUS_NAME' && /-p PROJECT/.test(e.message),
  );
  assert.deepEqual(names(resolveAddress(projects, 'web', { prefer: 'day1' })), ['day1/web:0']);
  assert.deepEqual(names(resolveAddress(projects, 'web', { prefer: 'day2' })), ['day2/web:0', 'day2/web:1']);
  // not a service of the preferred project: any project's, as without a preference
  assert.deepEqual(names(resolveAddress(projects, 'api', { prefer: 'day1' })), ['shop/api:0']);
  // a qualified name is not moved
  assert.deepEqual(names(resolveAddress(projects, 'day2/web:1', { prefer: 'day1' })), ['day2/web:1']);
  const found = resolveName(projects, 'shop', { prefer: 'day1' });
  assert.equal(found.service, null);
  assert.equal(found.project, 'shop');
});

test('an unknown name lists the project in scope first, and suggests from it first', () => {
  const projects = loaded({
    big: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`svc${i}`, 1])),
    day1: { web: 1, setup: 1 },
    day2: { wbe2: 1 },
  });
  assert.throws(
    () => resolveAddress(projects, 'wbe', { prefer: 'day1' }),
    (e: unknown) =>
      isCorralError(e) &&
      e.message ===
        'No service or project named "wbe" (did you mean "web"?); known: day1: web, setup; big (30 services); day2: wbe2',
  );
  // a name in a named project: that project's names alone
  assert.throws(
    () => resolveAddress(projects, 'day1/stup'),
    (e: unknown) =>
      isCorralError(e) &&
      e.message === 'No service named "day1/stup" (did you mean "day1/setup"?); known: day1: web, setup',
  );
});

test('an unknown project is its own error, with the loaded ones', () => {
  const projects = loaded({ shop: { web: 1 }, day1: { web: 1 } });
  assert.throws(
    () => resolveAddress(projects, 'nosuchproj/web'),
    (e: unknown) =>
      isCorralError(e) &&
      e.code === 'PROJECT_NOT_FOUND' &&
      e.message === 'No project named "nosuchproj"; loaded: shop, day1',
  );
  assert.throws(
    () => resolveAddress(projects, 'shpo/web'),
    (e: unknown) =>
      isCorralError(e) && e.message === 'No project named "shpo" (did you mean "shop"?); loaded: shop, day1',
  );
  assert.throws(
    () => resolveAddress(loaded({}), 'web'),
    (e: unknown) => isCorralError(e) && /no project is loaded \(corral up loads one\)/.test(e.message),
  );
});
