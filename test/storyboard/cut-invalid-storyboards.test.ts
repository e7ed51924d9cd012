import { afterAll, describe, it } from 'vitest';
import { png, yaml } from './helpers.js';
import { expectIssues, type InvalidRow } from './invalid-table.js';

/**
 * The invalid table of `cuts:`: each row is a project in a temp dir (real PNG stills) run
 * through `shotlist validate`; it must exit 2 and print exactly the expected issues, each at
 * its `file:line:col`, with its document path, code, a message fragment and (where given) a
 * hint. Problems are collected, not first-only, and a problem every film of a cut meets is
 * said once.
 */

const HEAD = ['version: 1', 'name: t'];
/** Shots on lines 3-9: `hero` (8 s, product x size) and its remix `dusk`. */
const SHOTS = [
  'shots:',
  '  - id: hero',
  '    prompt: A {{product}}.',
  '    seconds: 8',
  '    variants: { product: [mug, teapot], size: [1280x720, 720x1280] }',
  '  - id: dusk',
  '    remix: hero',
  '    prompt: The {{product}} at dusk.',
];

const INVALID: InvalidRow[] = [
  {
    name: 'a shot that does not exist, with the nearest name',
    files: {
      'board.yaml': yaml(...HEAD, ...SHOTS, 'cuts:', '  - id: spot', '    variants: { product: [mug], size: [1280x720] }', '    sequence: [hero, herp]'),
    },
    issues: [
      {
        at: 'board.yaml:14:22',
        code: 'unknown-shot',
        path: 'cuts[0].sequence[1]',
        message: 'cut "spot" plays shot "herp", which is not a shot of this storyboard',
        hint: 'did you mean "hero"?',
      },
    ],
  },
  {
    name: 'a film whose bindings no job of the shot has, and one where several jobs agree: each names the candidates',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOTS,
        '  - id: take',
        '    prompt: Take {{n}}.',
        '    size: 1280x720',
        '    variants: { n: [1, 2] }',
        'cuts:',
        '  - id: spot',
        '    variants: { product: [mug, vase], size: [1280x720] }',
        '    sequence:',
        '      - dusk',
        '      - { shot: take }',
      ),
    },
    issues: [
      {
        at: 'board.yaml:19:9',
        code: 'cut-shot-unresolved',
        path: 'cuts[0].sequence[0]',
        message: 'shot "dusk" has no job with product=vase, size=1280x720 (film spot[product=vase,size=1280x720])',
        hint: 'variants.exclude',
      },
      {
        at: 'board.yaml:20:17',
        code: 'cut-shot-ambiguous',
        path: 'cuts[0].sequence[1].shot',
        message: '2 jobs of shot "take" agree with the film: take[n=1] and take[n=2]',
        hint: 'add "n" to the cut\'s variants',
      },
    ],
  },
  {
    name: "a clip of another size than the film's, said once for the films that meet it",
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOTS,
        '  - id: logo',
        '    prompt: The logo.',
        '    size: 1280x720',
        'cuts:',
        '  - id: spot',
        '    variants: { product: [mug, teapot], size: [1280x720, 720x1280] }',
        '    sequence: [hero, logo]',
      ),
    },
    issues: [
      {
        at: 'board.yaml:17:22',
        code: 'cut-size-mismatch',
        path: 'cuts[0].sequence[1]',
        message: 'the clip is 1280x720, the film 720x1280 (films spot[product=mug,size=720x1280] and spot[product=teapot,size=720x1280])',
        hint: "every clip of a film has the film's size",
      },
    ],
  },
  {
    name: 'trims outside the clip and a from after the to',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOTS,
        'cuts:',
        '  - id: spot',
        '    variants: { product: [mug], size: [1280x720] }',
        '    sequence:',
        '      - { shot: hero, from: 2, to: 9 }',
        '      - { shot: dusk, from: 5, to: 3 }',
      ),
    },
    issues: [
      {
        at: 'board.yaml:15:36',
        code: 'cut-trim-out-of-range',
        path: 'cuts[0].sequence[0].to',
        message: 'to 9 s is outside the clip (8 s)',
        hint: 'from and to are seconds into the clip',
      },
      { at: 'board.yaml:16:36', code: 'cut-trim-out-of-range', path: 'cuts[0].sequence[1].to', message: 'to 3 s is outside the clip (8 s)' },
    ],
  },
  {
    name: "a trim past an extended clip's whole length (the parent's seconds and the extension's)",
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOTS,
        '  - id: long',
        '    extend: hero',
        '    seconds: 8',
        '    prompt: Longer.',
        'cuts:',
        '  - id: spot',
        '    variants: { product: [mug], size: [1280x720] }',
        '    sequence:',
        '      - { shot: long, from: 9, to: 17 }',
      ),
    },
    issues: [{ at: 'board.yaml:19:36', code: 'cut-trim-out-of-range', path: 'cuts[0].sequence[0].to', message: 'to 17 s is outside the clip (16 s)' }],
  },
  {
    name: 'a transition longer than both its sides, and one on the first entry',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOTS,
        'cuts:',
        '  - id: spot',
        '    variants: { product: [mug], size: [1280x720] }',
        '    sequence:',
        '      - { shot: hero, to: 2, transition: { fade: 0.5 } }',
        '      - { shot: dusk, from: 5, transition: { crossfade: 4 } }',
      ),
    },
    issues: [
      {
        at: 'board.yaml:15:42',
        code: 'cut-transition-first',
        path: 'cuts[0].sequence[0].transition',
        message: 'the first entry has no entry before it',
        hint: 'remove the transition',
      },
      {
        at: 'board.yaml:16:44',
        code: 'cut-transition-too-long',
        path: 'cuts[0].sequence[1].transition',
        message: 'a crossfade of 4 s is longer than the entry before it allows',
        hint: 'shorten it to at most 1.958 s',
      },
      {
        at: 'board.yaml:16:44',
        code: 'cut-transition-too-long',
        path: 'cuts[0].sequence[1].transition',
        message: 'a crossfade of 4 s is longer than this entry allows',
        hint: 'shorten it to at most 2.958 s',
      },
    ],
  },
  {
    name: 'an end card of the wrong size, one missing, one that is no image, and a music bed outside the project',
    files: {
      'assets/endcard-1280x720.png': png(640, 360),
      'assets/note.png': 'not an image',
      'board.yaml': yaml(
        ...HEAD,
        ...SHOTS,
        'cuts:',
        '  - id: spot',
        '    variants: { product: [mug], size: [1280x720, 720x1280] }',
        '    sequence:',
        '      - hero',
        '      - { image: "assets/endcard-{{size}}.png", seconds: 2 }',
        '      - { image: assets/note.png, seconds: 1 }',
        '    audio: { music: ../bed.m4a }',
      ),
    },
    issues: [
      {
        at: 'board.yaml:16:18',
        code: 'cut-size-mismatch',
        path: 'cuts[0].sequence[1].image',
        message: 'the image is 640x360, the film 1280x720 (film spot[product=mug,size=1280x720])',
        hint: 'resize or pad the image to exactly 1280x720',
      },
      {
        at: 'board.yaml:16:18',
        code: 'cut-image-missing',
        path: 'cuts[0].sequence[1].image',
        message: 'image assets/endcard-720x1280.png does not exist (film spot[product=mug,size=720x1280])',
      },
      {
        at: 'board.yaml:17:18',
        code: 'cut-image-type',
        path: 'cuts[0].sequence[2].image',
        message: 'image assets/note.png is not a JPEG, PNG or WebP image',
        hint: 'read from the bytes',
      },
      { at: 'board.yaml:18:21', code: 'path-outside-project', path: 'cuts[0].audio.music', message: 'music ../bed.m4a is outside the project directory' },
    ],
  },
  {
    name: 'a music bed that does not exist, and an unknown variable in an image path',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOTS,
        'cuts:',
        '  - id: spot',
        '    variants: { product: [mug], size: [1280x720] }',
        '    sequence: [hero, { image: "cards/{{brnd}}.png", seconds: 2 }]',
        '    audio: { music: bed.m4a }',
      ),
      'assets/bed.m4a': 'a bed in the wrong folder',
    },
    issues: [
      {
        at: 'board.yaml:14:40',
        code: 'unknown-variable',
        path: 'cuts[0].sequence[1].image',
        message: 'unknown variable "brnd" in the image of cuts[0].sequence[1]',
        hint: 'or as a variant axis of this cut',
      },
      {
        at: 'board.yaml:15:21',
        code: 'cut-music-missing',
        path: 'cuts[0].audio.music',
        message: 'music bed.m4a does not exist',
        hint: 'relative to the storyboard file',
      },
    ],
  },
  {
    name: 'two cuts with one id, and a size set by the cut and by its axis',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOTS,
        'cuts:',
        '  - id: spot',
        '    size: 1280x720',
        '    variants: { product: [mug], size: [1280x720] }',
        '    sequence: [hero]',
        '  - id: spot',
        '    sequence: [hero]',
      ),
    },
    issues: [
      {
        at: 'board.yaml:13:5',
        code: 'field-set-twice',
        path: 'cuts[0].size',
        message: 'the film\'s size is set both by the cut and by its variant axis "size"',
        hint: 'remove one of the two',
      },
      { at: 'board.yaml:16:9', code: 'duplicate-cut-id', path: 'cuts[1].id', message: 'cut id "spot" is also the id of cuts[0]' },
    ],
  },
  {
    name: 'a size axis whose value is no size: said once, and nothing measured against it',
    files: {
      'card.png': png(1280, 720),
      'board.yaml': yaml(...HEAD, ...SHOTS, 'cuts:', '  - id: spot', '    variants: { size: [big] }', '    sequence: [{ image: card.png, seconds: 1 }]'),
    },
    issues: [
      {
        at: 'board.yaml:13:24',
        code: 'invalid-value',
        path: 'cuts[0].variants.size[0]',
        message: 'variant axis "size" sets the film\'s size; expected a size written WIDTHxHEIGHT',
      },
    ],
  },
  {
    name: "the schema's words for an image trimmed like a shot and a transition that is no transition",
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...SHOTS,
        'cuts:',
        '  - id: spot',
        '    sequence:',
        '      - { image: a.png, seconds: 2, to: 1 }',
        '      - { shot: hero, transition: { crossfad: 0.5 } }',
      ),
    },
    issues: [
      {
        at: 'board.yaml:14:37',
        code: 'forbidden-property',
        path: 'cuts[0].sequence[0].to',
        message: 'from and to trim a shot; an image is held on screen for seconds',
      },
      { at: 'board.yaml:15:35', code: 'invalid-value', path: 'cuts[0].sequence[1].transition', message: 'expected cut, {crossfade: S} or {fade: S}' },
    ],
  },
  {
    name: 'every problem, not the first: a schema error in one cut, a shot problem, and an unknown shot in another cut',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: hero',
        '    prompt: A mug.',
        '    refresh: sometimes',
        'cuts:',
        '  - id: a',
        '    sequence: [{ shot: hero, to: -1 }]',
        '  - id: b',
        '    sequence: [hero, intro]',
      ),
    },
    issues: [
      { at: 'board.yaml:6:14', code: 'invalid-value', path: 'shots[0].refresh', message: 'expected always, daily, weekly, or an interval like 12h or 3d' },
      { at: 'board.yaml:9:34', code: 'invalid-value', path: 'cuts[0].sequence[0].to', message: 'expected a number of seconds greater than 0, at most 3600' },
      {
        at: 'board.yaml:11:22',
        code: 'unknown-shot',
        path: 'cuts[1].sequence[1]',
        message: 'cut "b" plays shot "intro", which is not a shot of this storyboard',
      },
    ],
  },
  {
    name: 'a shot whose own problem leaves its jobs unknown: the cut adds nothing to it',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: hero',
        '    prompt: A {{prodcut}}.',
        '    variants: { product: [mug] }',
        'cuts:',
        '  - id: spot',
        '    variants: { product: [mug] }',
        '    sequence: [hero]',
      ),
    },
    issues: [{ at: 'board.yaml:5:17', code: 'unknown-variable', path: 'shots[0].prompt', message: 'unknown variable "prodcut"' }],
  },
];

describe('cuts: the invalid table', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => Promise.all(cleanups.map((cleanup) => cleanup())));

  it.each(INVALID)('$name', async (row) => expectIssues(row, cleanups), 30_000);
});
