import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderProviderBlockTypes, renderWrittenTypes } from '../scripts/written-types.js';
import { REPO } from './helpers/cli.js';

describe('the storyboard types and the schema', () => {
  it('agree: src/storyboard/written.generated.ts is exactly what the schema generates (run `npm run gen:types` after editing the schema)', async () => {
    const committed = await readFile(path.join(REPO, 'src/storyboard/written.generated.ts'), 'utf8');
    expect(await renderWrittenTypes()).toBe(committed);
  });

  it('agree: src/providers/written-provider.generated.ts is exactly what the schema generates for the provider block', async () => {
    const committed = await readFile(path.join(REPO, 'src/providers/written-provider.generated.ts'), 'utf8');
    expect(await renderProviderBlockTypes()).toBe(committed);
  });

  it('the schema documents every shot property for editors', async () => {
    type Node = { description?: string; $ref?: string };
    const schema = JSON.parse(await readFile(path.join(REPO, 'schemas/storyboard.schema.json'), 'utf8')) as {
      $defs: Record<string, Node & { properties?: Record<string, Node> }>;
    };
    const described = (node: Node): boolean =>
      node.description !== undefined || (node.$ref !== undefined && schema.$defs[node.$ref.split('/').at(-1)!]?.description !== undefined);
    const undocumented = Object.entries(schema.$defs['shot']!.properties!)
      .filter(([, property]) => !described(property))
      .map(([name]) => name);
    expect(undocumented).toEqual([]);
  });

  it('the schema documents every property of a cut, its entries and its audio for editors', async () => {
    type Node = { description?: string; $ref?: string; properties?: Record<string, Node> };
    const schema = JSON.parse(await readFile(path.join(REPO, 'schemas/storyboard.schema.json'), 'utf8')) as {
      properties: Record<string, Node>;
      $defs: Record<string, Node>;
    };
    const described = (node: Node): boolean =>
      node.description !== undefined || (node.$ref !== undefined && schema.$defs[node.$ref.split('/').at(-1)!]?.description !== undefined);
    expect(described(schema.properties['cuts']!)).toBe(true);
    const undocumented = ['cut', 'cutEntryBlock', 'cutAudio'].flatMap((name) =>
      Object.entries(schema.$defs[name]!.properties!)
        .filter(([, property]) => !described(property))
        .map(([key]) => `${name}.${key}`),
    );
    expect(undocumented).toEqual([]);
  });
});
