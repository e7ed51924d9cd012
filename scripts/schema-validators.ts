import { readFileSync } from 'node:fs';
import { Ajv2020, type Options } from 'ajv/dist/2020.js';
import standalone from 'ajv/dist/standalone/index.js';

/**
 * The JSON Schema validators shotlist runs, as ESM source compiled ahead of time from
 * schemas/*.json with ajv's standalone code generation: compiling them at every start cost the
 * CLI ~200 ms. `npm run gen:validators` writes them to generated/; build, prepare and pretest run
 * it, and test/storyboard/generated-validators.test.ts fails when the files on disk drift.
 */

const SCHEMA_DIR = new URL('../schemas/', import.meta.url);
const STORYBOARD_SCHEMA_ID = 'https://shotlist.dev/schemas/storyboard.schema.json';
const IMPORT_SCHEMA_ID = 'https://shotlist.dev/schemas/storyboard-import.schema.json';
const PROVIDERS_SCHEMA_ID = 'https://shotlist.dev/schemas/providers.schema.json';
const LOCKFILE_SCHEMA_ID = 'https://shotlist.dev/schemas/lockfile.schema.json';

/** `source` and `esm` only shape the emitted code; the other options decide what is valid and what errors say. */
const CODE: Options['code'] = { source: true, esm: true };

/** Every error, with the failing data and schema (`verbose`), which src/source/schema.ts turns into issues. */
const STORYBOARD_OPTIONS: Options = { allErrors: true, verbose: true, strict: true, allowUnionTypes: true, strictRequired: false, code: CODE };

/** The first error is enough: a lockfile is written by shotlist, and one located error says it was edited. */
const LOCKFILE_OPTIONS: Options = { allErrors: false, strict: true, allowUnionTypes: true, strictRequired: false, code: CODE };

/**
 * Ajv's standalone ESM still loads its runtime helpers (deep equality, string length) with
 * `require()` (ajv-validator/ajv#2209), so each module gets a `require` of its own.
 */
const PREAMBLE = [
  '/* Generated from schemas/*.json by `npm run gen:validators` (scripts/schema-validators.ts). Do not edit by hand. */',
  "import { createRequire } from 'node:module';",
  'const require = createRequire(import.meta.url);',
  '',
].join('\n');

/**
 * Keywords of the YAML language server (and VS Code's JSON support) that the schemas use, so
 * that an editor says what the CLI says: annotations only, declared to ajv (strict mode refuses
 * unknown keywords) without changing what validates.
 * - `errorMessage`: the words for any failure of its schema object; the editor shows it, and
 *   schema.ts reads it from the error's parentSchema for the CLI's issue.
 * - `markdownDescription`: the description as Markdown for hovers (written by
 *   `npm run gen:schema-docs`); a plain `description` has its backticks escaped there.
 * - `doNotSuggest`: a property the editor does not offer in completion (`api_key`, refused).
 */
export const EDITOR_KEYWORDS = [
  { keyword: 'errorMessage', schemaType: 'string' },
  { keyword: 'markdownDescription', schemaType: 'string' },
  { keyword: 'doNotSuggest', schemaType: 'boolean' },
] as const;

/** File name in generated/ → its source. */
export function renderValidators(): Record<string, string> {
  return { 'storyboard-validators.js': renderStoryboardValidators(), 'lockfile-validator.js': renderLockfileValidator() };
}

/**
 * The storyboard's `$defs` of the extra request fields, each exported under its own name: a
 * variant axis named like one of these fields is checked by the schema, value by value.
 */
const EXTRA_FIELD_DEFS = ['seed', 'numFrames', 'fps', 'negativePrompt', 'numInferenceSteps', 'guidanceScale', 'generateAudio'] as const;

/** `storyboard`, `storyboardImport`, `providers` and the extra-field `$defs`: one module, since providers `$ref`s the storyboard schema. */
function renderStoryboardValidators(): string {
  const ajv = new Ajv2020(STORYBOARD_OPTIONS);
  for (const keyword of EDITOR_KEYWORDS) ajv.addKeyword(keyword);
  for (const name of ['storyboard.schema.json', 'storyboard-import.schema.json', 'providers.schema.json']) ajv.addSchema(readSchema(name));
  const defs = Object.fromEntries(EXTRA_FIELD_DEFS.map((def) => [def, `${STORYBOARD_SCHEMA_ID}#/$defs/${def}`]));
  return (
    PREAMBLE + standalone.default(ajv, { storyboard: STORYBOARD_SCHEMA_ID, storyboardImport: IMPORT_SCHEMA_ID, providers: PROVIDERS_SCHEMA_ID, ...defs }) + '\n'
  );
}

function renderLockfileValidator(): string {
  const ajv = new Ajv2020(LOCKFILE_OPTIONS);
  ajv.addSchema(readSchema('lockfile.schema.json'));
  return PREAMBLE + standalone.default(ajv, { lockfile: LOCKFILE_SCHEMA_ID }) + '\n';
}

function readSchema(name: string): object {
  return JSON.parse(readFileSync(new URL(name, SCHEMA_DIR), 'utf8')) as object;
}
