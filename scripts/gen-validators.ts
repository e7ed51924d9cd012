/**
 * Writes generated/*.js, the validators compiled ahead of time from schemas/*.json (see
 * schema-validators.ts). Run by `npm run build`, `prepare` and `pretest`; the output is not
 * committed, so it cannot lag behind the schemas in git.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { renderValidators } from './schema-validators.js';

for (const [name, code] of Object.entries(renderValidators())) {
  const target = new URL(`../generated/${name}`, import.meta.url);
  // Renamed into place: a test run or CLI started meanwhile reads the old file or the new one, never half of one.
  const temp = new URL(`${target.href}.${process.pid}.tmp`);
  writeFileSync(temp, code);
  renameSync(temp, target);
  console.log(`wrote ${target.pathname}`);
}
