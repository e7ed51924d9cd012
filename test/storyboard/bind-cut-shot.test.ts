import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bindCutShot } from '../../src/storyboard/bind-cut-shot.js';
import { formatJobId, type Binding, type ResolvedJob } from '../../src/storyboard/job.js';
import { loadStoryboard } from '../../src/storyboard/load-storyboard.js';
import { copyExamples } from '../helpers/cli.js';

/** The binding rule of a cut's shot entry, as a table of jobs and films, then on the example campaign. */

const origin = { file: 'board.yaml', path: [] };
const bind = (axis: string, label: string): Binding => ({ axis, value: label, label, origin });
const bindings = (text: string): Binding[] => (text === '' ? [] : text.split(',').map((pair) => bind(...(pair.split('=') as [string, string]))));

function job(shotId: string, bound: string, size = '1280x720'): ResolvedJob {
  const list = bindings(bound);
  return {
    id: formatJobId(shotId, list),
    shotId,
    shotIndex: 0,
    bindings: list,
    prompt: '',
    model: null,
    size: { value: size, origin: null },
    seconds: { value: '4', origin: null },
    extra: null,
    inputReference: null,
    remixOf: null,
    parent: null,
    video: { seconds: 4, extensions: 0 },
    characters: [],
    refresh: null,
    frozen: false,
    origin,
  };
}

const HERO = ['product=mug,size=1280x720', 'product=mug,size=720x1280', 'product=teapot,size=1280x720'].map((b) => job('hero', b, b.split('size=')[1]));
/** A remix child of every hero job: the parent's bindings first, then its own `grade`. */
const GRADE = HERO.flatMap((parent) =>
  ['warm', 'cool'].map((grade) => job('grade', `${parent.bindings.map((b) => `${b.axis}=${b.label}`).join(',')},grade=${grade}`, parent.size.value)),
);

describe('bindCutShot: the one job whose bindings agree with the film', () => {
  it.each([
    { name: 'the same bindings', jobs: HERO, film: 'product=mug,size=720x1280', size: '720x1280', expected: 'hero[product=mug,size=720x1280]' },
    {
      name: 'the film binds more axes than the shot',
      jobs: HERO.slice(2),
      film: 'product=teapot,size=1280x720,market=eu',
      size: '1280x720',
      expected: 'hero[product=teapot,size=1280x720]',
    },
    { name: 'a shot without variants plays in every film', jobs: [job('logo', '')], film: 'product=teapot', size: null, expected: 'logo' },
    {
      name: "a remix child: its parent's bindings and its own",
      jobs: GRADE,
      film: 'product=mug,size=1280x720,grade=cool',
      size: '1280x720',
      expected: 'grade[product=mug,size=1280x720,grade=cool]',
    },
    {
      name: "several agree: the film's size tells them apart",
      jobs: [job('hero', 'format=wide', '1280x720'), job('hero', 'format=tall', '720x1280')],
      film: 'size=720x1280',
      size: '720x1280',
      expected: 'hero[format=tall]',
    },
  ])('$name', ({ jobs, film, size, expected }) => {
    const found = bindCutShot(jobs, bindings(film), size);
    expect(found.kind === 'bound' ? found.job.id : found).toBe(expected);
  });

  it("none: says which of the film's values no job has", () => {
    const found = bindCutShot(HERO, bindings('product=teapot,size=720x1280,market=eu'), '720x1280');
    expect(found).toEqual({ kind: 'none', shared: bindings('product=teapot,size=720x1280') });
    expect(bindCutShot([], bindings('product=mug'), null)).toEqual({ kind: 'none', shared: [] });
  });

  it('several: names the candidates and the axes that tell them apart', () => {
    const found = bindCutShot(GRADE, bindings('product=mug,size=1280x720'), '1280x720');
    expect(found.kind === 'several' && { ids: found.candidates.map((c) => c.id), apart: found.apart }).toEqual({
      ids: ['grade[product=mug,size=1280x720,grade=warm]', 'grade[product=mug,size=1280x720,grade=cool]'],
      apart: ['grade'],
    });
  });
});

describe('a cut on the example campaign', () => {
  it("per product x size: map-valued products are matched by their id, the remix chain's children by their parent's bindings, the end card by the film's size", async () => {
    const { dir, cleanup } = await copyExamples();
    try {
      // In place of the example's own cut: one that plays a fanned-out grade.
      const file = path.join(dir, 'campaign.yaml');
      const text = await readFile(file, 'utf8');
      await writeFile(file, text.slice(0, text.indexOf('\ncuts:') + 1));
      await appendFile(
        file,
        [
          'cuts:',
          '  - id: spot',
          '    variants:',
          '      product: [mug, teapot]',
          '      size: [1280x720, 720x1280]',
          '      grade: [warm]',
          '      exclude: [{ product: teapot, size: 720x1280 }]',
          '    sequence:',
          '      - hero',
          '      - { shot: hero-dusk-grade, from: 1, to: 7, transition: { crossfade: 0.5 } }',
          '      - { image: "assets/endcard-{{size}}.png", seconds: 2, transition: { fade: 0.5 } }',
          '    audio: { music: assets/bed.m4a }',
          '',
        ].join('\n'),
      );
      const result = await loadStoryboard('campaign.yaml', { cwd: dir });
      expect(result.issues).toEqual([]);
      const films = result.loaded!.cuts.map((cut) => [
        cut.id,
        `${cut.width}x${cut.height}`,
        ...cut.sequence.map((entry) => (entry.kind === 'clip' ? entry.job : entry.ref)),
      ]);
      expect(films).toEqual(
        (
          [
            ['mug', '1280x720'],
            ['mug', '720x1280'],
            ['teapot', '1280x720'],
          ] as const
        ).map(([product, size]) => [
          `spot[product=${product},size=${size},grade=warm]`,
          size,
          `hero[product=${product},size=${size}]`,
          `hero-dusk-grade[product=${product},size=${size},grade=warm]`,
          `assets/endcard-${size}.png`,
        ]),
      );
      expect(result.loaded!.cuts[0]!.audio.music?.ref).toBe('assets/bed.m4a');
      expect(result.dependencies).toContain(path.join(dir, 'assets/bed.m4a'));
    } finally {
      await cleanup();
    }
  });
});
