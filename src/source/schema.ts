import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
// Compiled from schemas/*.json at build time (scripts/schema-validators.ts), not at start-up:
// ajv compiling them at every run cost the CLI ~200 ms.
import { providers, storyboard, storyboardImport } from '../../generated/storyboard-validators.js';
import type { Issue } from './issue.js';
import { closestName, describeValue, truncate } from './describe.js';
import { Rejections } from './rejections.js';
import { issueAt, type YamlSource } from './yaml-source.js';

/**
 * The first validation pass: the JSON Schema in `schemas/`, the single source of truth for the
 * language. Ajv's errors are turned into issues that say where, what was expected and what
 * was found.
 */

/** `providers`: `shotlist.providers.yaml`, the project's own provider profiles. */
export type SchemaKind = 'storyboard' | 'import' | 'providers';

const validators: Record<SchemaKind, ValidateFunction> = { storyboard, import: storyboardImport, providers };

/**
 * Validates a parsed file against its schema; every problem becomes one issue, and the nodes
 * they are about are the file's rejections, which the semantic pass leaves alone.
 */
export function validateSchema(source: YamlSource, kind: SchemaKind): { issues: Issue[]; rejections: Rejections } {
  const validate = validators[kind];
  if (validate(source.value)) return { issues: [], rejections: Rejections.none };
  const errors = selectErrors(validate.errors ?? []);
  return { issues: errors.map((error) => toIssue(source, error)), rejections: new Rejections(errors.flatMap(rejectedPaths)) };
}

/** The document paths an error is about: the value refused, the property missing, the key misspelled. */
function rejectedPaths(error: ErrorObject): (string | number)[][] {
  const path = [...pointerToPath(error.instancePath), ...(error.propertyName === undefined ? [] : [error.propertyName])];
  switch (error.keyword) {
    case 'required':
      return [[...path, String(error.params['missingProperty'])]];
    case 'additionalProperties': {
      const name = String(error.params['additionalProperty']);
      // A misspelled key (`secnds`) stands for the property it was meant to be: what depends on that one is unknown too.
      const guess = closestName(name, allowedProperties(error));
      return guess
        ? [
            [...path, name],
            [...path, guess],
          ]
        : [[...path, name]];
    }
    default:
      return [path];
  }
}

function allowedProperties(error: ErrorObject): string[] {
  return Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
}

/**
 * Ajv reports every branch of an `anyOf` and wrapper errors for `if`/`propertyNames`; a user
 * wants the one that explains the mistake. Keep the most specific errors, except under an
 * `anyOf` with its own `errorMessage`: that message says what every branch would accept, so it is
 * the one error kept (a seed of 1.5 is not "expected \"auto\"").
 */
function selectErrors(all: readonly ErrorObject[]): ErrorObject[] {
  const explained = all.filter((e) => e.keyword === 'anyOf' && schemaMessage(e) !== undefined);
  const errors = all.filter(
    (e) => !explained.some((anyOf) => e !== anyOf && e.instancePath.startsWith(anyOf.instancePath) && e.schemaPath.startsWith(`${anyOf.schemaPath}/`)),
  );
  const wrappers = new Set(['anyOf', 'oneOf', 'if', 'propertyNames', 'allOf']);
  const deeperThan = (path: string) =>
    errors.some((e) => e.instancePath.startsWith(`${path}/`) || (e.instancePath === path && !wrappers.has(e.keyword) && e.keyword !== 'type'));
  const kept: ErrorObject[] = [];
  const typeGroups = new Map<string, ErrorObject[]>();
  for (const error of errors) {
    if (explained.includes(error)) {
      kept.push(error);
      continue;
    }
    if (wrappers.has(error.keyword)) {
      if (error.keyword === 'anyOf' && !errors.some((e) => e !== error && e.instancePath.startsWith(error.instancePath))) kept.push(error);
      continue;
    }
    if (error.keyword === 'type' && isUnionBranch(error)) {
      // A type mismatch in one branch of a union is noise when another branch matched the type.
      if (deeperThan(error.instancePath)) continue;
      const group = typeGroups.get(error.instancePath) ?? [];
      group.push(error);
      typeGroups.set(error.instancePath, group);
      continue;
    }
    kept.push(error);
  }
  for (const group of typeGroups.values()) {
    const types = [...new Set(group.flatMap((e) => [e.params['type'] as string | string[]].flat()))];
    kept.push({ ...group[0]!, params: { type: types } });
  }
  return kept;
}

function isUnionBranch(error: ErrorObject): boolean {
  return /\/anyOf\/\d+(\/type)?$/.test(error.schemaPath.replace(/\/type$/, '')) || error.schemaPath.includes('/anyOf/');
}

function toIssue(source: YamlSource, error: ErrorObject): Issue {
  // An error inside `propertyNames` is about a key of the object at instancePath: point at that key.
  const badName = error.propertyName;
  const path = [...pointerToPath(error.instancePath), ...(badName === undefined ? [] : [badName])];
  const custom = schemaMessage(error);
  const found = (value: unknown) => truncate(describeValue(value));
  switch (error.keyword) {
    case 'required': {
      const missing = String(error.params['missingProperty']);
      return issueAt(source, path, {
        code: 'missing-property',
        message: `missing required property "${missing}"`,
        expected: `a "${missing}" entry`,
        hint: missingHint(missing),
      });
    }
    case 'additionalProperties': {
      const name = String(error.params['additionalProperty']);
      const allowed = allowedProperties(error);
      const guess = closestName(name, allowed);
      return issueAt(
        source,
        [...path, name],
        {
          code: 'unknown-property',
          message: `unknown property "${name}"`,
          expected: allowed.length > 0 ? `one of ${allowed.join(', ')}` : 'no other properties',
          found: name,
          hint: guess ? `did you mean "${guess}"?` : `allowed here: ${allowed.join(', ')}`,
        },
        { key: true },
      );
    }
    case 'type': {
      const expected = [error.params['type'] as string | string[]].flat().join(' or ');
      return issueAt(source, path, {
        code: 'wrong-type',
        message: custom ?? `expected ${expected}, found ${found(error.data)}`,
        expected,
        found: found(error.data),
        hint: error.data === null ? 'an empty value reads as null in YAML; write a value or remove the key' : typeHint(expected),
      });
    }
    case 'enum':
    case 'const': {
      const allowed = error.keyword === 'const' ? [error.params['allowedValue']] : (error.params['allowedValues'] as unknown[]);
      const list = allowed.map((v) => JSON.stringify(v)).join(', ');
      return issueAt(source, path, {
        code: 'invalid-value',
        message: custom ?? `expected ${allowed.length === 1 ? list : `one of ${list}`}, found ${found(error.data)}`,
        expected: list,
        found: found(error.data),
      });
    }
    case 'pattern': {
      // A key whose name pattern only excludes names (`^(?!api_key$)`) is a property forbidden in
      // its context, said this way rather than with `not`, whose message editors do not show.
      if (badName === undefined || !/^\^\(\?!.*\)\$?$/.test(String(error.params['pattern']))) return valueIssue(source, path, error, custom);
      return issueAt(source, path, { code: 'forbidden-property', message: custom ?? 'this is not allowed here' }, { key: true });
    }
    default:
      return valueIssue(source, path, error, custom);
  }
}

/** A value that is not of the form its schema says: the schema's words, and what was found. */
function valueIssue(source: YamlSource, path: readonly (string | number)[], error: ErrorObject, custom: string | undefined): Issue {
  // A schema's own message (`errorMessage`) says what form a value takes; a count that is out of
  // bounds is better said by the bound itself ("at most 1000 items").
  const detail = limitMessage(error) ?? custom ?? error.message ?? 'is invalid';
  const found = truncate(describeValue(error.data));
  return issueAt(
    source,
    path,
    {
      code: 'invalid-value',
      message: `${detail}, found ${found}`,
      found,
      ...(limitHint(error) ? { hint: limitHint(error)! } : {}),
    },
    { key: error.propertyName !== undefined },
  );
}

/**
 * The schema's own message for an error (`errorMessage` beside the failing keyword), if it has
 * one: the same words an editor shows for it through the YAML language server.
 */
export function schemaMessage(error: ErrorObject): string | undefined {
  return (error.parentSchema as { errorMessage?: string } | undefined)?.errorMessage;
}

function missingHint(name: string): string {
  switch (name) {
    case 'version':
      return 'start the storyboard with `version: 1`';
    case 'name':
      return 'add `name: my-campaign`; renders go to renders/<name>/';
    case 'shots':
      return 'add a `shots:` list with at least one shot';
    case 'prompt':
      return 'every shot needs a prompt describing the video';
    case 'id':
      return 'every shot needs a unique `id`';
    default:
      return `add "${name}"`;
  }
}

function typeHint(expected: string): string | undefined {
  if (expected === 'array') return 'write a YAML list: one `- item` per line, or [a, b]';
  if (expected === 'object') return 'write a YAML map: `key: value` lines indented under this key';
  return undefined;
}

function limitMessage(error: ErrorObject): string | undefined {
  const limit = Number(error.params['limit']);
  const count = (one: string, many: string) => `${limit} ${limit === 1 ? one : many}`;
  switch (error.keyword) {
    case 'maxItems':
      return `expected at most ${count('item', 'items')}`;
    case 'minItems':
      return `expected at least ${count('item', 'items')}`;
    case 'maxLength':
      return `expected at most ${count('character', 'characters')}`;
    case 'minLength':
      return `expected at least ${count('character', 'characters')}`;
    case 'maxProperties':
      return `expected at most ${count('entry', 'entries')}`;
    default:
      return undefined;
  }
}

function limitHint(error: ErrorObject): string | undefined {
  if (error.keyword === 'minItems') return 'the list may not be empty';
  if (error.keyword === 'minLength') return 'the value may not be empty';
  return undefined;
}

/** `/shots/1/size` → `['shots', 1, 'size']`. */
export function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^(0|[1-9]\d*)$/.test(part) ? Number(part) : part));
}
