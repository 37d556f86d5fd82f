// The shop's "database": one JSON file, ./data/db.json, relative to the working
// directory (corral runs every service in the config file's directory by default).
// Shared by migrate.mjs and api.mjs.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const DB_FILE = './data/db.json';

// The schema version this code expects; migrate.mjs brings the file up to it.
export const SCHEMA = 2;

/** Reads the database, or returns null when there is none yet. */
export function load() {
  if (!existsSync(DB_FILE)) return null;
  return JSON.parse(readFileSync(DB_FILE, 'utf8'));
}

/** Writes the database atomically: a crash mid-write never leaves a torn file. */
export function save(db) {
  mkdirSync(dirname(DB_FILE), { recursive: true });
  const tmp = `${DB_FILE}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(db, null, 2)}\n`);
  renameSync(tmp, DB_FILE);
}
