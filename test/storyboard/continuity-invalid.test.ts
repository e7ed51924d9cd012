import { afterAll, describe, expect, it } from 'vitest';
import { encodeClip } from './clips.js';
import { png, yaml, type Tree } from './helpers.js';
import { expectIssues, type InvalidRow } from './invalid-table.js';

/**
 * The invalid table of continuity, edits, extensions and characters: each row is a project run
 * through `shotlist validate`, which must exit 2 and report exactly the expected issues, each at
 * its `file:line:col` with its document path, code, a message fragment and (where given) a hint.
 */

const HEAD = ['version: 1', 'name: t'];
/** The emulator with a model that renders any length: extension limits beyond 12 s can be reached. */
const ANY_SECONDS = ['provider:', '  profile: emulator', '  models:', '    sora-2: {sizes: [1280x720, 720x1280], seconds: any}'];
const VLLM = ['provider:', '  profile: vllm-omni', '  base_url: http://127.0.0.1:8091/v1'];

interface Clips {
  readonly threeSeconds: Buffer;
  readonly oneSecond: Buffer;
  readonly sixSeconds: Buffer;
}

type Row = Omit<InvalidRow, 'files'> & { readonly files: Tree | ((clips: Clips) => Tree) };

/** Two declared characters, Mossy and Pip, with good clips. */
const CAST = ['characters:', '  - name: Mossy', '    clip: assets/mossy.mp4', '  - name: Pip', '    clip: assets/mossy.mp4'];

const INVALID: Row[] = [
  // ── continue ─────────────────────────────────────────────────────────────────────────────
  {
    name: 'continue and input_reference on one shot',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: a',
        '    prompt: A door.',
        '  - id: b',
        '    continue: a',
        '    input_reference: door.png',
        '    prompt: It opens.',
      ),
      'door.png': png(720, 1280),
    },
    issues: [
      {
        at: 'board.yaml:8:5',
        code: 'forbidden-property',
        path: 'shots[1].input_reference',
        message: 'a continue shot cannot set input_reference: its first frame is the last frame of the shot it continues',
      },
    ],
  },
  {
    name: 'continue where the provider takes no image input, naming the provider',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'provider:',
        '  profile: emulator',
        '  features: {input_reference: false}',
        'shots:',
        '  - id: a',
        '    prompt: A door.',
        '  - id: b',
        '    continue: a',
        '    prompt: It opens.',
      ),
    },
    issues: [
      {
        at: 'board.yaml:10:15',
        code: 'continue-unsupported',
        path: 'shots[1].continue',
        message: 'provider "emulator" takes no image input',
        hint: 'image input',
      },
    ],
  },
  {
    name: 'a continue target that is not a shot, with did-you-mean',
    files: { 'board.yaml': yaml(...HEAD, 'shots:', '  - id: opening', '    prompt: A door.', '  - id: b', '    continue: openin', '    prompt: It opens.') },
    issues: [
      {
        at: 'board.yaml:7:15',
        code: 'unknown-continue-target',
        path: 'shots[1].continue',
        message: 'continue target "openin" is not a shot',
        hint: 'did you mean "opening"?',
      },
    ],
  },

  // ── edit and extend: what the child may set, and which providers serve them ──────────────────
  {
    name: 'an edit shot setting size and casting characters',
    files: (clips) => ({
      'board.yaml': yaml(
        ...HEAD,
        ...CAST,
        'shots:',
        '  - id: a',
        '    prompt: Mossy.',
        '  - id: b',
        '    edit: a',
        '    size: 1280x720',
        '    characters: [Mossy]',
        '    prompt: Mossy again.',
      ),
      'assets/mossy.mp4': clips.threeSeconds,
    }),
    issues: [
      {
        at: 'board.yaml:13:5',
        code: 'forbidden-property',
        path: 'shots[1].size',
        message: 'an edit shot cannot set size: an edit inherits model, size and seconds from its parent video',
      },
      { at: 'board.yaml:14:5', code: 'forbidden-property', path: 'shots[1].characters', message: 'an edit shot cannot cast characters' },
    ],
  },
  {
    name: 'an extend shot setting model, and varying size',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: a',
        '    prompt: A road.',
        '  - id: b',
        '    extend: a',
        '    model: sora-2-pro',
        '    prompt: It goes on.',
        '    variants:',
        '      size: [1280x720]',
      ),
    },
    issues: [
      {
        at: 'board.yaml:8:5',
        code: 'forbidden-property',
        path: 'shots[1].model',
        message: "an extend shot cannot set model: an extension keeps its parent video's model and size",
      },
      {
        at: 'board.yaml:11:7',
        code: 'forbidden-property',
        path: 'shots[1].variants.size',
        message: 'an extend shot can vary only seconds among request fields',
      },
    ],
  },
  {
    name: 'one shot following two others (remix and extend)',
    files: {
      'board.yaml': yaml(...HEAD, 'shots:', '  - id: a', '    prompt: A road.', '  - id: b', '    remix: a', '    extend: a', '    prompt: It goes on.'),
    },
    issues: [
      { at: 'board.yaml:8:5', code: 'forbidden-property', path: 'shots[1].extend', message: 'a shot follows one other shot: it cannot both remix and extend' },
    ],
  },
  {
    name: "an edit's map value with a request-field key",
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: a',
        '    prompt: A road.',
        '  - id: b',
        '    edit: a',
        '    prompt: In {{look.id}}.',
        '    variants:',
        '      look: [{id: snow, seconds: 8}]',
      ),
    },
    issues: [
      {
        at: 'board.yaml:10:25',
        code: 'edit-field',
        path: 'shots[1].variants.look[0].seconds',
        message: 'key "seconds" of variant axis "look" would set the request field seconds, but an edit sends only its prompt',
      },
    ],
  },
  {
    name: 'edit, extend and characters on vllm-omni, each naming the provider',
    files: (clips) => ({
      'board.yaml': yaml(
        ...HEAD,
        ...VLLM,
        ...CAST,
        'shots:',
        '  - id: a',
        '    prompt: Mossy.',
        '    characters: [Mossy]',
        '  - id: b',
        '    edit: a',
        '    prompt: B.',
        '  - id: c',
        '    extend: a',
        '    prompt: C.',
      ),
      'assets/mossy.mp4': clips.threeSeconds,
    }),
    issues: [
      { at: 'board.yaml:14:17', code: 'characters-unsupported', path: 'shots[0].characters', message: 'provider "vllm-omni" cannot cast characters' },
      { at: 'board.yaml:16:11', code: 'edit-unsupported', path: 'shots[1].edit', message: 'provider "vllm-omni" cannot edit videos', hint: 'use remix:' },
      { at: 'board.yaml:19:13', code: 'extend-unsupported', path: 'shots[2].extend', message: 'provider "vllm-omni" cannot extend videos', hint: 'continue:' },
    ],
  },
  {
    name: 'extend on azure, which serves remix only',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'provider:',
        '  profile: azure',
        '  base_url: https://r.openai.azure.com/openai/v1',
        'shots:',
        '  - id: a',
        '    prompt: A road.',
        '  - id: b',
        '    extend: a',
        '    prompt: It goes on.',
        '  - id: c',
        '    remix: a',
        '    prompt: At night.',
      ),
    },
    issues: [{ at: 'board.yaml:10:13', code: 'extend-unsupported', path: 'shots[1].extend', message: 'provider "azure" cannot extend videos' }],
  },

  {
    name: 'a profile of the project (shotlist.providers.yaml) that casts one character and has no extensions',
    files: (clips) => ({
      'shotlist.providers.yaml': yaml(
        'providers:',
        '  gateway:',
        '    extends: litellm',
        '    base_url: http://127.0.0.1:4000/v1',
        '    features: {characters: 1, extend: false}',
      ),
      'board.yaml': yaml(
        ...HEAD,
        'provider: gateway',
        'defaults: {model: sora-2}',
        ...CAST,
        'shots:',
        '  - id: a',
        '    prompt: Mossy and Pip.',
        '    characters: [Mossy, Pip]',
        '  - id: b',
        '    extend: a',
        '    prompt: More.',
      ),
      'assets/mossy.mp4': clips.threeSeconds,
    }),
    issues: [
      {
        at: 'board.yaml:13:17',
        code: 'too-many-characters',
        path: 'shots[0].characters',
        message: 'provider "gateway" casts at most 1 character in one video, found 2',
      },
      { at: 'board.yaml:15:13', code: 'extend-unsupported', path: 'shots[1].extend', message: 'provider "gateway" cannot extend videos' },
    ],
  },

  // ── extension chains ───────────────────────────────────────────────────────────────────────
  {
    name: 'an extension adding more than 20 seconds',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...ANY_SECONDS,
        'shots:',
        '  - id: a',
        '    prompt: A road.',
        '  - id: b',
        '    extend: a',
        '    prompt: It goes on.',
        '    seconds: 24',
      ),
    },
    issues: [
      { at: 'board.yaml:13:14', code: 'extension-too-long', path: 'shots[1].seconds', message: 'an extension adds at most 20 seconds, found 24 (job b)' },
    ],
  },
  {
    name: 'a seventh extension in one chain',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: e0',
        '    prompt: A train.',
        ...[1, 2, 3, 4, 5, 6, 7].flatMap((n) => [`  - id: e${n}`, `    extend: e${n - 1}`, `    prompt: Part ${n}.`]),
      ),
    },
    issues: [
      {
        at: 'board.yaml:25:13',
        code: 'too-many-extensions',
        path: 'shots[7].extend',
        message: 'this would be extension 7 of one video; a video can be extended at most 6 times (job e7)',
      },
    ],
  },
  {
    name: 'an extended video longer than 120 seconds, through an edit',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        ...ANY_SECONDS,
        'shots:',
        '  - id: a',
        '    prompt: A train.',
        '    seconds: 90',
        '  - id: b',
        '    extend: a',
        '    prompt: More.',
        '    seconds: 20',
        '  - id: c',
        '    edit: b',
        '    prompt: In snow.',
        '  - id: d',
        '    extend: c',
        '    prompt: Even more.',
        '    variants:',
        '      seconds: [8, 12]',
      ),
    },
    issues: [
      {
        at: 'board.yaml:22:20',
        code: 'extended-too-long',
        path: 'shots[3].variants.seconds[1]',
        message: 'extending a 110-second video by 12 seconds makes 122; an extended video is at most 120 seconds long (job d[seconds=12])',
      },
    ],
  },
  {
    name: 'a cycle through continue and edit',
    files: { 'board.yaml': yaml(...HEAD, 'shots:', '  - id: a', '    continue: b', '    prompt: A.', '  - id: b', '    edit: a', '    prompt: B.') },
    issues: [{ at: 'board.yaml:5:15', code: 'parent-cycle', path: 'shots[0].continue', message: 'continue/edit cycle: a -> b -> a' }],
  },

  // ── characters ─────────────────────────────────────────────────────────────────────────────
  {
    name: 'a cast name that is not declared, with did-you-mean, and one the prompt does not say',
    files: (clips) => ({
      'board.yaml': yaml(
        ...HEAD,
        ...CAST,
        'shots:',
        '  - id: a',
        '    prompt: "{{who}} and Mosy wave."',
        '    characters: [Mosy, Pip]',
        '    variants:',
        '      who: [Pip, Bob]',
      ),
      'assets/mossy.mp4': clips.threeSeconds,
    }),
    issues: [
      {
        at: 'board.yaml:11:18',
        code: 'unknown-character',
        path: 'shots[0].characters[0]',
        message: 'character "Mosy" is not declared',
        hint: 'did you mean "Mossy"?',
      },
      {
        at: 'board.yaml:11:24',
        code: 'character-not-in-prompt',
        path: 'shots[0].characters[1]',
        message: 'the prompt does not name character "Pip" verbatim (job a[who=Bob])',
        hint: 'exactly as declared',
      },
    ],
  },
  {
    name: 'a character declared twice, and three cast where the provider casts two',
    files: (clips) => ({
      'board.yaml': yaml(
        ...HEAD,
        ...CAST,
        '  - name: Mossy',
        '    clip: assets/mossy.mp4',
        '  - name: Zed',
        '    clip: assets/mossy.mp4',
        'shots:',
        '  - id: a',
        '    prompt: Mossy, Pip and Zed.',
        '    characters: [Mossy, Pip, Zed]',
      ),
      'assets/mossy.mp4': clips.threeSeconds,
    }),
    issues: [
      { at: 'board.yaml:8:11', code: 'duplicate-character', path: 'characters[2].name', message: 'character "Mossy" is already declared at characters[0]' },
      {
        at: 'board.yaml:15:17',
        code: 'too-many-characters',
        path: 'shots[0].characters',
        message: 'provider "emulator" casts at most 2 characters in one video, found 3',
      },
    ],
  },
  {
    name: 'character clips: too short, too long, not a video, missing, outside the project, absolute',
    files: (clips) => ({
      'board.yaml': yaml(
        ...HEAD,
        'characters:',
        '  - {name: Short, clip: assets/short.mp4}',
        '  - {name: Long, clip: assets/long.mp4}',
        '  - {name: Still, clip: assets/still.mp4}',
        '  - {name: Gone, clip: assets/gone.mp4}',
        '  - {name: Away, clip: ../away.mp4}',
        '  - {name: Root, clip: /tmp/root.mp4}',
        'shots:',
        '  - id: a',
        '    prompt: Short, Long, Still, Gone, Away and Root.',
      ),
      'assets/short.mp4': clips.oneSecond,
      'assets/long.mp4': clips.sixSeconds,
      'assets/still.mp4': png(16, 16),
    }),
    issues: [
      {
        at: 'board.yaml:4:25',
        code: 'character-clip-length',
        path: 'characters[0].clip',
        message: 'character clip assets/short.mp4 lasts 1.00 s',
        hint: '2–4 seconds',
      },
      { at: 'board.yaml:5:24', code: 'character-clip-length', path: 'characters[1].clip', message: 'character clip assets/long.mp4 lasts 6.00 s' },
      { at: 'board.yaml:6:25', code: 'character-clip-type', path: 'characters[2].clip', message: 'character clip assets/still.mp4 is not an MP4 video' },
      { at: 'board.yaml:7:24', code: 'character-clip-missing', path: 'characters[3].clip', message: 'character clip assets/gone.mp4 does not exist' },
      {
        at: 'board.yaml:8:24',
        code: 'path-outside-project',
        path: 'characters[4].clip',
        message: 'character clip ../away.mp4 is outside the project directory',
      },
      {
        at: 'board.yaml:9:24',
        code: 'character-clip-path',
        path: 'characters[5].clip',
        message: "a character's clip must be a path relative to the storyboard",
      },
    ],
  },
  {
    name: 'a character without a clip, a blank name, and characters on an extend shot',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'characters:',
        '  - name: Mossy',
        '  - {name: " ", clip: a.mp4}',
        'shots:',
        '  - id: a',
        '    prompt: Mossy.',
        '  - id: b',
        '    extend: a',
        '    prompt: Mossy again.',
        '    characters: [Mossy]',
      ),
    },
    issues: [
      { at: 'board.yaml:4:5', code: 'missing-property', path: 'characters[0]', message: 'missing required property "clip"' },
      { at: 'board.yaml:5:12', code: 'invalid-value', path: 'characters[1].name', message: "expected a character's name: 1 to 80 characters, not only spaces" },
      { at: 'board.yaml:12:5', code: 'forbidden-property', path: 'shots[1].characters', message: 'an extend shot cannot cast characters' },
    ],
  },
];

describe('invalid storyboards: continuity, edits, extensions, characters', () => {
  const cleanups: (() => Promise<void>)[] = [];
  let clips: Clips;
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it.each(INVALID)('reports $name', async (row) => {
    clips ??= { threeSeconds: await encodeClip(3), oneSecond: await encodeClip(1), sixSeconds: await encodeClip(6) };
    await expectIssues({ ...row, files: typeof row.files === 'function' ? row.files(clips) : row.files }, cleanups);
  });

  it('has a row for every rule of issue 15', () => {
    const codes = new Set(INVALID.flatMap((row) => row.issues.map((issue) => issue.code)));
    for (const code of [
      'continue-unsupported',
      'edit-unsupported',
      'extend-unsupported',
      'characters-unsupported',
      'extension-too-long',
      'too-many-extensions',
      'extended-too-long',
      'parent-cycle',
      'unknown-character',
      'character-not-in-prompt',
      'too-many-characters',
      'duplicate-character',
      'character-clip-length',
    ]) {
      expect(codes, code).toContain(code);
    }
  });
});
