/**
 * Writes generated/config-validator.js, the validator of `shotlist.config.yaml` compiled ahead
 * of time from schemas/config.schema.json (ajv standalone, as scripts/schema-validators.ts does
 * for the storyboard's: compiling at start-up costs ~130 ms). Run by `npm run gen:validators`
 * after gen-validators.ts; the output is not committed. `renderConfigValidator()` is what
 * test/remote/project-config.test.ts compares the file on disk with.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standalone from 'ajv/dist/standalone/index.js';

const SCHEMA = new URL('../schemas/config.schema.json', import.meta.url);
const TARGET = new URL('../generated/config-validator.js', import.meta.url);

export function renderConfigValidator(): string {
  // The storyboard validators' options: every error, with the failing data and schema.
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, strictRequired: false, code: { source: true, esm: true } });
  ajv.addKeyword({ keyword: 'x-error', schemaType: 'string' });
  ajv.addSchema(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
  const preamble = [
    '/* Generated from schemas/config.schema.json by `npm run gen:validators` (scripts/gen-config-validator.ts). Do not edit by hand. */',
    "import { createRequire } from 'node:module';",
    'const require = createRequire(import.meta.url);',
    '',
  ].join('\n');
  return `${preamble}${standalone.default(ajv, { config: 'https://shotlist.dev/schemas/config.schema.json' })}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Renamed into place, as gen-validators.ts does: a reader sees the old file or the new one.
  const temp = new URL(`${TARGET.href}.${process.pid}.tmp`);
  writeFileSync(temp, renderConfigValidator());
  renameSync(temp, TARGET);
  console.log(`wrote ${fileURLToPath(TARGET)}`);
}
