import fc from 'fast-check';

/**
 * fast-check arbitraries of the values a JSON Schema accepts, read from the schema itself, so
 * that a test over "every schema-valid document" follows the schema when it changes. Covers
 * what shotlist's schemas use: `$ref` to `$defs`, `const`, `enum`, `type` (one or several),
 * objects (`properties`, `required`, `additionalProperties`, `propertyNames` enums), strings
 * (`pattern`, `minLength`, `maxLength`), numbers and integers (`minimum`, `maximum`). Numbers
 * lean on their bounds and, where the schema sets none, on extremes (1e300, 2^53 + 1): the
 * values code is least ready for.
 */

type Schema = Readonly<Record<string, unknown>>;

export function arbitraryOf(schema: Schema, root: Schema = schema, overrides: ReadonlyMap<string, fc.Arbitrary<unknown>> = new Map()): fc.Arbitrary<unknown> {
  const ref = schema['$ref'];
  if (typeof ref === 'string') {
    const override = overrides.get(ref);
    if (override) return override;
    const name = /^#\/\$defs\/(.+)$/.exec(ref)?.[1];
    if (name === undefined) throw new Error(`unsupported $ref ${ref}`);
    return arbitraryOf((root['$defs'] as Record<string, Schema>)[name]!, root, overrides);
  }
  if ('const' in schema) return fc.constant(schema['const']);
  if (Array.isArray(schema['enum'])) return fc.constantFrom(...(schema['enum'] as unknown[]));
  const type = schema['type'];
  const types = Array.isArray(type) ? (type as string[]) : typeof type === 'string' ? [type] : ['object'];
  return fc.oneof(...types.map((one) => arbitraryOfType(one, schema, root, overrides)));
}

function arbitraryOfType(type: string, schema: Schema, root: Schema, overrides: ReadonlyMap<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
    case 'number':
      return numberOf(type, schema);
    case 'string': {
      const pattern = schema['pattern'];
      const min = (schema['minLength'] as number | undefined) ?? 0;
      const max = (schema['maxLength'] as number | undefined) ?? Number.POSITIVE_INFINITY;
      // Lengths are in UTF-16 code units, as JSON Schema validators count them here.
      const text =
        typeof pattern === 'string'
          ? fc.stringMatching(new RegExp(pattern))
          : fc.string({ minLength: min, maxLength: Math.min(max, Math.max(min, 40)), unit: 'grapheme' });
      return text.filter((s) => s.length >= min && s.length <= max);
    }
    case 'array':
      return fc.array(arbitraryOf((schema['items'] as Schema | undefined) ?? {}, root, overrides), { maxLength: 4 });
    case 'object':
      return objectOf(schema, root, overrides);
    default:
      throw new Error(`unsupported type ${type}`);
  }
}

function numberOf(type: 'integer' | 'number', schema: Schema): fc.Arbitrary<number> {
  const min = schema['minimum'] as number | undefined;
  const max = schema['maximum'] as number | undefined;
  const lo = min ?? -1e300;
  const hi = max ?? 1e300;
  const edges = [min, max, min === undefined ? -1e300 : undefined, max === undefined ? 1e300 : undefined, 2 ** 53 + 2, 99_999_999_999_999_999, 0, 1].filter(
    (n): n is number => n !== undefined && n >= lo && n <= hi,
  );
  const inRange =
    type === 'integer'
      ? fc.integer({ min: Math.max(lo, Number.MIN_SAFE_INTEGER), max: Math.min(hi, Number.MAX_SAFE_INTEGER) })
      : fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true });
  return fc.oneof(fc.constantFrom(...edges), inRange);
}

function objectOf(schema: Schema, root: Schema, overrides: ReadonlyMap<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const properties = (schema['properties'] as Record<string, Schema> | undefined) ?? {};
  const required = new Set((schema['required'] as string[] | undefined) ?? []);
  const known = fc.record(Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, arbitraryOf(value, root, overrides)])), {
    requiredKeys: Object.keys(properties).filter((key) => required.has(key)),
  });
  const additional = schema['additionalProperties'];
  if (typeof additional !== 'object' || additional === null) return known;
  const names = schema['propertyNames'] as Schema | undefined;
  const key = Array.isArray(names?.['enum']) ? fc.constantFrom(...(names['enum'] as string[])) : fc.string({ minLength: 1, maxLength: 12 });
  const extra = fc.dictionary(key, arbitraryOf(additional as Schema, root, overrides), { maxKeys: 3 });
  return fc.tuple(known, extra).map(([own, more]) => ({ ...more, ...own }));
}
