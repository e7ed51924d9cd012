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
