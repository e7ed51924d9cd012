import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderWrittenTypes } from '../scripts/written-types.js';
import { REPO } from './helpers/cli.js';

describe('the storyboard types and the schema', () => {
  it('agree: src/storyboard/written.generated.ts is exactly what the schema generates (run `npm run gen:types` after editing the schema)', async () => {
    const committed = await readFile(path.join(REPO, 'src/storyboard/written.generated.ts'), 'utf8');
    expect(await renderWrittenTypes()).toBe(committed);
  });

  it('the schema documents every property for editors', async () => {
    const schema = JSON.parse(await readFile(path.join(REPO, 'schemas/storyboard.schema.json'), 'utf8')) as { $defs: Record<string, { properties?: Record<string, { description?: string; $ref?: string; not?: unknown }> }> };
    const shot = schema.$defs['shot']!.properties!;
    for (const [name, property] of Object.entries(shot)) {
      const documented = property.description !== undefined || (property.$ref !== undefined && schema.$defs[property.$ref.split('/').at(-1)!] !== undefined);
      expect(documented, `shots[].${name} has no description`).toBe(true);
    }
  });
});
