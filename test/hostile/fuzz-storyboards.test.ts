import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { brokenPromises, examplesProject, FUZZ_RUNS, FUZZ_SEED, issuesOf, startCountingServer } from './helpers.js';
import { mutateText, mutateTree, TEMPLATE_FRAGMENTS, textMutationArb, treeMutationArb, YAML_FRAGMENTS } from './mutate.js';

/**
 * Property-based fuzzing of the front of the pipeline: valid storyboards (the examples and small
 * generated ones) mutated in their data and in their text, then `validate` and `plan` run
 * in-process. Whatever the input: a documented exit code, no stack trace, every issue located,
 * validate and plan agree, and no request ever reaches the (counting) server the storyboard names.
 */

let project: Awaited<ReturnType<typeof examplesProject>>;
let server: Awaited<ReturnType<typeof startCountingServer>>;
let seeds: unknown[];

beforeAll(async () => {
  project = await examplesProject();
  server = await startCountingServer();
  const provider = { profile: 'openai', base_url: server.url };
  seeds = [];
  for (const file of ['quickstart.yaml', 'campaign.yaml']) {
    const doc = parse(await readFile(path.join(project.dir, file), 'utf8')) as Record<string, unknown>;
    seeds.push({ ...doc, provider });
  }
});

afterAll(async () => {
  await server?.close();
  await project?.cleanup();
});

/** Small storyboards built from the language's parts, valid or nearly so. */
function generatedStoryboard(baseUrl: string): fc.Arbitrary<unknown> {
  const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
  const word = fc.oneof(
    fc.constantFrom('mug', 'teapot', 'kettle', 'dusk', 'slow dolly-in', '&', '<b>', 'ünïcödé', '🎬', '\u202e'),
    fc.string({ unit: 'grapheme', maxLength: 6 }),
  );
  const prompt = fc
    .array(fc.oneof(word, fc.constantFrom('{{brand}}', '{{product}}', '{{size}}', '{{seconds}}', ...TEMPLATE_FRAGMENTS)), { minLength: 1, maxLength: 6 })
    .map((parts) => parts.join(' '));
  const shot = fc.record(
    {
      id: name,
      prompt,
      variants: fc.option(fc.record({ product: fc.uniqueArray(fc.constantFrom('mug', 'teapot', 'kettle'), { minLength: 1, maxLength: 3 }) }), {
        nil: undefined,
      }),
      remix: fc.option(name, { nil: undefined }),
      size: fc.option(fc.constantFrom('1280x720', '720x1280', '1792x1024', '640x480'), { nil: undefined }),
      seconds: fc.option(fc.constantFrom(4, 8, 12, 7, '8'), { nil: undefined }),
    },
    { requiredKeys: ['id', 'prompt'] },
  );
  return fc.record({
    version: fc.constant(1),
    name,
    provider: fc.constant({ profile: 'openai', base_url: baseUrl }),
    vars: fc.dictionary(fc.constantFrom('brand', 'product', 'season', '__proto__', 'constructor'), word, { maxKeys: 3 }),
    partials: fc.dictionary(fc.constantFrom('look', 'x', 'constructor'), prompt, { maxKeys: 2 }),
    shots: fc.array(shot, { minLength: 1, maxLength: 3 }),
  });
}

describe('fuzzing storyboards through validate and plan', () => {
  it(`${FUZZ_RUNS} mutated storyboards: never a crash, always a location, never a request`, async () => {
    let invalid = 0;
    const caseArb = fc.record({
      base: fc.oneof(
        fc.nat({ max: seeds.length - 1 }).map((i) => seeds[i]),
        generatedStoryboard(server.url),
      ),
      tree: fc.array(treeMutationArb(), { maxLength: 4 }),
      text: fc.array(textMutationArb([...YAML_FRAGMENTS, ...TEMPLATE_FRAGMENTS]), { maxLength: 2 }),
      baseUrlFlag: fc.boolean(),
      json: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ base, tree, text, baseUrlFlag, json }) => {
        const yamlText = stringify(mutateTree(base, tree), { aliasDuplicateObjects: false, lineWidth: 0 });
        await writeFile(path.join(project.dir, 'board.yaml'), mutateText(yamlText, text));
        const before = server.requests();
        const flags = [...(json ? ['--json'] : []), ...(baseUrlFlag ? ['--base-url', server.url] : [])];
        const validate = await runCli(['validate', 'board.yaml', ...(json ? ['--json'] : [])], { cwd: project.dir, env: { NO_COLOR: '1' } });
        const plan = await runCli(['plan', 'board.yaml', ...flags], { cwd: project.dir, env: { NO_COLOR: '1' } });
        expect(brokenPromises(validate, [0, 2]), validate.stderr).toEqual([]);
        expect(brokenPromises(plan, [0, 2, 3]), plan.stderr).toEqual([]);
        // plan may add issues of its own (the --base-url), never accept what validate refused.
        if (validate.code !== 0) expect(plan.code).toBe(2);
        if (validate.code === 2) {
          invalid++;
          if (json) expect(issuesOf(validate).filter((issue) => issue.severity === 'error').length).toBeGreaterThan(0);
          else expect(validate.stderr).toMatch(/^board\.yaml(:\d+:\d+)?: error: /m);
        }
        expect(server.requests() - before).toBe(0);
      }),
      { numRuns: FUZZ_RUNS, seed: FUZZ_SEED, endOnFailure: true },
    );
    // The fuzzer must exercise both sides, or it proves little.
    expect(invalid).toBeGreaterThan(FUZZ_RUNS / 4);
    expect(invalid).toBeLessThan(FUZZ_RUNS);
    expect(server.requests()).toBe(0);
  }, 120_000);
});
