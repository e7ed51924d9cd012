import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JOBS, matrixSize } from '../../src/storyboard/job-count.js';
import { expandMatrix } from '../../src/storyboard/variants.js';
import type { WrittenVariants } from '../../src/storyboard/written.js';
import { runCli } from '../helpers/cli.js';
import { writeProject, yaml } from '../storyboard/helpers.js';
import { brokenPromises, FUZZ_SEED, issuesOf } from './helpers.js';

/**
 * The variant matrix is a product: a few hundred bytes of axes make a billion jobs. A storyboard
 * may expand to at most 10,000 jobs, counted before any is built and refused at the axes.
 */

const HEAD = ['version: 1', 'name: matrix'];
const values = (n: number) => `[${Array.from({ length: n }, (_, i) => `v${i}`).join(', ')}]`;
type ReportedIssue = ReturnType<typeof issuesOf>[number] & { message: string; path: string };

async function validate(text: string): Promise<{ code: number; ms: number; issues: ReportedIssue[]; jobs: number }> {
  const project = await writeProject({ 'board.yaml': text });
  try {
    const started = performance.now();
    const run = await runCli(['validate', 'board.yaml', '--json'], { cwd: project.dir });
    const ms = performance.now() - started;
    expect(brokenPromises(run, [0, 2]), run.stdout.slice(0, 2000)).toEqual([]);
    const file = run.events().find((event) => event['event'] === 'validate.file')!;
    return { code: run.code, ms, issues: issuesOf(run) as ReportedIssue[], jobs: file['jobs'] as number };
  } finally {
    await project.cleanup();
  }
}

describe('the job cap', () => {
  it("9 axes of 10 values (the issue's 499 bytes, a billion jobs): refused at once, at the shot's variants", async () => {
    const axes = Array.from({ length: 9 }, (_, i) => `      a${i}: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]`);
    const text = yaml(
      ...HEAD,
      'shots:',
      '  - id: hero',
      '    prompt: "a {{a0}}"',
      '    variants:',
      ...axes,
      '  - id: dusk',
      '    remix: hero',
      '    prompt: dusk',
    );
    expect(Buffer.byteLength(text)).toBeLessThan(500);
    const { code, ms, issues } = await validate(text);
    expect(code).toBe(2);
    expect(issues).toMatchObject([{ code: 'too-many-jobs', file: 'board.yaml', line: 6, column: 5, path: 'shots[0].variants' }]);
    expect(issues[0]!.message).toBe(
      'shot "hero" expands to 1,000,000,000 jobs (10 × 10 × 10 × 10 × 10 × 10 × 10 × 10 × 10 from its axes), more than the 10,000 a storyboard may have',
    );
    expect(ms).toBeLessThan(5_000);
  });

  it('a remix fans out per parent job: 100 × 10 × 10 jobs down a chain are counted, and refused at the shot that passes the cap', async () => {
    const text = yaml(
      ...HEAD,
      'shots:',
      '  - id: a',
      '    prompt: "{{p}} {{q}}"',
      '    variants:',
      `      p: ${values(10)}`,
      `      q: ${values(10)}`,
      '  - id: b',
      '    remix: a',
      '    prompt: "{{r}}"',
      '    variants:',
      `      r: ${values(10)}`,
      '  - id: c',
      '    remix: b',
      '    prompt: "{{s}}"',
      '    variants:',
      `      s: ${values(10)}`,
    );
    const { code, issues } = await validate(text);
    expect(code).toBe(2);
    expect(issues).toMatchObject([{ code: 'too-many-jobs', line: 17, path: 'shots[2].variants' }]);
    expect(issues[0]!.message).toBe(
      'the storyboard expands to 11,100 jobs, more than the 10,000 it may have; shot "c" makes 10,000 of them (10 from its axes × 1,000 jobs of "b", which it remixes)',
    );
  });

  it(`exactly ${MAX_JOBS.toLocaleString('en-US')} jobs are valid; one include more is not`, async () => {
    const base = ['shots:', '  - id: a', '    prompt: "{{p}} {{q}}"', '    variants:', `      p: ${values(100)}`, `      q: ${values(100)}`];
    const atCap = await validate(yaml(...HEAD, ...base));
    expect(atCap).toMatchObject({ code: 0, jobs: MAX_JOBS, issues: [] });
    const over = await validate(yaml(...HEAD, ...base, '      include:', '        - {p: extra, q: extra}'));
    expect(over.code).toBe(2);
    expect(over.issues.map((issue) => issue.code)).toEqual(['too-many-jobs']);
    expect(over.issues[0]!.message).toContain('(100 × 100 from its axes + 1 included)');
  });

  it('include and exclude hold at most 1,000 entries (the schema says so, where the list is)', async () => {
    const entries = Array.from({ length: 1001 }, (_, i) => `        - {p: v${i % 3}}`);
    const { issues } = await validate(
      yaml(...HEAD, 'shots:', '  - id: a', '    prompt: "{{p}}"', '    variants:', `      p: ${values(3)}`, '      exclude:', ...entries),
    );
    expect(issues).toMatchObject([{ path: 'shots[0].variants.exclude', line: 9 }]);
  });

  it('matrix sizes bound what a matrix expands to, and equal it without exclude (300 random matrices)', () => {
    const variantsArb = fc
      .record({
        axes: fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 4 }),
        include: fc.array(fc.array(fc.nat(6), { minLength: 4, maxLength: 4 }), { maxLength: 3 }),
        exclude: fc.array(fc.tuple(fc.nat(3), fc.nat(5)), { maxLength: 3 }),
      })
      .map(({ axes, include, exclude }) => {
        const variants: Record<string, unknown> = {};
        axes.forEach((n, i) => (variants[`x${i}`] = Array.from({ length: n }, (_, k) => `v${k}`)));
        // Include entries bind every axis with fresh values (`w…`), so they add jobs rather than repeat them.
        if (include.length > 0 && axes.length > 0)
          variants['include'] = include.map((entry) => Object.fromEntries(axes.map((_, i) => [`x${i}`, `w${entry[i]}`])));
        return {
          variants: variants as WrittenVariants,
          excluding: exclude.filter(([axis]) => axis < axes.length).map(([axis, value]) => ({ [`x${axis}`]: `v${value}` })),
        };
      });
    fc.assert(
      fc.property(variantsArb, ({ variants, excluding }) => {
        const expand = (v: WrittenVariants) => expandMatrix({ variants: v, shotPath: ['shots', 0], file: 'x.yaml', inherited: [] }, () => undefined).length;
        const distinctIncludes = new Set((variants.include ?? []).map((entry) => JSON.stringify(entry))).size;
        expect(expand(variants)).toBe(matrixSize(variants) - ((variants.include?.length ?? 0) - distinctIncludes));
        expect(expand({ ...variants, exclude: excluding })).toBeLessThanOrEqual(matrixSize(variants));
      }),
      { numRuns: 300, seed: FUZZ_SEED },
    );
  });

  it('60 random remix chains of random matrices: valid with the counted jobs, or refused at once when they pass the cap', async () => {
    const chainArb = fc.array(fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 4 }), { minLength: 1, maxLength: 4 });
    let refused = 0;
    let valid = 0;
    await fc.assert(
      fc.asyncProperty(chainArb, async (chain) => {
        const lines = [...HEAD, 'shots:'];
        let expected = 0;
        let parentJobs = 1;
        chain.forEach((axes, s) => {
          lines.push(`  - id: s${s}`, ...(s > 0 ? [`    remix: s${s - 1}`] : []), `    prompt: "shot ${s}"`);
          if (axes.length > 0) lines.push('    variants:', ...axes.map((n, i) => `      s${s}x${i}: ${values(n)}`));
          parentJobs *= axes.reduce((product, n) => product * n, 1);
          expected += parentJobs;
        });
        const { code, ms, issues, jobs } = await validate(yaml(...lines));
        expect(ms).toBeLessThan(10_000);
        if (expected > MAX_JOBS) {
          expect(issues.map((issue) => issue.code)).toEqual(['too-many-jobs']);
          refused++;
        } else {
          expect({ code, jobs }).toEqual({ code: 0, jobs: expected });
          valid++;
        }
      }),
      { numRuns: 60, seed: FUZZ_SEED },
    );
    expect(refused).toBeGreaterThan(5);
    expect(valid).toBeGreaterThan(5);
  }, 300_000);
});
