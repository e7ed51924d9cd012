import { describe, expect, it } from 'vitest';
import { checkFilm, type FilmIssue } from '../../src/cut/check-film.js';
import { fingerprintOfFilm } from '../../src/cut/cut-fingerprint.js';
import { frameRateOf, sampleAt, timelineOf } from '../../src/cut/film-timeline.js';
import type { Film } from '../../src/cut/film.js';
import { clipEntry, crossfade, fade, film, imageEntry } from './films.js';

describe('the film laid out in frames', () => {
  it('is Σ entries − Σ transitions, each entry starting where the overlap with the one before begins', () => {
    const timeline = timelineOf(
      film([
        clipEntry('hero'),
        clipEntry('dusk', { from: 0.5, to: 3.5, transitionIn: crossfade(0.5) }),
        imageEntry('card.png', { seconds: 2, transitionIn: fade(0.25) }),
      ]),
    );
    expect(timeline.spans.map((span) => [span.sourceStart, span.frames, span.transitionIn.frames, span.transitionOutFrames, span.filmStart])).toEqual([
      [0, 96, 0, 12, 0],
      [12, 72, 12, 6, 84],
      [0, 48, 6, 0, 150],
    ]);
    expect(timeline.frames).toBe(96 + 72 + 48 - 12 - 6);
  });

  it('reads NTSC rates as x/1001 and counts audio samples from film frames', () => {
    expect(frameRateOf(29.97)).toEqual({ num: 30000, den: 1001 });
    expect(frameRateOf(23.976)).toEqual({ num: 24000, den: 1001 });
    expect(frameRateOf(25)).toEqual({ num: 25, den: 1 });
    expect(sampleAt(24, { num: 24, den: 1 })).toBe(48_000);
    expect(sampleAt(30, { num: 30000, den: 1001 })).toBe(48_048);
  });
});

/** The language layer turns these into located issues; here, each mistake → exactly its data. */
const invalid: { name: string; film: Film; issues: FilmIssue[] }[] = [
  {
    name: 'a clip of another size than the film',
    film: film([clipEntry('hero'), clipEntry('tall', { width: 720, height: 1280 })]),
    issues: [{ code: 'size-mismatch', segment: 1, field: 'shot', expected: { width: 1280, height: 720 }, found: { width: 720, height: 1280 } }],
  },
  {
    name: 'an image of the wrong size',
    film: film([clipEntry('hero'), imageEntry('card.png', { width: 1080, height: 1080 })]),
    issues: [{ code: 'size-mismatch', segment: 1, field: 'image', expected: { width: 1280, height: 720 }, found: { width: 1080, height: 1080 } }],
  },
  {
    name: "a trim past the clip's end",
    film: film([clipEntry('hero', { from: 1, to: 6 })]),
    issues: [{ code: 'trim-out-of-range', segment: 0, field: 'to', value: 6, min: 1, max: 4 }],
  },
  {
    name: 'a trim starting before the clip',
    film: film([clipEntry('hero', { from: -1, to: 2 })]),
    issues: [{ code: 'trim-out-of-range', segment: 0, field: 'from', value: -1, min: 0, max: 2 }],
  },
  {
    name: 'a trim that ends before it starts',
    film: film([clipEntry('hero', { from: 3, to: 2 })]),
    issues: [{ code: 'trim-out-of-range', segment: 0, field: 'to', value: 2, min: 3, max: 4 }],
  },
  {
    name: 'a trim shorter than a frame',
    film: film([clipEntry('hero', { from: 1, to: 1.01 })]),
    issues: [{ code: 'entry-too-short', segment: 0, field: 'to', seconds: expect.closeTo(0.01, 6) as unknown as number, minSeconds: 1 / 24 }],
  },
  {
    name: 'a crossfade longer than the entry before it',
    film: film([clipEntry('hero', { from: 3, to: 4 }), clipEntry('dusk', { transitionIn: crossfade(1.5) })]),
    issues: [{ code: 'transition-too-long', segment: 1, field: 'transition', seconds: 1.5, maxSeconds: 23 / 24, against: 'previous', other: 0 }],
  },
  {
    name: 'a fade longer than its own entry',
    film: film([clipEntry('hero'), imageEntry('card.png', { seconds: 1, transitionIn: fade(1) })]),
    issues: [{ code: 'transition-too-long', segment: 1, field: 'transition', seconds: 1, maxSeconds: 23 / 24, against: 'this', other: 1 }],
  },
  {
    name: 'two transitions that overlap inside the entry between them',
    film: film([clipEntry('a'), clipEntry('b', { to: 2, transitionIn: crossfade(1.25) }), clipEntry('c', { transitionIn: crossfade(1) })]),
    issues: [{ code: 'transition-too-long', segment: 2, field: 'transition', seconds: 1, maxSeconds: 0.75, against: 'between-transitions', other: 1 }],
  },
  {
    name: 'a transition on the first entry',
    film: film([clipEntry('hero', { transitionIn: fade(0.5) })]),
    issues: [{ code: 'transition-on-first-entry', segment: 0, field: 'transition' }],
  },
  {
    name: 'a fade too short to go out and come back',
    film: film([clipEntry('hero'), clipEntry('dusk', { transitionIn: fade(0.05) })]),
    issues: [{ code: 'transition-too-short', segment: 1, field: 'transition', seconds: 0.05, minSeconds: 2 / 24 }],
  },
  {
    name: 'a loudness target loudnorm cannot reach',
    film: film([clipEntry('hero')], { audio: { musicGainDb: 0, loudnessLufs: 0 } }),
    issues: [{ code: 'loudness-out-of-range', lufs: 0, min: -70, max: -5 }],
  },
  {
    name: 'an odd film size',
    film: film([clipEntry('hero', { width: 1279 })], { width: 1279 }),
    issues: [{ code: 'film-size-invalid', width: 1279, height: 720 }],
  },
  { name: 'an empty sequence', film: film([]), issues: [{ code: 'film-empty' }] },
];

const valid: { name: string; film: Film }[] = [
  { name: 'one clip', film: film([clipEntry('hero')]) },
  {
    name: 'trims, both transitions, an end card, music',
    film: film(
      [
        clipEntry('hero', { from: 0.5, to: 4 }),
        clipEntry('dusk', { from: 0, to: 3, transitionIn: crossfade(0.5) }),
        imageEntry('card.png', { seconds: 2, transitionIn: fade(0.3) }),
      ],
      { audio: { music: { ref: 'bed.m4a', path: '/project/bed.m4a', sha256: 'sha-bed' }, musicGainDb: -14, loudnessLufs: -16 } },
    ),
  },
  {
    name: 'transitions filling an entry exactly',
    film: film([clipEntry('a'), clipEntry('b', { to: 2, transitionIn: crossfade(1) }), clipEntry('c', { transitionIn: crossfade(1) })]),
  },
  { name: 'an NTSC film', film: film([clipEntry('a'), clipEntry('b', { transitionIn: crossfade(0.5) })], { fps: 29.97 }) },
];

describe('checkFilm', () => {
  it.each(invalid)('reports $name', ({ film: bad, issues }) => {
    expect(checkFilm(bad)).toEqual(issues);
  });

  it.each(valid)('accepts $name', ({ film: good }) => {
    expect(checkFilm(good)).toEqual([]);
  });

  it('reports every problem of a film, not the first', () => {
    const codes = checkFilm(
      film([
        clipEntry('a', { transitionIn: crossfade(0.5) }),
        clipEntry('b', { width: 640, height: 360, from: 5, to: 6 }),
        imageEntry('card.png', { width: 10, height: 10, transitionIn: crossfade(3) }),
      ]),
    ).map((issue) => issue.code);
    expect(codes).toEqual(['size-mismatch', 'trim-out-of-range', 'trim-out-of-range', 'size-mismatch', 'transition-on-first-entry', 'transition-too-long']);
  });
});

describe('fingerprintOfFilm', () => {
  const base = film([clipEntry('hero'), clipEntry('dusk', { from: 0.5, transitionIn: crossfade(0.5) }), imageEntry('card.png')], {
    audio: { music: { ref: 'bed.m4a', path: '/project/bed.m4a', sha256: 'sha-bed' }, musicGainDb: -14, loudnessLufs: -14 },
  });
  const print = fingerprintOfFilm(base);

  it('is a sha256, the same for the same film wherever its files are on disk', () => {
    expect(print).toMatch(/^sha256:[0-9a-f]{64}$/);
    const moved = { ...base, id: 'another-id', sequence: base.sequence.map((entry) => ({ ...entry, path: `/elsewhere${entry.path}` })) };
    expect(fingerprintOfFilm(moved)).toBe(print);
    // Seconds that round to the same frames make the same film.
    expect(
      fingerprintOfFilm({ ...base, sequence: [base.sequence[0]!, { ...base.sequence[1]!, from: 0.501 } as (typeof base.sequence)[1], base.sequence[2]!] }),
    ).toBe(print);
  });

  it("changes with any input's bytes and with every setting", () => {
    const variants: Film[] = [
      { ...base, sequence: [{ ...base.sequence[0]!, sha256: 'other' }, ...base.sequence.slice(1)] },
      { ...base, sequence: [base.sequence[0]!, { ...base.sequence[1]!, transitionIn: fade(0.5) }, base.sequence[2]!] },
      { ...base, sequence: [base.sequence[0]!, { ...base.sequence[1]!, from: 1 } as (typeof base.sequence)[1], base.sequence[2]!] },
      { ...base, sequence: [...base.sequence.slice(0, 2), { ...base.sequence[2]!, seconds: 3 } as (typeof base.sequence)[2]] },
      { ...base, audio: { ...base.audio, musicGainDb: -12 } },
      { ...base, audio: { ...base.audio, loudnessLufs: -16 } },
      { ...base, audio: { musicGainDb: -14, loudnessLufs: -14 } },
      { ...base, fps: 25 },
      { ...base, sequence: [base.sequence[1]!, base.sequence[0]!, base.sequence[2]!] },
    ];
    const prints = variants.map(fingerprintOfFilm);
    expect(new Set([print, ...prints]).size).toBe(variants.length + 1);
  });

  it('changes only for the films that hold a changed clip', () => {
    const films = [
      film([clipEntry('hero[mug]'), imageEntry('card.png')]),
      film([clipEntry('hero[teapot]'), imageEntry('card.png')]),
      film([clipEntry('dusk[mug]'), clipEntry('hero[mug]')]),
    ];
    const before = films.map(fingerprintOfFilm);
    const rerendered = (entry: Film['sequence'][number]) => (entry.kind === 'clip' && entry.job === 'hero[mug]' ? { ...entry, sha256: 'new' } : entry);
    const after = films.map((one) => fingerprintOfFilm({ ...one, sequence: one.sequence.map(rerendered) }));
    expect(after.map((print, index) => print !== before[index])).toEqual([true, false, true]);
  });
});
