/**
 * Generates src/storyboard/written.generated.ts from schemas/storyboard.schema.json, so the
 * types the code reads are the language the schema defines. `npm run gen:types` rewrites the
 * file; test/schema-types.test.ts fails when the two drift apart.
 */
import { writeFileSync } from 'node:fs';
import { renderWrittenTypes } from './written-types.js';

const target = new URL('../src/storyboard/written.generated.ts', import.meta.url);
writeFileSync(target, await renderWrittenTypes());
console.log(`wrote ${target.pathname}`);
