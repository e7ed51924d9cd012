import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderValidators } from '../../scripts/schema-validators.js';
import { REPO } from '../helpers/cli.js';

describe('the validators compiled ahead of time', () => {
  // `npm test` regenerates them first; `npx vitest` after editing a schema does not.
  it.each(Object.entries(renderValidators()))(
    'generated/%s is what schemas/ compile to now (run `npm run gen:validators` after editing a schema)',
    async (name, code) => {
      const onDisk = await readFile(path.join(REPO, 'generated', name), 'utf8').catch(() => '(missing)');
      expect(onDisk === code, `generated/${name} is stale or missing: run \`npm run gen:validators\``).toBe(true);
    },
  );
});
