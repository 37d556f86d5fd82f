// How processes are named and addressed: `shop/web:1`, `shop/web`, `web:1`, `web`.
import { CorralError } from '../errors.js';

export interface Address {
  project: string | null;
  service: string;
  /** null: every instance */
  instance: number | null;
}

const ADDRESS = /^(?:([A-Za-z0-9][A-Za-z0-9_.-]*)\/)?([A-Za-z0-9][A-Za-z0-9_.-]*)(?::(\d+))?$/;

/** Parses a user's name for a service or instance; throws a usage error that says what was expected. */
export function parseAddress(text: string): Address {
  const m = ADDRESS.exec(text);
  if (!m) {
    throw new CorralError(
      'BAD_REQUEST',
      `Expected a service name like web, web:1, shop/web or shop/web:1, got "${text}"`,
    );
  }
  return { project: m[1] ?? null, service: m[2], instance: m[3] === undefined ? null : Number(m[3]) };
}

/** The full name of one process, as `ps --json` shows it. */
export function instanceName(project: string, service: string, index: number): string {
  return `${project}/${service}:${index}`;
}

/** The file-system-safe stem of one process's log file: web.log, or web.1.log with instances. */
export function logStem(service: string, index: number, instances: number): string {
  return instances > 1 ? `${service}.${index}` : service;
}

/** What resolving needs of the loaded projects: each one's services and their instances. */
type Loaded<T> = ReadonlyMap<string, { services: ReadonlyMap<string, { instances: T[] }> }>;

/**
 * The processes a user's name means: an instance, a service, or (a bare name that no service
 * has) every process of the project of that name. Throws SERVICE_NOT_FOUND or AMBIGUOUS_NAME
 * saying what is known.
 */
export function resolveAddress<T extends { index: number }>(projects: Loaded<T>, text: string): T[] {
  const address = parseAddress(text);
  const matches: Array<{ project: string; instances: T[] }> = [];
  for (const [name, p] of projects) {
    if (address.project !== null && address.project !== name) continue;
    const svc = p.services.get(address.service);
    if (svc) matches.push({ project: name, instances: svc.instances });
  }
  const wholeProject =
    address.project === null && address.instance === null ? projects.get(address.service) : undefined;
  if (matches.length === 0 && wholeProject)
    return [...wholeProject.services.values()].flatMap((s) => s.instances);
  if (matches.length === 0) {
    throw new CorralError(
      'SERVICE_NOT_FOUND',
      `No service or project named "${text}"${knownNames(projects)}`,
    );
  }
  if (matches.length > 1) {
    const names = matches.map((m) => `${m.project}/${address.service}`).join(', ');
    throw new CorralError('AMBIGUOUS_NAME', `"${text}" is a service of several projects: ${names}`);
  }
  const { project, instances } = matches[0];
  if (address.instance === null) return instances;
  const one = instances.filter((i) => i.index === address.instance);
  if (one.length === 0) {
    throw new CorralError(
      'SERVICE_NOT_FOUND',
      `Service ${project}/${address.service} has no instance ${address.instance} (it has ${instances.length})`,
    );
  }
  return one;
}

/** " (known: shop/web, …)", or how to load a project when none is. */
function knownNames(projects: Loaded<unknown>): string {
  const names: string[] = [];
  for (const [project, p] of projects)
    for (const service of p.services.keys()) names.push(`${project}/${service}`);
  if (names.length === 0) return ' (no project is loaded: run corral up)';
  return ` (known: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''})`;
}
