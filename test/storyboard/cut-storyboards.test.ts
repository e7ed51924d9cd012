import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFilm } from '../../src/cut/check-film.js';
import { fingerprintOfFilm } from '../../src/cut/cut-fingerprint.js';
import { jobsOfCut, type ResolvedCut } from '../../src/storyboard/cut.js';
import { filmOfCut } from '../../src/storyboard/film-of-cut.js';
import { loadStoryboard } from '../../src/storyboard/load-storyboard.js';
import { runCli } from '../helpers/cli.js';
import { png, writeProject, yaml, type Tree } from './helpers.js';

/**
 * The valid table of `cuts:`: each row is a project in a temp dir (real PNG stills, a music
 * file) that must load without issues into exactly the listed films, each playing the listed
 * jobs and images in order, at the listed size and rate; `shotlist validate` must agree.
 */

/** What a film must be; `sequence` lists job ids and image refs (`image:path`) in order. */
interface FilmFacts {
  readonly size: string;
  readonly fps?: number;
  readonly sequence: readonly string[];
  /** Entry index → trim and transition as resolved. */
  readonly entries?: Readonly<Record<number, Partial<{ from: number; to: number; clipSeconds: number; seconds: number; transitionIn: unknown }>>>;
  readonly audio?: { readonly music: string | null; readonly musicGainDb: number; readonly loudnessLufs: number };
}

interface ValidRow {
  readonly name: string;
  readonly files: Tree;
  /** Every film by id, in the order the storyboard yields them. */
  readonly films: Readonly<Record<string, FilmFacts>>;
}

const HEAD = ['version: 1', 'name: t'];
const BED = Buffer.from('a music bed: read as bytes, never decoded while validating');
const CARDS = { 'assets/endcard-1280x720.png': png(1280, 720), 'assets/endcard-720x1280.png': png(720, 1280) };

const VALID: ValidRow[] = [
  {
    name: 'a cut per product x size picks the job of each shot with the same bindings, a remix its parent-bound child, and the end card of its size',
    files: {
      ...CARDS,
      'assets/bed.m4a': BED,
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: hero',
        '    prompt: A {{product}}.',
        '    seconds: 8',
        '    variants:',
        '      product: [mug, teapot]',
        '      size: [1280x720, 720x1280]',
        '  - id: hero-dusk',
        '    remix: hero',
        '    prompt: The {{product}} at dusk.',
        'cuts:',
        '  - id: spot',
        '    variants: { product: [mug, teapot], size: [1280x720, 720x1280] }',
        '    sequence:',
        '      - hero',
        '      - { shot: hero-dusk, from: 0.5, to: 6, transition: { crossfade: 0.5 } }',
        '      - { image: "assets/endcard-{{size}}.png", seconds: 2, transition: { fade: 0.3 } }',
        '    audio: { music: assets/bed.m4a, music_gain_db: -12, loudness: -16 }',
      ),
    },
    films: Object.fromEntries(
      ['mug', 'teapot'].flatMap((product) =>
        ['1280x720', '720x1280'].map((size) => [
          `spot[product=${product},size=${size}]`,
          {
            size,
            fps: 24,
            sequence: [`hero[product=${product},size=${size}]`, `hero-dusk[product=${product},size=${size}]`, `image:assets/endcard-${size}.png`],
            entries: {
              0: { from: 0, to: 8, clipSeconds: 8, transitionIn: 'cut' },
              1: { from: 0.5, to: 6, transitionIn: { crossfade: 0.5 } },
              2: { seconds: 2, transitionIn: { fade: 0.3 } },
            },
            audio: { music: 'assets/bed.m4a', musicGainDb: -12, loudnessLufs: -16 },
          },
        ]),
      ),
    ),
  },
  {
    name: "a shot without variants plays in every film; without a size axis the film has its first clip's size; audio defaults",
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'defaults: { size: 1280x720 }',
        'shots:',
        '  - id: logo',
        '    prompt: The logo.',
        '  - id: hero',
        '    prompt: A {{product}}.',
        '    variants: { product: [mug, teapot] }',
        'cuts:',
        '  - id: spot',
        '    fps: 30',
        '    variants: { product: [mug, teapot] }',
        '    sequence: [logo, hero]',
      ),
    },
    films: {
      'spot[product=mug]': { size: '1280x720', fps: 30, sequence: ['logo', 'hero[product=mug]'], audio: { music: null, musicGainDb: -14, loudnessLufs: -14 } },
      'spot[product=teapot]': { size: '1280x720', fps: 30, sequence: ['logo', 'hero[product=teapot]'] },
    },
  },
  {
    name: 'a remix with axes of its own: the cut binds them too, and picks the child with both',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: hero',
        '    prompt: A {{product}}.',
        '    variants: { product: [mug, teapot] }',
        '  - id: mood',
        '    remix: hero',
        '    prompt: The {{product}}, {{mood}}.',
        '    variants: { mood: [calm, bold] }',
        'cuts:',
        '  - id: teaser',
        '    variants:',
        '      product: [mug, teapot]',
        '      mood: [bold]',
        '      exclude: [{ product: teapot }]',
        '    sequence: [hero, mood]',
      ),
    },
    films: { 'teaser[product=mug,mood=bold]': { size: '720x1280', sequence: ['hero[product=mug]', 'mood[product=mug,mood=bold]'] } },
  },
  {
    name: "a shot varied by a format map is told apart by the film's size",
    files: {
      ...CARDS,
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: hero',
        '    prompt: A mug.',
        '    variants:',
        '      format: [{ id: landscape, size: 1280x720 }, { id: portrait, size: 720x1280 }]',
        'cuts:',
        '  - id: spot',
        '    variants: { size: [720x1280, 1280x720] }',
        '    sequence: [hero, { image: "assets/endcard-{{size}}.png", seconds: 1.5 }]',
      ),
    },
    films: {
      'spot[size=720x1280]': { size: '720x1280', sequence: ['hero[format=portrait]', 'image:assets/endcard-720x1280.png'] },
      'spot[size=1280x720]': { size: '1280x720', sequence: ['hero[format=landscape]', 'image:assets/endcard-1280x720.png'] },
    },
  },
  {
    name: "a cut's map axis sets the size by its key; an image path reads vars and bindings",
    files: {
      'cards/acme-wide.png': png(1280, 720),
      'board.yaml': yaml(
        ...HEAD,
        'vars: { brand: acme }',
        'shots:',
        '  - id: hero',
        '    prompt: A mug.',
        '    variants: { size: [1280x720, 720x1280] }',
        'cuts:',
        '  - id: wide',
        '    variants: { format: [{ id: wide, size: 1280x720 }] }',
        '    sequence: [hero, { image: "cards/{{brand}}-{{format.id}}.png", seconds: 2 }]',
      ),
    },
    films: { 'wide[format=wide]': { size: '1280x720', sequence: ['hero[size=1280x720]', 'image:cards/acme-wide.png'] } },
  },
  {
    name: "the clips' own frame rate when they all set the same fps",
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'provider: { profile: vllm-omni, base_url: "http://127.0.0.1:8091/v1" }',
        'defaults: { size: 832x480, seconds: 5, fps: 16 }',
        'shots:',
        '  - id: a',
        '    prompt: one',
        '  - id: b',
        '    prompt: two',
        'cuts:',
        '  - id: reel',
        '    sequence: [a, { shot: b, transition: { crossfade: 1 } }]',
      ),
    },
    films: { reel: { size: '832x480', fps: 16, sequence: ['a', 'b'], entries: { 1: { from: 0, to: 5, clipSeconds: 5, transitionIn: { crossfade: 1 } } } } },
  },
  {
    name: 'a film of stills only has the size of its first image',
    files: {
      'sub/card.png': png(640, 360),
      'sub/board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: a',
        '    prompt: hi',
        'cuts:',
        '  - id: slate',
        '    sequence: [{ image: card.png, seconds: 1 }, { image: ./card.png, seconds: 1, transition: cut }]',
      ),
    },
    films: { slate: { size: '640x360', sequence: ['image:sub/card.png', 'image:sub/card.png'] } },
  },
];

describe('cuts: the valid table', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => Promise.all(cleanups.map((cleanup) => cleanup())));

  it.each(VALID)('$name', async (row) => {
    const { dir, cleanup } = await writeProject(row.files);
    cleanups.push(cleanup);
    const file = Object.keys(row.files).find((name) => name.endsWith('board.yaml'))!;
    const result = await loadStoryboard(file, { cwd: dir });
    expect(result.issues).toEqual([]);
    const cuts = result.loaded!.cuts;
    expect(cuts.map((cut) => cut.id)).toEqual(Object.keys(row.films));
    for (const cut of cuts) {
      const facts = row.films[cut.id]!;
      expect(`${cut.width}x${cut.height}`).toBe(facts.size);
      expect(cut.fps).toBe(facts.fps ?? 24);
      expect(cut.sequence.map((entry) => (entry.kind === 'clip' ? entry.job : `image:${entry.ref}`))).toEqual(facts.sequence);
      for (const [index, expected] of Object.entries(facts.entries ?? {})) expect(cut.sequence[Number(index)]).toMatchObject(expected);
      if (facts.audio) expect({ ...cut.audio, music: cut.audio.music?.ref ?? null }).toEqual(facts.audio);
      // Every bound job exists with the film's size; every image was measured from its bytes.
      for (const entry of cut.sequence) {
        if (entry.kind === 'clip') expect(result.loaded!.jobs.find((job) => job.id === entry.job)?.size.value).toBe(facts.size);
        else
          expect({ width: entry.width, height: entry.height, sha256: entry.sha256 }).toEqual({
            width: cut.width,
            height: cut.height,
            sha256: sha256(row.files[entry.ref]!),
          });
      }
    }
    // Watch mode sees the stills and the bed.
    for (const cut of cuts) for (const entry of cut.sequence) if (entry.kind === 'image') expect(result.dependencies).toContain(entry.path);

    const run = await runCli(['validate', file], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
  });
});

describe('filmOfCut', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => Promise.all(cleanups.map((cleanup) => cleanup())));

  it("makes the engine's film from a resolved cut and its clips' files: checked clean, fingerprinted by the clips' bytes", async () => {
    const { dir, cleanup } = await writeProject({ ...CARDS, 'assets/bed.m4a': BED, 'board.yaml': VALID[0]!.files['board.yaml']! });
    cleanups.push(cleanup);
    const cut = (await loadStoryboard('board.yaml', { cwd: dir })).loaded!.cuts[0]!;
    const clips = new Map(
      cut.sequence.flatMap((entry) =>
        entry.kind === 'clip' ? [[entry.job, { path: `/renders/t/${entry.job}.mp4`, sha256: sha256(Buffer.from(entry.job)) }] as const] : [],
      ),
    );
    const film = filmOfCut(cut, (job) => clips.get(job));

    expect(film).toMatchObject({
      id: 'spot[product=mug,size=1280x720]',
      width: 1280,
      height: 720,
      fps: 24,
      audio: { music: { ref: 'assets/bed.m4a', path: path.join(dir, 'assets/bed.m4a'), sha256: sha256(BED) }, musicGainDb: -12, loudnessLufs: -16 },
    });
    expect(film.sequence).toEqual([
      {
        kind: 'clip',
        job: 'hero[product=mug,size=1280x720]',
        path: '/renders/t/hero[product=mug,size=1280x720].mp4',
        sha256: sha256(Buffer.from('hero[product=mug,size=1280x720]')),
        width: 1280,
        height: 720,
        clipSeconds: 8,
        from: 0,
        to: 8,
        transitionIn: 'cut',
      },
      {
        kind: 'clip',
        job: 'hero-dusk[product=mug,size=1280x720]',
        path: '/renders/t/hero-dusk[product=mug,size=1280x720].mp4',
        sha256: sha256(Buffer.from('hero-dusk[product=mug,size=1280x720]')),
        width: 1280,
        height: 720,
        clipSeconds: 8,
        from: 0.5,
        to: 6,
        transitionIn: { crossfade: 0.5 },
      },
      {
        kind: 'image',
        ref: 'assets/endcard-1280x720.png',
        path: path.join(dir, 'assets/endcard-1280x720.png'),
        sha256: sha256(CARDS['assets/endcard-1280x720.png']),
        width: 1280,
        height: 720,
        seconds: 2,
        transitionIn: { fade: 0.3 },
      },
    ]);
    expect(checkFilm(film)).toEqual([]);
    expect(jobsOfCut(cut)).toEqual(['hero[product=mug,size=1280x720]', 'hero-dusk[product=mug,size=1280x720]']);
    // Another take of one clip is another film.
    const retaken = filmOfCut(cut, (job) => (job.startsWith('hero-dusk') ? { path: '/x.mp4', sha256: sha256(Buffer.from('retake')) } : clips.get(job)));
    expect(fingerprintOfFilm(retaken)).not.toBe(fingerprintOfFilm(film));
    expect(() => filmOfCut(cut, () => undefined)).toThrow(/hero\[product=mug,size=1280x720\]/);
  });

  it('leaves out the music when the cut has none', () => {
    const cut: ResolvedCut = {
      id: 'slate',
      cutId: 'slate',
      cutIndex: 0,
      bindings: [],
      width: 640,
      height: 360,
      fps: 25,
      sequence: [
        {
          kind: 'image',
          ref: 'card.png',
          path: '/p/card.png',
          sha256: 'ab',
          width: 640,
          height: 360,
          seconds: 1,
          transitionIn: 'cut',
          origin: { file: 'board.yaml', path: ['cuts', 0, 'sequence', 0] },
        },
      ],
      audio: { music: null, musicGainDb: -14, loudnessLufs: -14 },
      origin: { file: 'board.yaml', path: ['cuts', 0] },
    };
    expect(jobsOfCut(cut)).toEqual([]);
    const film = filmOfCut(cut, () => undefined);
    expect(film.audio).toEqual({ musicGainDb: -14, loudnessLufs: -14 });
    expect('music' in film.audio).toBe(false);
  });
});

function sha256(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
