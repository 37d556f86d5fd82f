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
