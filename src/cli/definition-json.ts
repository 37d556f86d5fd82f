// A service's definition as `inspect --json` and `check --json` print it: the config file's key
// names (snake_case), with the unit in the name where a value was converted (`timeout_ms`,
// `max_memory_bytes`). The API keeps its own shape (GET /v1/projects); this is the CLI's.
/** snake_case of one key: dependsOn → depends_on, resetAfterMs → reset_after_ms. */
function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Keys turned to snake_case, all the way down, except inside values keyed by the user (env, depends_on). */
function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[snake(key)] = key === 'env' || key === 'dependsOn' ? v : snakeKeys(v);
  }
  return out;
}

/** One service's definition with the file's key names. */
export function definitionJson(def: object): Record<string, unknown> {
  return snakeKeys(def) as Record<string, unknown>;
}

/** A project as `check --json` prints it: name, file, dir and each service's definition. */
export function projectJson(project: {
  name: string;
  file: string | null;
  dir: string;
  services: readonly object[];
}): Record<string, unknown> {
  return {
    name: project.name,
    file: project.file,
    dir: project.dir,
    services: project.services.map(definitionJson),
  };
}
