import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinProfiles } from '../../src/providers/builtin.js';
import { mapFalJob } from '../../src/providers/mapping/fal.js';
import { mapReplicateJob } from '../../src/providers/mapping/replicate.js';
import { costOf } from '../../src/providers/profile.js';
import { readProviderConfig } from '../../src/providers/read-provider-config.js';
import { runCli } from '../helpers/cli.js';

/** Profiles of the project's own in shotlist.providers.yaml: a currency, prices per generation, other models on the protocols. */

async function project(files: Record<string, string>, onTestFinished: (fn: () => Promise<void>) => void): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-custom-protocols-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

const PROVIDERS = [
  'providers:',
  '  reseller:',
  '    extends: litellm',
  '    base_url: https://videos.example.eu/v1',
  '    currency: EUR',
  '    models:',
  '      sora-2: {sizes: [720x1280, 1280x720], seconds: [4, 8, 12], price_per_generation: {"*": 0.5}}',
  '  my-fal:',
  '    extends: fal',
  '    models:',
  '      fal-ai/kling-video/v2.1/standard/image-to-video:',
  '        sizes: [1920x1080]',
  '        seconds: [5, 10]',
  '        price_per_second: {1080p: 0.056}',
  '        request:',
  '          size_fields: {1920x1080: {}}',
  '          seconds_fields: {"5": {duration: "5"}, "10": {duration: "10"}}',
  '          image: {field: image_url}',
  '          extra_fields: {negative_prompt: negative_prompt}',
  '',
].join('\n');

describe('custom profiles on the protocols', () => {
  it('read from shotlist.providers.yaml: currency, prices per generation and by resolution, request fields', async ({ onTestFinished }) => {
    const dir = await project({ 'shotlist.providers.yaml': PROVIDERS }, onTestFinished);
    const config = await readProviderConfig(dir, builtinProfiles);
    expect(config.issues).toEqual([]);
    const reseller = config.profiles['reseller']!;
    expect(reseller.protocol).toBe('openai-videos');
    expect(costOf(reseller, 'sora-2', '1280x720', 12)).toEqual({ currency: 'EUR', micros: 500_000 });
    const fal = config.profiles['my-fal']!;
    expect(fal.protocol).toBe('fal');
    expect(costOf(fal, 'fal-ai/kling-video/v2.1/standard/image-to-video', '1920x1080', 10)).toEqual({ currency: 'USD', micros: 560_000 });
    const image = { mimeType: 'image/png', bytes: new Uint8Array([1, 2, 3]) };
    expect(
      mapFalJob(fal, {
        prompt: 'p',
        model: 'fal-ai/kling-video/v2.1/standard/image-to-video',
        size: '1920x1080',
        seconds: '10',
        extra: { negative_prompt: 'blur' },
        image,
      }),
    ).toEqual({
      endpoint: 'fal-ai/kling-video/v2.1/standard/image-to-video',
      body: { prompt: 'p', duration: '10', negative_prompt: 'blur', image_url: 'data:image/png;base64,AQID' },
    });
  });

  it("`shotlist providers --json` gives protocol, currency and each model's sizes, durations and price", async ({ onTestFinished }) => {
    const dir = await project({ 'shotlist.providers.yaml': PROVIDERS }, onTestFinished);
    const events = (await runCli(['providers', '--json'], { cwd: dir })).events();
    const byName = Object.fromEntries(events.map((event) => [event['name'], event]));
    expect(byName['reseller']).toMatchObject({
      protocol: 'openai-videos',
      currency: 'EUR',
      prices_known: true,
      model_details: [{ name: 'sora-2', price: { perGeneration: { '*': 0.5 } } }],
    });
    expect(byName['veo']).toMatchObject({ protocol: 'gemini', currency: 'USD', remix: false, list: false, auth_env: ['GOOGLE_API_KEY', 'GEMINI_API_KEY'] });
    expect(
      (byName['veo']!['model_details'] as { name: string; seconds_by_size: object }[]).find((m) => m.name === 'veo-3.1-generate-preview')!.seconds_by_size,
    ).toMatchObject({ '1920x1080': ['8'] });
    expect(byName['my-fal']).toMatchObject({
      protocol: 'fal',
      model_details: [{ name: 'fal-ai/kling-video/v2.1/standard/image-to-video', input_reference: true, extra_fields: ['negative_prompt'] }],
    });
  });

  it('a model on a protocol profile without its request fields is refused at its line', async ({ onTestFinished }) => {
    const dir = await project(
      {
        'shotlist.providers.yaml': [
          'providers:',
          '  my-rep:',
          '    extends: replicate',
          '    models:',
          '      owner/model: {sizes: [1280x720], seconds: [5]}',
          '',
        ].join('\n'),
        'sb.yaml': 'version: 1\nname: sb\nshots:\n  - id: a\n    prompt: x\n',
      },
      onTestFinished,
    );
    const run = await runCli(['validate', 'sb.yaml'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('shotlist.providers.yaml:5:7');
    expect(run.stderr).toContain('model owner/model of provider "my-rep" has no request fields');
  });

  it("a storyboard's provider block is checked the same way", async ({ onTestFinished }) => {
    const dir = await project(
      {
        'sb.yaml':
          'version: 1\nname: sb\nprovider:\n  profile: veo\n  models:\n    veo-9: {sizes: [1280x720], seconds: [8], request: {size_fields: {1280x720: {aspectRatio: "16:9"}}, seconds_fields: {}}}\nshots:\n  - id: a\n    prompt: x\n    model: veo-9\n',
      },
      onTestFinished,
    );
    const run = await runCli(['validate', 'sb.yaml'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('sb.yaml:6:5');
    expect(run.stderr).toContain('model veo-9 of provider "veo" has no request.seconds_fields for 8');
  });

  it('a price keyed by something that is neither a size nor a resolution is refused by the schema', async ({ onTestFinished }) => {
    const dir = await project(
      {
        'shotlist.providers.yaml': [
          'providers:',
          '  r:',
          '    extends: litellm',
          '    currency: euro',
          '    models:',
          '      m: {price_per_second: {hd: 0.1}}',
          '',
        ].join('\n'),
        'sb.yaml': 'version: 1\nname: sb\nshots:\n  - id: a\n    prompt: x\n',
      },
      onTestFinished,
    );
    const run = await runCli(['validate', 'sb.yaml'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('expected a currency code of three capital letters, like USD or EUR');
    expect(run.stderr).toContain('expected a size written WIDTHxHEIGHT (1280x720), a resolution (720p, 4k) or * for every size');
  });

  it('generate_audio: a custom model names it as its schema does, and a silent job costs the silent price where one is known', async ({ onTestFinished }) => {
    const dir = await project(
      {
        'shotlist.providers.yaml': [
          'providers:',
          '  my-rep:',
          '    extends: replicate',
          '    models:',
          '      owner/talkie:',
          '        sizes: [1280x720]',
          '        seconds: [5]',
          '        request: {size_fields: {1280x720: {}}, seconds_fields: {"5": {duration: 5}}, image: null, extra_fields: {generate_audio: enable_audio}}',
          '',
        ].join('\n'),
      },
      onTestFinished,
    );
    const config = await readProviderConfig(dir, builtinProfiles);
    expect(config.issues).toEqual([]);
    const rep = config.profiles['my-rep']!;
    expect(mapReplicateJob(rep, { prompt: 'p', model: 'owner/talkie', size: '1280x720', seconds: '5', extra: { generate_audio: false }, image: null })).toEqual(
      { model: 'owner/talkie', body: { input: { prompt: 'p', duration: 5, enable_audio: false } } },
    );

    const fal = builtinProfiles['fal']!;
    // fal's Veo 3.1 in 4k: $0.60 a second with sound, $0.40 without.
    expect(costOf(fal, 'fal-ai/veo3.1', '3840x2160', 8)).toEqual({ currency: 'USD', micros: 4_800_000 });
    expect(costOf(fal, 'fal-ai/veo3.1', '3840x2160', 8, { generate_audio: true })).toEqual({ currency: 'USD', micros: 4_800_000 });
    expect(costOf(fal, 'fal-ai/veo3.1', '3840x2160', 8, { generate_audio: false })).toEqual({ currency: 'USD', micros: 3_200_000 });
    // Replicate's Veo 3.1 has no known silent price: the price with sound stands, an upper bound.
    expect(costOf(builtinProfiles['replicate']!, 'google/veo-3.1', '1280x720', 8, { generate_audio: false })).toEqual({ currency: 'USD', micros: 3_200_000 });
    const events = (await runCli(['providers', '--json'], { cwd: dir })).events();
    const falModels = events.find((event) => event['name'] === 'fal')!['model_details'] as { name: string; extra_fields: string[]; silent_price?: object }[];
    expect(falModels.find((m) => m.name === 'fal-ai/veo3')).toMatchObject({
      extra_fields: ['negative_prompt', 'seed', 'generate_audio'],
      silent_price: { perSecond: { '*': 0.2 } },
    });
    expect(falModels.find((m) => m.name === 'fal-ai/kling-video/v2.1/master/text-to-video')!.extra_fields).not.toContain('generate_audio');
  });
});
