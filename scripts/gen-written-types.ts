/**
 * Generates src/storyboard/written.generated.ts (and the provider block's types,
 * src/providers/written-provider.generated.ts) from schemas/storyboard.schema.json, so the
 * types the code reads are the language the schema defines. `npm run gen:types` rewrites the
 * files; test/schema-types.test.ts fails when they drift apart.
 */
import { writeFileSync } from 'node:fs';
import { renderProviderBlockTypes, renderWrittenTypes } from './written-types.js';

for (const [file, render] of [
  ['../src/storyboard/written.generated.ts', renderWrittenTypes],
  ['../src/providers/written-provider.generated.ts', renderProviderBlockTypes],
] as const) {
  const target = new URL(file, import.meta.url);
  writeFileSync(target, await render());
  console.log(`wrote ${target.pathname}`);
}
