// Builders of JSON Schema objects that carry the TypeScript type of what they accept, so one
// declaration is both the runtime schema (validation, the OpenAPI document) and the static type.
// The objects are plain JSON Schema (draft 2019-09 keywords): `type`, `properties`, `required`,
// `anyOf`, `const`, `items`, `patternProperties`, and whatever options a builder is given.

/** A JSON Schema whose accepted values have the type `T` (`~static` is a type-level tag only). */
export type TSchema<T = unknown> = { readonly '~static': T } & Record<string, unknown>;

/** The type of the values a schema accepts. */
export type Static<S> = S extends { readonly '~static': infer T } ? T : never;

/** The mark of an optional property of an object schema (not enumerable: never in the JSON). */
const OPTIONAL = '~optional';

type TOptional<S extends TSchema> = S & { readonly '~optional': true };
type Props = Record<string, TSchema>;
type OptionalKeys<P extends Props> = {
  [K in keyof P]: P[K] extends { readonly '~optional': true } ? K : never;
}[keyof P];
type RequiredKeys<P extends Props> = Exclude<keyof P, OptionalKeys<P>>;
type Flat<T> = { [K in keyof T]: T[K] };
type ObjectOf<P extends Props> = Flat<
  { [K in RequiredKeys<P>]: Static<P[K]> } & { [K in OptionalKeys<P>]?: Static<P[K]> }
>;
type Options = Record<string, unknown>;

// A schema object typed as accepting T.
const make = <T>(schema: Options): TSchema<T> => schema as TSchema<T>;

/** The builders, named as in JSON Schema. */
export const Type = {
  String: (opts: Options = {}): TSchema<string> => make({ type: 'string', ...opts }),
  Number: (opts: Options = {}): TSchema<number> => make({ type: 'number', ...opts }),
  Integer: (opts: Options = {}): TSchema<number> => make({ type: 'integer', ...opts }),
  Boolean: (opts: Options = {}): TSchema<boolean> => make({ type: 'boolean', ...opts }),
  Null: (): TSchema<null> => make({ type: 'null' }),
  Unknown: (opts: Options = {}): TSchema<unknown> => make({ ...opts }),
  Literal: <V extends string | number | boolean>(value: V): TSchema<V> =>
    make({ const: value, type: typeof value }),
  Array: <S extends TSchema>(items: S, opts: Options = {}): TSchema<Static<S>[]> =>
    make({ type: 'array', items, ...opts }),
  Union: <S extends readonly TSchema[]>(anyOf: [...S], opts: Options = {}): TSchema<Static<S[number]>> =>
    make({ anyOf, ...opts }),
  /** A mapping of any string key to values of `value` (`key` is a string schema; it adds nothing). */
  Record: <V extends TSchema>(
    _key: TSchema<string>,
    value: V,
    opts: Options = {},
  ): TSchema<Record<string, Static<V>>> =>
    make({ type: 'object', patternProperties: { '^.*$': value }, ...opts }),
  Object: <P extends Props>(properties: P, opts: Options = {}): TSchema<ObjectOf<P>> & { properties: P } => {
    const required = Object.keys(properties).filter((k) => !(OPTIONAL in properties[k]));
    return make<ObjectOf<P>>({
      type: 'object',
      properties,
      ...(required.length > 0 ? { required } : {}),
      ...opts,
    }) as TSchema<ObjectOf<P>> & { properties: P };
  },
  Optional: <S extends TSchema>(schema: S): TOptional<S> =>
    Object.defineProperty({ ...schema }, OPTIONAL, { value: true, enumerable: false }) as TOptional<S>,
  /** A schema written by hand, typed as accepting T. */
  Unsafe: <T>(schema: Options): TSchema<T> => make(schema),
};
