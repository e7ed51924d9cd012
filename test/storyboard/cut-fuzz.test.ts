import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFilm } from '../../src/cut/check-film.js';
import { filmOfCut } from '../../src/storyboard/film-of-cut.js';
import { loadStoryboard } from '../../src/storyboard/load-storyboard.js';
import { png, writeProject, yaml } from './helpers.js';

/**
 * Cuts of every shape over one storyboard (shots with and without variants, a remix, stills of
 * two sizes and one missing, trims and transitions from nothing to too long): loading never
 * throws, every problem is located, and whatever loads clean is a film the engine accepts.
 */

const SHOTS = [
  'shots:',
  '  - id: hero',
  '    prompt: A {{product}}.',
  '    seconds: 8',
  '    variants: { product: [mug, teapot], size: [1280x720, 720x1280] }',
  '  - id: dusk',
  '    remix: hero',
  '    prompt: Dusk.',
  '  - id: logo',
  '    prompt: The logo.',
  '    size: 1280x720',
  '  - id: take',
  '    prompt: Take {{n}}.',
  '    variants: { n: [1, 2] }',
];

const seconds = fc.oneof(fc.constantFrom(0, 0.01, 0.5, 1, 4, 7.99, 8, 9), fc.double({ min: 0, max: 20, noNaN: true }));
const transition = fc.option(
  fc.oneof(
    fc.constant('cut'),
    seconds.filter((s) => s > 0).map((s) => ({ crossfade: s })),
    seconds.filter((s) => s > 0).map((s) => ({ fade: s })),
  ),
  { nil: undefined },
);
const shotEntry = fc.record(
  {
    shot: fc.constantFrom('hero', 'dusk', 'logo', 'take', 'nope'),
    from: fc.option(seconds, { nil: undefined }),
    to: fc.option(
      seconds.filter((s) => s > 0),
      { nil: undefined },
    ),
    transition,
  },
  { requiredKeys: ['shot'] },
);
const imageEntry = fc.record(
  {
    image: fc.constantFrom('card-{{size}}.png', 'card-1280x720.png', 'missing.png', 'card-{{product}}.png'),
    seconds: seconds.filter((s) => s > 0),
    transition,
  },
  { requiredKeys: ['image', 'seconds'] },
);
const entry = fc.oneof(fc.constantFrom('hero', 'dusk', 'logo'), shotEntry, imageEntry);
const variants = fc.option(
  fc.record(
    { product: fc.subarray(['mug', 'teapot', 'vase'], { minLength: 1 }), size: fc.subarray(['1280x720', '720x1280'], { minLength: 1 }) },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);
const wild = fc.record(
  {
    id: fc.constantFrom('spot', 'teaser'),
    variants,
    fps: fc.option(fc.constantFrom(24, 25, 29.97), { nil: undefined }),
    sequence: fc.array(entry, { minLength: 1, maxLength: 4 }),
  },
  { requiredKeys: ['id', 'sequence'] },
);
/** Cuts that mostly hold: every combination exists, trims and transitions within reach. */
const soft = fc.double({ min: 0.1, max: 1.5, noNaN: true }).map((s) => ({ crossfade: s }));
const tameEntry = fc.oneof(
  fc.constantFrom('hero', 'dusk'),
  fc.record({ shot: fc.constantFrom('hero', 'dusk'), from: fc.double({ min: 0, max: 3, noNaN: true }), transition: soft }),
  fc.record({ image: fc.constant('card-{{size}}.png'), seconds: fc.double({ min: 2, max: 4, noNaN: true }), transition: soft }),
);
const tame = fc.record({
  id: fc.constant('spot'),
  variants: fc.record({ product: fc.subarray(['mug', 'teapot'], { minLength: 1 }), size: fc.subarray(['1280x720', '720x1280'], { minLength: 1 }) }),
  sequence: fc.tuple(fc.constantFrom('hero', 'dusk'), fc.array(tameEntry, { maxLength: 3 })).map(([first, rest]) => [first, ...rest]),
});
const cut = fc.oneof(wild, tame);

describe('cuts of every shape', () => {
  let project: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    project = await writeProject({ 'card-1280x720.png': png(1280, 720), 'card-720x1280.png': png(720, 1280), 'card-mug.png': png(640, 360) });
  });
  afterAll(async () => project?.cleanup());

  it('load without throwing, locate every problem, and make films the engine accepts', async () => {
    let clean = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.array(cut, { minLength: 1, maxLength: 2 }),
          tame.map((one) => [one]),
        ),
        async (cuts) => {
          await writeFile(path.join(project.dir, 'board.yaml'), yaml('version: 1', 'name: t', ...SHOTS, `cuts: ${JSON.stringify(cuts)}`));
          const result = await loadStoryboard('board.yaml', { cwd: project.dir });
          for (const issue of result.issues) expect(issue.line, JSON.stringify(issue)).toBeGreaterThan(0);
          if (result.issues.length > 0) return;
          clean++;
          for (const resolved of result.loaded!.cuts) expect(checkFilm(filmOfCut(resolved, (job) => ({ path: `/r/${job}.mp4`, sha256: job })))).toEqual([]);
        },
      ),
      { numRuns: 150, seed: 1313 },
    );
    // Enough of them are valid for the last check to mean something.
    expect(clean).toBeGreaterThan(20);
  }, 120_000);
});
