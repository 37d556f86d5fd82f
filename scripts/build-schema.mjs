// Writes schema/corral.schema.json, the JSON Schema of corral.yaml for editors, from the compiled
// config schema (dist/src/export/json-schema.js). Run by `npm run build` after tsc; never edit the
// output by hand.
import { mkdirSync, writeFileSync } from 'node:fs';
import { configJsonSchema } from '../dist/src/export/json-schema.js';

const out = new URL('../schema/corral.schema.json', import.meta.url);
mkdirSync(new URL('.', out), { recursive: true });
writeFileSync(out, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
