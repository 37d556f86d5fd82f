// One-shot task: bring ./data/db.json up to the current schema, then exit 0.
// Safe to run any number of times: steps already applied are skipped.
// corral runs it first (restart: on-failure) and starts the api only once it succeeded.
import { load, SCHEMA, save } from './db.mjs';

// Each step takes the database at version N-1 and returns it at version N.
const steps = {
  1: () => ({ schema: 1, nextId: 1, jobs: [] }), // create the jobs table
  2: (db) => ({ ...db, schema: 2, jobs: db.jobs.map((j) => ({ ...j, attempts: 0 })) }), // count claims
};

let db = load();
const from = db?.schema ?? 0;
if (from > SCHEMA) {
  console.error(`migrate: data/db.json is at schema ${from}, newer than this code (${SCHEMA})`);
  process.exit(1);
}

for (let v = from + 1; v <= SCHEMA; v++) {
  db = steps[v](db);
  console.log(`migrate: applied step ${v}`);
}

if (from === SCHEMA) {
  console.log(`migrate: data/db.json already at schema ${SCHEMA}, nothing to do`);
} else {
  save(db);
  console.log(`migrate: data/db.json now at schema ${SCHEMA} (was ${from || 'missing'})`);
}
