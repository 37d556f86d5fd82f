// The names a user typed, made to mean what they mean from where the user stands: `-p PROJECT`
// chooses the project of every bare name; without it a bare name means a service of the project
// loaded from the config file of the current directory first (as compose does), then of any
// project, as the daemon resolves it. The daemon is asked which project came from that file
// (the file itself is not read), and only when a bare name is given and such a file is here.
import type { ProjectInfo } from '../api/schemas.js';
import { findConfigFile } from '../config/find.js';
import { type Loaded, parseAddress, projectNotFound, resolveName } from '../engine/names.js';
import { CorralError, isCorralError } from '../errors.js';
import type { CliContext } from './context.js';

/**
 * `names` qualified with their project where it is known here (`web` → `shop/web`); with
 * `project` and no names, every service of that project. Throws as the daemon would for a name
 * that means nothing (with the project here first in what it lists).
 */
export async function namesFromHere(
  ctx: CliContext,
  names: readonly string[],
  project: string | undefined,
  cwd: string = process.cwd(),
): Promise<string[]> {
  if (project !== undefined) {
    if (names.length === 0) return servicesOf(await (await ctx.daemon()).projects(), project);
    return names.map((name) => inProject(name, project));
  }
  if (!names.some((n) => parseAddress(n).project === null)) return [...names];
  const file = configFileHere(cwd);
  if (file === null) return [...names];
  const projects = await (await ctx.daemon()).projects();
  const here = projects.find((p) => p.file === file);
  if (!here) return [...names];
  const loaded = loadedOf(projects);
  return names.map((name) => {
    if (parseAddress(name).project !== null) return name;
    const found = resolveName(loaded, name, { prefer: here.name });
    // a whole project keeps its bare name; a service is named with its project
    return found.service === null ? name : `${found.project}/${name}`;
  });
}

/** `web` → `shop/web` for `-p shop`; a name of another project contradicts the option. */
function inProject(name: string, project: string): string {
  const address = parseAddress(name);
  if (address.project === null) return `${project}/${name}`;
  if (address.project === project) return name;
  throw new CorralError(
    'BAD_REQUEST',
    `"${name}" is a service of project ${address.project}, but -p chose project ${project}`,
  );
}

/** Every service of `project`, by its full name; PROJECT_NOT_FOUND when it is not loaded. */
function servicesOf(projects: readonly ProjectInfo[], project: string): string[] {
  const p = projects.find((x) => x.name === project);
  if (!p)
    throw projectNotFound(
      project,
      projects.map((x) => x.name),
    );
  return p.services.map((s) => `${project}/${s.name}`);
}

/** The config file of `cwd` (as `up` and `down` find it), or null when there is none. */
function configFileHere(cwd: string): string | null {
  try {
    return findConfigFile(cwd);
  } catch (e) {
    if (isCorralError(e) && e.code === 'CONFIG_NOT_FOUND') return null;
    throw e;
  }
}

/** The loaded projects as name resolution sees them: services and their instances' indexes. */
function loadedOf(projects: readonly ProjectInfo[]): Loaded<{ index: number }> {
  return new Map(
    projects.map((p) => [
      p.name,
      {
        services: new Map(
          p.services.map((s) => [
            s.name,
            { instances: Array.from({ length: s.instances }, (_, index) => ({ index })) },
          ]),
        ),
      },
    ]),
  );
}
