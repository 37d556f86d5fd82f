// Checks `depends_on` across services: unknown services, a service needing itself, cycles.
import { isObject } from './envfiles.js';
import { type Anchor, type ConfigPath, didYouMean, type ProblemList } from './problems.js';

interface Edge {
  from: string;
  to: string;
  path: ConfigPath;
  anchor: Anchor;
}

// The dependencies a service names, in either form, each with where it is written.
function edgesOf(name: string, dependsOn: unknown): Edge[] {
  const base = ['services', name, 'depends_on'];
  if (Array.isArray(dependsOn)) {
    return dependsOn.flatMap((to, i) =>
      typeof to === 'string' ? [{ from: name, to, path: [...base, i], anchor: 'value' as const }] : [],
    );
  }
  if (isObject(dependsOn)) {
    return Object.keys(dependsOn).map((to) => ({
      from: name,
      to,
      path: [...base, to],
      anchor: 'key' as const,
    }));
  }
  return [];
}

/** Adds a problem for each unknown, self or repeated dependency and for each dependency cycle. */
export function checkDependencies(services: unknown, problems: ProblemList): void {
  if (!isObject(services)) return;
  const names = Object.keys(services);
  const graph = new Map<string, Edge[]>();
  for (const name of names) {
    const service = services[name];
    const edges = isObject(service) ? edgesOf(name, service.depends_on) : [];
    const kept: Edge[] = [];
    for (const edge of edges) {
      if (edge.to === name) {
        problems.add(edge.path, `expected another service, got "${name}" itself`, edge.anchor);
      } else if (!Object.hasOwn(services, edge.to)) {
        problems.add(edge.path, `unknown service "${edge.to}"${didYouMean(edge.to, names)}`, edge.anchor);
      } else if (kept.some((k) => k.to === edge.to)) {
        problems.add(edge.path, `expected each service once, got "${edge.to}" again`, edge.anchor);
      } else {
        kept.push(edge);
      }
    }
    graph.set(name, kept);
  }
  for (const cycle of findCycles(names, graph)) {
    const first = cycle[0];
    const chain = [first.from, ...cycle.map((e) => e.to)].join(' -> ');
    problems.add(first.path, `expected no dependency cycle, got ${chain}`, first.anchor);
  }
}

/** One cycle per group of services that depend on each other in a circle, starting from the first in file order. */
export function findCycles(names: string[], graph: Map<string, Edge[]>): Edge[][] {
  const cycles: Edge[][] = [];
  const done = new Set<string>();
  for (const start of names) {
    if (done.has(start)) continue;
    const cycle = cycleThrough(start, graph);
    if (cycle === null) continue;
    cycles.push(cycle);
    for (const edge of cycle) done.add(edge.from);
  }
  return cycles;
}

// A path of edges from `start` back to `start`, found depth first; null when there is none.
function cycleThrough(start: string, graph: Map<string, Edge[]>): Edge[] | null {
  const seen = new Set<string>();
  const walk = (node: string, trail: Edge[]): Edge[] | null => {
    for (const edge of graph.get(node) ?? []) {
      if (edge.to === start) return [...trail, edge];
      if (seen.has(edge.to)) continue;
      seen.add(edge.to);
      const found = walk(edge.to, [...trail, edge]);
      if (found !== null) return found;
    }
    return null;
  };
  return walk(start, []);
}
