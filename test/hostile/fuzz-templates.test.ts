import fc from 'fast-check';
import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { TEMPLATE_LIMITS, TemplateBudgetError, TemplateMeter, type TemplateLimits } from '../../src/storyboard/template-budget.js';
import { TemplateSet, type PartialDef, type TemplateSite } from '../../src/storyboard/templates.js';
import { FUZZ_RUNS, FUZZ_SEED } from './helpers.js';

/**
 * Templates generated from the language's grammar (text, variables, `each`, `with`, `if`,
 * `unless`, `lookup`, partials including partials, standalone indented partials), rendered on
 * the meter and by plain Handlebars with the same options:
 * - within the limits, the output is exactly Handlebars' (the meter changes no prompt, so no
 *   fingerprint);
 * - a render refused for its length is one whose output really is longer (never a false alarm);
 * - every render, however costly its template, stops within its step limit, in bounded time.
 */

const OPTIONS = { strict: true, noEscape: true, knownHelpersOnly: true } as const;
const RUNTIME = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false } as const;

function site(text: string): TemplateSite {
  return { file: 'fuzz.yaml', path: 'shots[0].prompt', text, locate: () => ({ line: 1, column: 1, length: 1 }) };
}

interface Case {
  readonly partials: readonly string[];
  readonly template: string;
  readonly context: Record<string, unknown>;
}

/** A template over the context's names, able to include partials `p0…p(n-1)`. */
function templateArb(partials: number, depth: number): fc.Arbitrary<string> {
  const leaf = fc.oneof(
    fc.constantFrom('a', ' ', '\n', 'x y', '& <b>', '{', '}', '\\{{s}}'),
    fc.constantFrom(
      '{{s}}',
      '{{n}}',
      '{{flag}}',
      '{{list}}',
      '{{obj.k}}',
      '{{@root.s}}',
      '{{lookup obj "k"}}',
      '{{{s}}}',
      '{{~s~}}',
      '{{!-- c --}}',
      '{{lookup list 1}}',
    ),
    ...(partials > 0
      ? [
          fc.nat(partials - 1).map((i) => `{{> p${i}}}`),
          fc.tuple(fc.nat(partials - 1), fc.nat(6)).map(([i, indent]) => `\n${' '.repeat(indent)}{{> p${i}}}\n`),
          fc.nat(partials - 1).map((i) => `{{> p${i} k="v"}}`),
        ]
      : []),
  );
  if (depth === 0) return fc.array(leaf, { maxLength: 6 }).map((parts) => parts.join(''));
  const inner = templateArb(partials, depth - 1);
  const block = fc.oneof(
    inner.map((body) => `{{#each list}}${body}{{@index}}{{this}}{{/each}}`),
    inner.map((body) => `{{#each obj}}{{@key}}=${body}{{/each}}`),
    inner.map((body) => `{{#each @root.list as |item i|}}{{item}}${body}{{/each}}`),
    inner.map((body) => `{{#with obj}}{{k}}${body}{{/with}}`),
    fc.tuple(inner, inner).map(([yes, no]) => `{{#if flag}}${yes}{{else}}${no}{{/if}}`),
    fc.tuple(inner, inner).map(([yes, no]) => `{{#unless n}}${yes}{{else if flag}}${no}{{/unless}}`),
  );
  return fc.array(fc.oneof(leaf, block), { maxLength: 5 }).map((parts) => parts.join(''));
}

const caseArb: fc.Arbitrary<Case> = fc.integer({ min: 0, max: 3 }).chain((count) =>
  fc.record({
    // Partial i may include partials before it only: the storyboard refuses cycles before rendering.
    partials: fc.tuple(...Array.from({ length: count }, (_, i) => templateArb(i, 1))) as fc.Arbitrary<string[]>,
    template: templateArb(count, 3),
    context: fc.record({
      s: fc.string({ maxLength: 30 }),
      n: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true })),
      flag: fc.boolean(),
      list: fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.array(fc.nat(9), { maxLength: 3 })), { maxLength: 5 }),
      obj: fc.record({ k: fc.string({ maxLength: 8 }), list: fc.array(fc.nat(), { maxLength: 3 }) }),
    }),
  }),
);

/** Plain Handlebars, configured as shotlist configures it but without the meter. */
function reference({ partials, template, context }: Case): { ok: string } | { error: string } {
  const hbs = Handlebars.create();
  hbs.unregisterHelper('log');
  partials.forEach((text, i) => hbs.registerPartial(`p${i}`, text));
  try {
    return { ok: hbs.compile(template, OPTIONS)(context, RUNTIME) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function metered(
  { partials, template, context }: Case,
  maxChars: number,
  limits?: TemplateLimits,
): { ok: string } | { error: string } | { budget: TemplateBudgetError } {
  const defs = new Map<string, PartialDef>(partials.map((text, i) => [`p${i}`, { name: `p${i}`, site: site(text) }]));
  const set = new TemplateSet(defs, new Set(), new TemplateMeter(limits));
  try {
    return { ok: set.compile(template)(context, maxChars) };
  } catch (error) {
    if (error instanceof TemplateBudgetError) return { budget: error };
    return { error: (error as Error).message };
  }
}

describe('fuzzing templates on the meter', () => {
  it(`${FUZZ_RUNS} generated templates render exactly as Handlebars renders them`, () => {
    let rendered = 0;
    fc.assert(
      fc.property(caseArb, (c) => {
        const expected = reference(c);
        const actual = metered(c, Number.MAX_SAFE_INTEGER);
        if ('budget' in actual) throw new Error(`a small template passed a limit: ${actual.budget.message}`);
        expect(actual).toEqual(expected);
        if ('ok' in actual) rendered++;
      }),
      { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
    );
    // Many generated templates are valid (the others fail strict lookups, the same way in both): outputs are compared, not only errors.
    expect(rendered).toBeGreaterThan(FUZZ_RUNS / 4);
  });

  it(`${FUZZ_RUNS} renders with small random limits: the same output, or refused only past a limit that was really passed`, () => {
    const counts = { ok: 0, output: 0, steps: 0 };
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 0, max: 400 }), fc.integer({ min: 20, max: 3000 }), (c, maxChars, steps) => {
        const expected = reference(c);
        const actual = metered(c, maxChars, { stepsPerRender: steps, stepsPerStoryboard: 10 * steps });
        if ('ok' in actual) {
          expect(actual).toEqual(expected);
          expect(actual.ok.length).toBeLessThanOrEqual(maxChars);
          counts.ok++;
        } else if ('budget' in actual && actual.budget.kind === 'output') {
          // Never a false alarm: the whole output would have been longer than the limit.
          if ('ok' in expected) expect(expected.ok.length).toBeGreaterThan(maxChars);
          counts.output++;
        } else if ('budget' in actual) {
          expect(actual.budget.kind).toBe('steps');
          counts.steps++;
        } else {
          expect(actual).toEqual(expected);
        }
      }),
      { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
    );
    expect(counts.ok).toBeGreaterThan(FUZZ_RUNS / 10);
    expect(counts.output).toBeGreaterThan(FUZZ_RUNS / 50);
    expect(counts.steps).toBeGreaterThan(FUZZ_RUNS / 50);
  });

  it('100 generated bombs (partials doubling n levels, blocks nested over long lists) each stop within the step limit, in bounded time', () => {
    const bombArb = fc.record({
      // At least 2^20 partial calls, whatever else the template does.
      levels: fc.integer({ min: 20, max: 60 }),
      fanOut: fc.integer({ min: 2, max: 4 }),
      leaf: fc.constantFrom('', 'x', '{{@root.s}}', '{{#if @root.flag}}{{/if}}', '{{#each @root.list}}{{/each}}', '{{#with @root.obj}}{{k}}{{/with}}'),
      wrap: fc.constantFrom('', 'with', 'each', 'if'),
      items: fc.integer({ min: 1, max: 2000 }),
    });
    fc.assert(
      fc.property(bombArb, ({ levels, fanOut, leaf, wrap, items }) => {
        const partials: string[] = [leaf];
        for (let i = 1; i <= levels; i++) {
          const body = `{{> p${i - 1}}}`.repeat(fanOut);
          partials.push(
            wrap === ''
              ? body
              : wrap === 'each'
                ? `{{#each @root.list}}${body}{{/each}}`
                : wrap === 'if'
                  ? `{{#if @root.flag}}${body}{{/if}}`
                  : `{{#with @root}}${body}{{/with}}`,
          );
        }
        const c: Case = { partials, template: `{{> p${levels}}}`, context: { s: 'y', flag: true, list: Array(items).fill(''), obj: { k: 'v' } } };
        const started = performance.now();
        const actual = metered(c, 32_000);
        const ms = performance.now() - started;
        expect('budget' in actual, JSON.stringify(actual).slice(0, 200)).toBe(true);
        // 100,000 steps take well under a second; the bound leaves room for a loaded machine.
        expect(ms).toBeLessThan(5_000);
      }),
      { numRuns: 100, seed: FUZZ_SEED },
    );
    expect(TEMPLATE_LIMITS.stepsPerRender).toBe(100_000);
  });
});
