import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonSyntaxErrorOffset } from '../../src/lockfile/json-syntax.js';
import { MAX_UNIX_SECONDS } from '../../src/api/video.js';
import { parseLockfile, serializeLockfile } from '../../src/lockfile/parse-lockfile.js';
import { loadStoryboard } from '../../src/storyboard/load-storyboard.js';
import { completedLockfile, writeFakeOutputs } from '../helpers/campaign-lock.js';
import { REPO, runCli } from '../helpers/cli.js';
import { arbitraryOf } from '../helpers/schema-arbitrary.js';
import { brokenPromises, examplesProject, FUZZ_RUNS, FUZZ_SEED } from './helpers.js';
import { mutateText, mutateTree, textMutationArb, treeMutationArb, type TreeMutation } from './mutate.js';

/**
 * Lockfiles mutated in their bytes (flips, truncation, insertions) and in their data (wrong
 * types, huge numbers, unknown versions, deleted and invented keys, nonsense paths), then
 * `plan`: exit 0 or 2, a lockfile message that points at file:line:col, never a crash.
 */

let project: Awaited<ReturnType<typeof examplesProject>>;
let lockText: string;
const BOARD = 'quickstart.yaml';
const LOCK = 'quickstart.lock.json';
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

/** A lockfile in which every quickstart job completed an hour ago, its (fake) files on disk: a plan reuses them all. */
beforeAll(async () => {
  project = await examplesProject();
  const { loaded } = await loadStoryboard(BOARD, { cwd: project.dir });
  const lock = completedLockfile(loaded!, NOW / 1000 - 3600);
  await writeFakeOutputs(project.dir, lock);
  lockText = serializeLockfile(lock);
});

afterAll(() => project?.cleanup());

/** Values a hand edit or a hostile commit puts in a lockfile. */
const nonsense = fc.oneof(
  fc.constantFrom(
    0,
    2,
    -1,
    1.5,
    1e308,
    -1e308,
    2 ** 53 + 1,
    '1',
    'video_x',
    '',
    '../../../etc/passwd',
    '/etc/passwd',
    '/dev/zero',
    'renders/\u0000x.mp4',
    'C:\\x.mp4',
    'completed',
    'creating',
    'queued',
    null,
    true,
    [],
    {},
  ),
  fc.string({ maxLength: 12 }),
);

const JSON_FRAGMENTS = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"',
  '\\',
  '1e400',
  '-0',
  '123456789012345678901234567890',
  'NaN',
  'Infinity',
  'undefined',
  '//',
  '/*',
  '\uFEFF',
  'tru',
  'nul',
  '\u0000',
  '"\\ud800"',
  '\n<<<<<<< HEAD\n',
  '\n=======\n',
  '\n>>>>>>> branch\n',
];

describe('fuzzing lockfiles through plan', () => {
  it(`${FUZZ_RUNS} mutated lockfiles: exit 0, or 2 with a located lockfile message`, async () => {
    const counts = { ok: 0, refused: 0 };
    const lockDoc = JSON.parse(lockText) as unknown;
    const mutation = fc.oneof(treeMutationArb(), fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: nonsense }));
    const caseArb = fc.record({
      version: fc.option(fc.constantFrom<unknown>(0, 2, 99, '1', 1.0000001, null, [1], -1), { freq: 8 }),
      tree: fc.array(mutation as fc.Arbitrary<TreeMutation>, { maxLength: 3 }),
      text: fc.oneof(fc.constant([]), fc.array(textMutationArb(JSON_FRAGMENTS), { maxLength: 2 })),
    });
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ version, tree, text }) => {
        const doc = mutateTree(lockDoc, tree) as Record<string, unknown> | null;
        if (version !== null && typeof doc === 'object' && doc !== null) doc['lockfileVersion'] = version;
        await writeFile(path.join(project.dir, LOCK), mutateText(`${JSON.stringify(doc, null, 2)}\n`, text));
        const run = await runCli(['plan', BOARD], { cwd: project.dir, env: { NO_COLOR: '1' }, now: NOW });
        expect(brokenPromises(run, [0, 2]), run.stderr).toEqual([]);
        if (run.code === 0) counts.ok++;
        else {
          counts.refused++;
          expect(run.stderr).toMatch(/^error: quickstart\.lock\.json(:\d+:\d+)?[: ]/m);
          expect(run.stderr).toMatch(/lockfile|JSON/);
        }
      }),
      { numRuns: FUZZ_RUNS, seed: FUZZ_SEED, endOnFailure: true },
    );
    expect(counts.ok).toBeGreaterThan(FUZZ_RUNS / 40);
    expect(counts.refused).toBeGreaterThan(FUZZ_RUNS / 4);
  }, 120_000);

  it('the syntax locator agrees with JSON.parse on 2,000 mutated texts', () => {
    fc.assert(
      fc.property(fc.array(textMutationArb(JSON_FRAGMENTS), { minLength: 1, maxLength: 3 }), (mutations) => {
        const text = mutateText(lockText, mutations).toString('utf8');
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        const offset = jsonSyntaxErrorOffset(text);
        expect(offset === null).toBe(valid);
        if (offset !== null) expect(offset).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 2 * FUZZ_RUNS, seed: FUZZ_SEED },
    );
  });
});

describe('schema-valid lockfiles', () => {
  it('100 lockfiles generated from the schema (numbers at their bounds and beyond, where it sets none): plan, status and report never crash', async () => {
    const schema = JSON.parse(await readFile(path.join(REPO, 'schemas/lockfile.schema.json'), 'utf8')) as Record<string, unknown>;
    const { loaded } = await loadStoryboard(BOARD, { cwd: project.dir });
    const ids = loaded!.jobs.map((job) => job.id);
    const entry = arbitraryOf({ $ref: '#/$defs/entry' }, schema);
    const lockArb = fc
      .dictionary(fc.oneof(fc.constantFrom(...ids), fc.string({ minLength: 1, maxLength: 8 })), entry, { maxKeys: 6 })
      .map((jobs) => ({ lockfileVersion: 1, name: 'quickstart', jobs }));
    let withJobs = 0;
    await fc.assert(
      fc.asyncProperty(lockArb, async (lock) => {
        const text = `${JSON.stringify(lock, null, 2)}\n`;
        // The generator is held to the schema: what it makes, the reader accepts.
        expect(() => parseLockfile(text, LOCK)).not.toThrow();
        await writeFile(path.join(project.dir, LOCK), text);
        if (Object.keys(lock.jobs).some((id) => ids.includes(id))) withJobs++;
        // The schema cannot know which provider wrote a video id, nor where the project lies: an id
        // of another form (test/hostile/video-ids.test.ts), or an output path leading out of the
        // project, is refused, exit 2 at its place in the lockfile; anything else passes.
        for (const [command, argv, codes] of [
          ['plan', ['plan', BOARD, '--json'], [0, 2]],
          ['status', ['status', BOARD, '--offline', '--json'], [0, 1, 2]],
          ['report', ['report', BOARD, '--json'], [0, 2]],
        ] as const) {
          const run = await runCli(argv, { cwd: project.dir, env: { NO_COLOR: '1' }, now: NOW });
          expect(brokenPromises(run, codes), `${command}: ${run.stderr.slice(0, 500)}`).toEqual([]);
          if (run.code === 2)
            expect(run.stderr, command).toMatch(new RegExp(`${LOCK.replace('.', '\\.')}:\\d+:\\d+ .*(is not a video id|leads outside the project directory)`));
        }
      }),
      { numRuns: 100, seed: FUZZ_SEED, endOnFailure: true },
    );
    // Most lockfiles hold entries of the storyboard's own jobs, which plan, status and report read in full.
    expect(withJobs).toBeGreaterThan(50);
  }, 600_000);

  it("the schema's range of a timestamp is what a date can show, and what the client keeps of a server's", async () => {
    const schema = JSON.parse(await readFile(path.join(REPO, 'schemas/lockfile.schema.json'), 'utf8')) as { $defs: Record<string, { maximum?: number }> };
    expect(schema.$defs['unixSeconds']!.maximum).toBe(MAX_UNIX_SECONDS);
    expect(new Date(MAX_UNIX_SECONDS * 1000).toISOString()).toBe('9999-12-31T23:59:59.000Z');
    expect(() => parseLockfile(lockText.replace(/"created_at": \d+/, '"created_at": 99999999999999999'), LOCK)).toThrow(/created_at: must be <= 253402300799/);
  });
});
