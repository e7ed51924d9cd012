/** Writes `markdownDescription` beside every description with code spans in schemas/*.json (see schema-docs.ts). */
import { writeFileSync } from 'node:fs';
import { renderSchemaDocs } from './schema-docs.js';

for (const [name, text] of Object.entries(renderSchemaDocs())) {
  const target = new URL(`../schemas/${name}`, import.meta.url);
  writeFileSync(target, text);
  console.log(`wrote ${target.pathname}`);
}
