import fc from 'fast-check';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { checkJobGlob, compileJobGlob, matchesJobGlob, MAX_GLOB_CHARS } from '../../src/plan/job-glob.js';
import { globMatcher } from '../../src/plan/job-glob.js';
import { runCli } from '../helpers/cli.js';
import { FUZZ_SEED } from '../hostile/helpers.js';
import { writeProject, yaml } from '../storyboard/helpers.js';

/**
 * `--only` / `--replace` globs are matched without a regex, in time linear in the id and the
 * glob: `*a*a*a*a*a*a*a*a*c` took over 30 s on a 60-character id when picomatch compiled it.
 * On the syntax they share (`*`, `?`, `{a,b}`, `!`, literal brackets), the matcher agrees with
 * picomatch as shotlist used it, so no selection changes meaning.
 */

const PICOMATCH = { nobracket: true, noextglob: true, dot: true } as const;
const matches = (glob: string, id: string) => matchesJobGlob(compileJobGlob(glob), id);

describe('job-id globs', () => {
  it.each([
    ['hero[product=mug,*', 'hero[product=mug,size=1280x720]', true],
    ['hero[product=mug,*', 'hero[product=teapot,size=1280x720]', false],
    ['hero*', 'hero-dusk[product=mug]', true],
    ['hero', 'hero-dusk', false],
    ['h?ro', 'hero', true],
    ['*[size=720x1280]', 'hero[size=720x1280]', true],
    ['hero[product={mug,teapot}]', 'hero[product=teapot]', true],
    ['hero[product={mug,teapot}]', 'hero[product=kettle]', false],
    ['!hero*', 'teaser', true],
    ['!hero*', 'hero[product=mug]', false],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['{a,b{c,d}}x', 'bdx', true],
    ['{a}', '{a}', true],
    ['', '', true],
  ])('%s against %s: %s', (glob, id, expected) => {
    expect(matches(glob, id)).toBe(expected);
  });

  it("the issue's glob over a 60-character id, and worse ones, answer in milliseconds", () => {
    const started = performance.now();
    expect(matches('*a*a*a*a*a*a*a*a*c', 'a'.repeat(60))).toBe(false);
    expect(matches(`${'*a'.repeat(400)}*c`, 'a'.repeat(5000))).toBe(false);
    expect(matches(`${'*a'.repeat(400)}*`, 'a'.repeat(5000))).toBe(true);
    expect(matches(`*${'a'.repeat(900)}b`, 'a'.repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("plan --only with the issue's glob over a job id of 60 characters answers at once", async () => {
    const project = await writeProject({
      'board.yaml': yaml('version: 1', 'name: g', 'shots:', '  - id: a', '    prompt: "{{p}}"', '    variants:', `      p: [${'a'.repeat(54)}]`),
    });
    try {
      const started = performance.now();
      // The costly globs are tried on the id and fail at once; matching no job, they are a usage error (exit 2) that names them.
      const run = await runCli(['plan', 'board.yaml', '--only', '*a*a*a*a*a*a*a*a*c', '--only', 'a[*', '--replace', '*a*a*a*a*a*a*a*a*a*a*a*c'], {
        cwd: project.dir,
      });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain('--only "*a*a*a*a*a*a*a*a*c" matches no job');
      expect(run.stderr).toContain('--replace "*a*a*a*a*a*a*a*a*a*a*a*c" matches no job');
      // Costly globs that do match are as quick.
      const planned = await runCli(['plan', 'board.yaml', '--json', '--only', 'a[*', '--replace', '*a*a*a*a*a*a*a*a*a*a*a*]'], { cwd: project.dir });
      expect(planned.code, planned.stderr).toBe(0);
      expect(planned.events().at(-1)).toMatchObject({ event: 'plan.total', jobs: 1, unselected: 0 });
      expect(performance.now() - started).toBeLessThan(5_000);
    } finally {
      await project.cleanup();
    }
  });

  it('1,000 random globs and ids over the shared syntax: the same answers as picomatch', () => {
    // Ids as job ids are written (never empty); globs of the same characters plus the syntax both read alike.
    const idChar = fc.constantFrom('a', 'b', '[', ']', '=', ',', '-', '.');
    const globChar = fc.oneof(idChar, fc.constantFrom('*', '?', '**'), fc.constantFrom('{a,b}', '{a,[}', '{,a}', '{a,b*}', '{a,{b,=}}'));
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(globChar, { maxLength: 8 }),
        fc.constantFrom('a', 'b'),
        fc.array(idChar, { maxLength: 12 }),
        (negate, parts, first, idParts) => {
          const glob = `${negate ? '!' : ''}${parts.join('')}`;
          // A job id starts with a letter or digit (a shot id): never "." or "..", which picomatch's `*` skips as path segments.
          const id = first + idParts.join('');
          // picomatch threw on an empty glob (an internal error); here it matches the empty id only.
          fc.pre(glob !== '');
          const before = [glob].includes(id) || picomatch(glob, PICOMATCH)(id);
          expect(globMatcher([glob])!(id), `${glob} on ${id}`).toBe(before);
        },
      ),
      { numRuns: 1_000, seed: FUZZ_SEED },
    );
  });

  it('500 random globs with many stars over long ids: each answers within (id × glob) steps, never exponentially', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('*', 'a', '?', 'b'), { minLength: 1, maxLength: 200 }),
        fc.string({ unit: fc.constantFrom('a', 'b'), minLength: 0, maxLength: 2000 }),
        (parts, id) => {
          const started = performance.now();
          matches(parts.join(''), id);
          // 200 × 2,000 comparisons at most: well under a millisecond each way; the bound is for a loaded machine.
          expect(performance.now() - started).toBeLessThan(500);
        },
      ),
      { numRuns: 500, seed: FUZZ_SEED },
    );
  });

  it('a glob longer than 1,000 characters, or whose braces expand past 1,000 alternatives, is a usage error (exit 2) naming it, before anything is sent', async () => {
    expect(checkJobGlob('x'.repeat(MAX_GLOB_CHARS))).toBeNull();
    expect(checkJobGlob('x'.repeat(MAX_GLOB_CHARS + 1))).toMatch(/longer than the 1000 allowed/);
    expect(checkJobGlob('{a,b}'.repeat(10))).toMatch(/more than 1000 alternatives/);
    const project = await writeProject({ 'board.yaml': yaml('version: 1', 'name: g', 'shots: [{id: a, prompt: hi}]') });
    try {
      for (const glob of ['*a'.repeat(501), '{a,b}'.repeat(10)]) {
        for (const flag of ['--only', '--replace']) {
          const run = await runCli(['plan', 'board.yaml', flag, glob], { cwd: project.dir, env: { NO_COLOR: '1' } });
          expect(run.code).toBe(2);
          expect(run.stderr).toMatch(
            /^error: the job-id glob ".{1,60}…?" cannot be used: (a glob of 1002 characters is longer than the 1000 allowed|its braces expand to more than 1000 alternatives)$/m,
          );
          if (glob.length > 60) expect(run.stderr).not.toContain(glob);
        }
      }
    } finally {
      await project.cleanup();
    }
  });
});
