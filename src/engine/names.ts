// How processes are named and addressed: `shop/web:1`, `shop/web`, `web:1`, `web`; and how a
// user's name is resolved against the loaded projects, with what to say when it is not found.
import { closest, didYouMean } from '../config/problems.js';
import { DEFAULTS } from '../defaults.js';
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
export type Loaded<T> = ReadonlyMap<string, { services: ReadonlyMap<string, { instances: T[] }> }>;

export interface ResolveOptions {
  /**
   * The project a bare service name means first (the project of the config file where the
   * user stands): a service of it wins over services of the same name in other projects.
   */
  prefer?: string | null;
}

/** What a name was found to mean: one service (all its instances, or one), or a whole project. */
export interface Resolved<T> {
  project: string;
  /** null: every service of the project */
  service: string | null;
  instances: T[];
}

/**
 * The processes a user's name means: an instance, a service, or (a bare name that no service
 * has) every process of the project of that name. Throws SERVICE_NOT_FOUND, PROJECT_NOT_FOUND
 * or AMBIGUOUS_NAME saying what is known.
 */
export function resolveAddress<T extends { index: number }>(
  projects: Loaded<T>,
  text: string,
  opts: ResolveOptions = {},
): T[] {
  return resolveName(projects, text, opts).instances;
}

/** resolveAddress, also saying which project and service the name was found to mean. */
export function resolveName<T extends { index: number }>(
  projects: Loaded<T>,
  text: string,
  opts: ResolveOptions = {},
): Resolved<T> {
  const address = parseAddress(text);
  if (address.project !== null && !projects.has(address.project))
    throw projectNotFound(address.project, [...projects.keys()]);
  const prefer = address.project === null && opts.prefer ? projects.get(opts.prefer) : undefined;
  const preferred = prefer?.services.get(address.service);
  const matches: Array<{ project: string; instances: T[] }> = [];
  if (preferred) matches.push({ project: opts.prefer as string, instances: preferred.instances });
  else {
    for (const [name, p] of projects) {
      if (address.project !== null && address.project !== name) continue;
      const svc = p.services.get(address.service);
      if (svc) matches.push({ project: name, instances: svc.instances });
    }
  }
  const wholeProject =
    address.project === null && address.instance === null ? projects.get(address.service) : undefined;
  if (matches.length === 0 && wholeProject) {
    const instances = [...wholeProject.services.values()].flatMap((s) => s.instances);
    return { project: address.service, service: null, instances };
  }
  if (matches.length === 0) throw serviceNotFound(projects, text, address, opts.prefer ?? null);
  if (matches.length > 1) {
    const names = matches.map((m) => `${m.project}/${address.service}`).join(', ');
    throw new CorralError(
      'AMBIGUOUS_NAME',
      `"${text}" is a service of several projects: ${names}; name one (${names.split(',')[0]}) or choose the project with -p PROJECT`,
    );
  }
  const { project, instances } = matches[0];
  if (address.instance === null) return { project, service: address.service, instances };
  const one = instances.filter((i) => i.index === address.instance);
  if (one.length === 0) {
    throw new CorralError(
      'SERVICE_NOT_FOUND',
      `Service ${project}/${address.service} has no instance ${address.instance} (it has ${instances.length})`,
    );
  }
  return { project, service: address.service, instances: one };
}

/** PROJECT_NOT_FOUND: `No project named "shpo" (did you mean "shop"?); loaded: shop, day1`. */
export function projectNotFound(name: string, loaded: readonly string[]): CorralError {
  const known =
    loaded.length === 0 ? 'no project is loaded (corral up loads one)' : `loaded: ${loaded.join(', ')}`;
  return new CorralError(
    'PROJECT_NOT_FOUND',
    `No project named "${name}"${didYouMean(name, loaded)}; ${known}`,
  );
}

/**
 * SERVICE_NOT_FOUND for a name no service or project has: the closest name (in the project
 * named or preferred first), and the known names, that project's first.
 */
function serviceNotFound(
  projects: Loaded<unknown>,
  text: string,
  address: Address,
  prefer: string | null,
): CorralError {
  const scope = address.project ?? (prefer !== null && projects.has(prefer) ? prefer : null);
  const order = [...projects.keys()].sort((a, b) => Number(b === scope) - Number(a === scope));
  const inScope = address.project === null ? order : order.filter((p) => p === address.project);
  // services of the scope first, so that a tie goes to them; a bare name may also be a project's
  const candidates = inScope.flatMap((p) => [...(projects.get(p)?.services.keys() ?? [])]);
  if (address.project === null && address.instance === null) candidates.push(...projects.keys());
  const near = closest(address.service, candidates);
  const project = address.project === null ? '' : `${address.project}/`;
  const instance = address.instance === null ? '' : `:${address.instance}`;
  const hint =
    near === null || near === address.service ? '' : ` (did you mean "${project}${near}${instance}"?)`;
  const what = address.project === null && address.instance === null ? 'service or project' : 'service';
  return new CorralError(
    'SERVICE_NOT_FOUND',
    `No ${what} named "${text}"${hint}${knownNames(projects, inScope)}`,
  );
}

/**
 * "; known: day1: web, setup; shop: api, db", the projects in `order` (the one in scope
 * first, in full), the others' services while they fit, then only their names and counts.
 */
function knownNames(projects: Loaded<unknown>, order: readonly string[]): string {
  if (projects.size === 0) return '; no project is loaded (corral up loads one)';
  let room = DEFAULTS.internal.knownNamesListed;
  const parts = order.map((project, i) => {
    const services = [...(projects.get(project)?.services.keys() ?? [])];
    if (i > 0 && services.length > room) return `${project} (${services.length} services)`;
    room -= services.length;
    return `${project}: ${services.join(', ')}`;
  });
  return `; known: ${parts.join('; ')}`;
}
