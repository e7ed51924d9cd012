import { readFileSync } from 'node:fs';
import { compile, type JSONSchema } from 'json-schema-to-typescript';

/** The TypeScript source generated from the storyboard schema. */
export async function renderWrittenTypes(): Promise<string> {
  const schemaUrl = new URL('../schemas/storyboard.schema.json', import.meta.url);
  const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as JSONSchema;
  const banner = [
    '/* Generated from schemas/storyboard.schema.json by `npm run gen:types`. Do not edit by hand. */',
    '/* The storyboard as the user writes it; see resolve-storyboard.ts for the resolved form. */',
  ].join('\n');
  return compile(schema, 'WrittenStoryboard', {
    bannerComment: banner,
    additionalProperties: false,
    unreachableDefinitions: false,
    strictIndexSignatures: true,
    format: true,
    style: { singleQuote: true, printWidth: 120 },
  });
}

/**
 * The provider block's types alone, for `src/providers/`: a profile's settings are written in a
 * storyboard's `provider:` block or in `shotlist.providers.yaml`, and providers must not import
 * the storyboard part for their shape.
 */
export async function renderProviderBlockTypes(): Promise<string> {
  const schemaUrl = new URL('../schemas/storyboard.schema.json', import.meta.url);
  const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as JSONSchema & { $defs: Record<string, JSONSchema> };
  const banner = [
    '/* Generated from schemas/storyboard.schema.json ($defs/providerBlock) by `npm run gen:types`. Do not edit by hand. */',
    '/* A provider profile\'s settings as written in a `provider:` block or in shotlist.providers.yaml. */',
  ].join('\n');
  return compile({ ...schema.$defs['providerBlock'], $defs: schema.$defs, title: undefined }, 'WrittenProviderBlock', {
    bannerComment: banner,
    additionalProperties: false,
    unreachableDefinitions: false,
    strictIndexSignatures: true,
    format: true,
    style: { singleQuote: true, printWidth: 120 },
  });
}
