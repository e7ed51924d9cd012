import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EDITED_SCHEMAS, renderSchemaDocs, toMarkdown } from '../../scripts/schema-docs.js';
import { REPO } from '../helpers/cli.js';

/**
 * The schemas users edit against give an editor words for every failure it can report, the
 * same words the CLI reads (`errorMessage`), and Markdown for every hover. The YAML language
 * server shows a schema's `errorMessage` for a failed pattern, type, enum or const, but a raw
 * regular expression where there is none, "Matches a schema that is not allowed." for any `not`
 * (it ignores `errorMessage` there), and only the failing branch's words for an `anyOf`.
 * test/editor/yaml-language-server.test.ts shows the result in the real server.
 */

type Node = Record<string, unknown>;

/** Every schema object in `node` with its JSON pointer, data keywords (`examples`, ...) skipped. */
function* schemaObjects(node: unknown, pointer = '#'): Generator<[string, Node]> {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) yield* schemaObjects(item, `${pointer}/${i}`);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  yield [pointer, node as Node];
  for (const [key, value] of Object.entries(node))
    if (!['examples', 'enum', 'const', 'default'].includes(key)) yield* schemaObjects(value, `${pointer}/${key}`);
}

describe('the words the schemas give editors', () => {
  it.each(EDITED_SCHEMAS)('%s: markdownDescription is made from description (run `npm run gen:schema-docs` after editing one)', async (name) => {
    const onDisk = await readFile(path.join(REPO, 'schemas', name), 'utf8');
    expect(onDisk === renderSchemaDocs()[name], `schemas/${name} has stale or missing markdownDescription: run \`npm run gen:schema-docs\``).toBe(true);
  });

  it.each(EDITED_SCHEMAS)('%s: every pattern has words, no `not` is used, and an anyOf with words passes them to its branches', async (name) => {
    const schema = JSON.parse(await readFile(path.join(REPO, 'schemas', name), 'utf8')) as unknown;
    const problems: string[] = [];
    for (const [pointer, node] of schemaObjects(schema)) {
      if ('x-error' in node) problems.push(`${pointer}: x-error is now errorMessage`);
      if ('not' in node)
        problems.push(
          `${pointer}: an editor shows "Matches a schema that is not allowed." for not; forbid names with propertyNames and a pattern like ^(?!name$)`,
        );
      if (typeof node['pattern'] === 'string' && node['errorMessage'] === undefined && node['patternErrorMessage'] === undefined)
        problems.push(`${pointer}: a pattern without errorMessage shows as a raw regular expression`);
      if (Array.isArray(node['anyOf']) && node['errorMessage'] !== undefined) {
        for (const [i, branch] of (node['anyOf'] as Node[]).entries())
          if (branch['errorMessage'] !== node['errorMessage'])
            problems.push(`${pointer}/anyOf/${i}: the editor shows a failing branch's words, so it needs the anyOf's errorMessage`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('Markdown keeps code spans and escapes what Markdown would read as syntax', () => {
    expect(toMarkdown('files holding only `vars`, in renders/<name>/ with extra_body [1]')).toBe(
      'files holding only `vars`, in renders/\\<name\\>/ with extra\\_body \\[1\\]',
    );
    expect(toMarkdown('`{{> name}}` and `a_b`')).toBe('`{{> name}}` and `a_b`');
  });
});
