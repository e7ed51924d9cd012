import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { png, writeProject, yaml, type Tree } from './helpers.js';
import { expectIssues, type InvalidRow } from './invalid-table.js';

/**
 * Validation tables for the models of the protocol profiles (veo, fal, replicate): what each
 * model cannot make or take is refused before anything is sent, at its place, naming the model
 * and the provider; what it can is valid.
 */

const HEAD = ['version: 1', 'name: t'];
const shot = (provider: string, ...fields: string[]) => yaml(...HEAD, `provider: ${provider}`, 'shots:', '  - id: a', '    prompt: hi', ...fields);

const INVALID: InvalidRow[] = [
  {
    name: 'Veo 3.1 at 1080p for 4 s (1080p and 4k only at 8 s)',
    files: { 'board.yaml': shot('veo', '    model: veo-3.1-generate-preview', '    size: 1920x1080', '    seconds: 4') },
    issues: [
      {
        at: 'board.yaml:9:14',
        code: 'unsupported-seconds',
        path: 'shots[0].seconds',
        message: 'expected one of 8 seconds for veo-3.1-generate-preview at 1920x1080, found 4',
        hint: 'veo-3.1-generate-preview makes 4 s at 1280x720, 720x1280',
      },
    ],
  },
  {
    name: 'Veo 3 in portrait 1080p (16:9 only)',
    files: { 'board.yaml': shot('veo', '    model: veo-3.0-generate-001', '    size: 1080x1920', '    seconds: 8') },
    issues: [
      {
        at: 'board.yaml:8:11',
        code: 'unsupported-size',
        path: 'shots[0].size',
        message: 'expected one of 1280x720, 720x1280, 1920x1080 for veo-3.0-generate-001, found 1080x1920',
      },
    ],
  },
  {
    name: 'Veo 2 for 4 s',
    files: { 'board.yaml': shot('veo', '    model: veo-2.0-generate-001', '    seconds: 4') },
    issues: [
      {
        at: 'board.yaml:8:14',
        code: 'unsupported-seconds',
        path: 'shots[0].seconds',
        message: 'expected one of 5, 6, 8 seconds for veo-2.0-generate-001, found 4',
      },
    ],
  },
  {
    name: 'a seed on veo (the Gemini API takes none)',
    files: { 'board.yaml': shot('veo', '    seed: 4') },
    issues: [{ at: 'board.yaml:7:5', code: 'unsupported-field', path: 'shots[0].seed', message: 'provider "veo" does not take seed' }],
  },
  {
    name: 'generate_audio on veo (the Gemini API has no audio switch: Veo 3 always makes sound)',
    files: { 'board.yaml': yaml(...HEAD, 'provider: veo', 'defaults: {generate_audio: false}', 'shots:', '  - id: a', '    prompt: hi') },
    issues: [
      {
        at: 'board.yaml:4:12',
        code: 'unsupported-field',
        path: 'defaults.generate_audio',
        message: 'provider "veo" does not take generate_audio',
        hint: 'render with a provider that takes it (fal, replicate)',
      },
    ],
  },
  {
    name: "generate_audio on fal's Kling (its profile takes it, the model not)",
    files: {
      'board.yaml': shot(
        'fal',
        '    model: fal-ai/kling-video/v2.1/master/text-to-video',
        '    size: 1080x1920',
        '    seconds: 5',
        '    generate_audio: false',
      ),
    },
    issues: [
      {
        at: 'board.yaml:10:5',
        code: 'unsupported-field',
        path: 'shots[0].generate_audio',
        message: 'model fal-ai/kling-video/v2.1/master/text-to-video of provider "fal" does not take generate_audio',
        hint: 'fal-ai/veo3.1',
      },
    ],
  },
  {
    name: 'generate_audio that is not a boolean',
    files: { 'board.yaml': shot('fal', '    generate_audio: sometimes') },
    issues: [{ at: 'board.yaml:7:21', code: 'wrong-type', path: 'shots[0].generate_audio', message: 'expected true or false' }],
  },
  {
    name: 'an audio axis with a value that is not a boolean',
    files: { 'board.yaml': shot('replicate', '    variants:', '      generate_audio: [true, "no"]') },
    issues: [{ at: 'board.yaml:8:30', code: 'invalid-value', path: 'shots[0].variants.generate_audio[1]', message: 'expected true or false' }],
  },
  {
    name: 'generate_audio on a remix shot (a remix sends only a prompt)',
    files: {
      'board.yaml': yaml(...HEAD, 'shots:', '  - id: a', '    prompt: hi', '  - id: b', '    remix: a', '    prompt: again', '    generate_audio: false'),
    },
    issues: [
      {
        at: 'board.yaml:9:5',
        code: 'forbidden-property',
        path: 'shots[1].generate_audio',
        message: 'a remix shot cannot set generate_audio: a remix edits its parent video and sends only a prompt',
      },
    ],
  },
  {
    name: 'an audio axis on an extend shot',
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'shots:',
        '  - id: a',
        '    prompt: hi',
        '  - id: b',
        '    extend: a',
        '    prompt: more',
        '    variants:',
        '      generate_audio: [true, false]',
      ),
    },
    issues: [
      {
        at: 'board.yaml:10:7',
        code: 'forbidden-property',
        path: 'shots[1].variants.generate_audio',
        message: 'an extend shot can vary only seconds among request fields',
      },
    ],
  },
  {
    name: 'a remix on replicate',
    files: { 'board.yaml': yaml(...HEAD, 'provider: replicate', 'shots:', '  - id: a', '    prompt: hi', '  - id: b', '    remix: a', '    prompt: again') },
    issues: [{ at: 'board.yaml:8:12', code: 'remix-unsupported', path: 'shots[1].remix', message: 'provider "replicate" cannot remix videos' }],
  },
  {
    name: 'a size the fal endpoint does not make',
    files: { 'board.yaml': shot('fal', '    model: fal-ai/kling-video/v2.1/master/text-to-video', '    size: 1280x720', '    seconds: 5') },
    issues: [
      {
        at: 'board.yaml:8:11',
        code: 'unsupported-size',
        path: 'shots[0].size',
        message: 'expected one of 1920x1080, 1080x1920, 1080x1080 for fal-ai/kling-video/v2.1/master/text-to-video, found 1280x720',
      },
    ],
  },
  {
    name: "a duration fal's Veo does not make",
    files: { 'board.yaml': shot('fal', '    seconds: 5') },
    issues: [
      { at: 'board.yaml:7:14', code: 'unsupported-seconds', path: 'shots[0].seconds', message: 'expected one of 4, 6, 8 seconds for fal-ai/veo3.1, found 5' },
    ],
  },
  {
    name: "an image for fal's Wan (text-to-video only)",
    files: {
      'board.yaml': shot('fal', '    model: fal-ai/wan/v2.2-a14b/text-to-video', '    size: 848x480', '    seconds: 5', '    input_reference: mug.png'),
      'mug.png': png(848, 480),
    },
    issues: [
      {
        at: 'board.yaml:10:5',
        code: 'input-reference-unsupported',
        path: 'shots[0].input_reference',
        message: 'model fal-ai/wan/v2.2-a14b/text-to-video of provider "fal" takes no input_reference image',
        hint: 'fal-ai/kling-video/v2.1/master/text-to-video',
      },
    ],
  },
  {
    name: "a seed in defaults for fal's Kling (its profile takes seeds, the model none)",
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'provider: fal',
        'defaults: {seed: 7}',
        'shots:',
        '  - id: a',
        '    prompt: hi',
        '    model: fal-ai/kling-video/v2.1/master/text-to-video',
        '    size: 1080x1920',
        '    seconds: 10',
      ),
    },
    issues: [
      {
        at: 'board.yaml:4:12',
        code: 'unsupported-field',
        path: 'defaults.seed',
        message: 'model fal-ai/kling-video/v2.1/master/text-to-video of provider "fal" does not take seed',
        hint: 'fal-ai/veo3.1',
      },
    ],
  },
  {
    name: "a seed sweep on replicate's Kling (its profile takes seeds, the model none)",
    files: {
      'board.yaml': shot('replicate', '    model: kwaivgi/kling-v2.1-master', '    size: 1080x1080', '    seconds: 5', '    variants:', '      seed: [1, 2]'),
    },
    issues: [
      {
        at: 'board.yaml:11:7',
        code: 'unsupported-field',
        path: 'shots[0].variants.seed',
        message: 'model kwaivgi/kling-v2.1-master of provider "replicate" does not take seed (jobs a[seed=1] and a[seed=2])',
        hint: 'google/veo-3.1',
      },
    ],
  },
  {
    name: 'Hailuo 2.3 at 1080p for 10 s on replicate',
    files: { 'board.yaml': shot('replicate', '    model: minimax/hailuo-2.3', '    size: 1920x1080', '    seconds: 10') },
    issues: [
      {
        at: 'board.yaml:9:14',
        code: 'unsupported-seconds',
        path: 'shots[0].seconds',
        message: 'expected one of 6 seconds for minimax/hailuo-2.3 at 1920x1080, found 10',
        hint: 'at 1360x768',
      },
    ],
  },
  {
    name: "a model replicate's profile does not list",
    files: { 'board.yaml': shot('replicate', '    model: sora-2') },
    issues: [{ at: 'board.yaml:7:12', code: 'unsupported-model', path: 'shots[0].model', message: 'model "sora-2" is not served by provider "replicate"' }],
  },
];

const VALID: readonly { name: string; files: Tree }[] = [
  { name: 'veo with its defaults', files: { 'board.yaml': shot('veo') } },
  {
    name: 'Veo 3.1 in 4k for 8 s, with a negative prompt',
    files: { 'board.yaml': shot('veo', '    model: veo-3.1-generate-preview', '    size: 2160x3840', '    seconds: 8', '    negative_prompt: text') },
  },
  {
    name: 'Veo 3.1 Fast from an image',
    files: { 'board.yaml': shot('veo', '    size: 720x1280', '    seconds: 6', '    input_reference: cat.png'), 'cat.png': png(720, 1280) },
  },
  {
    name: "fal's Kling in 1:1 for 10 s from an image",
    files: {
      'board.yaml': shot(
        'fal',
        '    model: fal-ai/kling-video/v2.1/master/text-to-video',
        '    size: 1080x1080',
        '    seconds: 10',
        '    negative_prompt: blur',
        '    input_reference: cat.png',
      ),
      'cat.png': png(1080, 1080),
    },
  },
  {
    name: "a seed sweep on fal's Wan",
    files: {
      'board.yaml': shot(
        'fal',
        '    model: fal-ai/wan/v2.2-a14b/text-to-video',
        '    size: 480x848',
        '    seconds: 3',
        '    variants:',
        '      seed: [1, auto]',
      ),
    },
  },
  {
    name: "fal's Veo 3.1 without sound, in defaults and as an axis",
    files: {
      'board.yaml': yaml(
        ...HEAD,
        'provider: fal',
        'defaults: {generate_audio: false}',
        'shots:',
        '  - id: a',
        '    prompt: hi',
        '  - id: b',
        '    prompt: again',
        '    model: fal-ai/veo3',
        '    variants:',
        '      generate_audio: [true, false]',
      ),
    },
  },
  { name: "replicate's Veo 3.1 without sound", files: { 'board.yaml': shot('replicate', '    model: google/veo-3.1', '    generate_audio: false') } },
  {
    name: "replicate's Hailuo 2.3 at 768p for 10 s",
    files: { 'board.yaml': shot('replicate', '    model: minimax/hailuo-2.3', '    size: 1360x768', '    seconds: 10') },
  },
];

describe('protocol profiles: validation', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it.each(INVALID)('refuses $name', (row) => expectIssues(row, cleanups));

  it.each(VALID)('accepts $name', async (row) => {
    const { dir, cleanup } = await writeProject(row.files);
    cleanups.push(cleanup);
    const run = await runCli(['validate', 'board.yaml'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});
