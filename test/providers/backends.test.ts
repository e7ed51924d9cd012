import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createVideosClient } from '../../src/api/index.js';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';
import { litellmProfile } from '../../src/providers/builtin.js';
import { autoSeed } from '../../src/storyboard/extra-fields.js';
import { runCli } from '../helpers/cli.js';
import { readLock } from '../render/helpers.js';
import { bodyFields, startRecordingProxy, type RecordedRequest } from './recording-proxy.js';

/**
 * Each backend profile renders a storyboard end to end against the emulator flavor that imitates
 * that backend (reference §12, §14), through a recording proxy: the test checks the lockfile
 * and files, and the exact requests the CLI sent (paths, auth header, encoding, fields).
 */

interface Backend {
  readonly emu: RunningEmulator;
  /** The proxy's base URL, with the flavor's prefix. */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  readonly dir: string;
}

async function backend(options: EmulatorOptions, files: Record<string, string>, onTestFinished: (fn: () => Promise<void>) => void): Promise<Backend> {
  const emu = await startEmulator({ speed: 1000, fps: 4, ...options });
  const proxy = await startRecordingProxy(emu.url);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-backend-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  onTestFinished(() => emu.close());
  onTestFinished(() => proxy.close());
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return { emu, baseUrl: `${proxy.origin}${new URL(emu.url).pathname}`, requests: proxy.requests, dir };
}

function render(b: Backend, file: string, env: Record<string, string> = {}, extra: readonly string[] = []) {
  return runCli(['render', file, '--base-url', b.baseUrl, '--json', ...extra], { cwd: b.dir, env, now: () => Date.now() });
}

/** `METHOD /path` of each request, ids replaced by `{id}`. */
function routes(requests: readonly RecordedRequest[], prefix: string): string[] {
  return requests.map((r) => `${r.method} ${r.url.replace(prefix, '').replace(/\/videos\/[^/?]+/, '/videos/{id}')}`);
}

describe.concurrent('backends, each against its emulator flavor', () => {
  it('vllm-omni: multipart creates with flat extra fields and seeds, one job in flight, MP4 only, no prices; the lockfile records the seeds', async ({
    onTestFinished,
  }) => {
    const b = await backend(
      { flavor: 'vllm-omni' },
      {
        'open.yaml': [
          'version: 1',
          'name: open',
          'provider: {profile: vllm-omni, min_poll_ms: 20}',
          'defaults: {size: 832x480, seconds: 2, seed: auto, num_inference_steps: 4}',
          'shots:',
          '  - id: hero',
          '    prompt: A {{product}} on a sunlit counter',
          '    negative_prompt: blurry, watermark',
          '    variants: {product: [mug, teapot]}',
          '  - id: kettle',
          '    prompt: A kettle steaming',
          '    seed: 42',
          '    num_frames: 33',
          '    fps: 16',
          '    guidance_scale: 5.5',
          '',
        ].join('\n'),
      },
      onTestFinished,
    );

    const plan = await runCli(['plan', 'open.yaml', '--base-url', b.baseUrl], { cwd: b.dir });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('3 to render (6 s of video, $?)');
    expect(plan.stdout).toContain('provider "vllm-omni" has no thumbnails');
    expect(b.requests).toEqual([]);

    const run = await render(b, 'open.yaml');
    expect(run.code, run.stderr).toBe(0);
    const lock = await readLock(b.dir, 'open.yaml');
    const mug = lock.jobs['hero[product=mug]']!;
    expect(mug.request.extra).toEqual({ seed: autoSeed('hero[product=mug]'), negative_prompt: 'blurry, watermark', num_inference_steps: 4 });
    expect(lock.jobs['kettle']!.request.extra).toEqual({ seed: 42, num_frames: 33, fps: 16, num_inference_steps: 4, guidance_scale: 5.5 });
    expect(mug.video_id).toMatch(/^video_gen_[0-9a-f]{32}$/);
    expect(mug.outputs.thumbnail).toBeUndefined();
    expect(mug.outputs.video?.bytes).toBeGreaterThan(0);
    expect(mug.cost_usd).toBeNull();
    expect(b.emu.stats().maxInFlight).toBe(1);
    expect(b.emu.stats().createsRejected429).toBe(0);

    const creates = b.requests.filter((r) => r.method === 'POST');
    expect(creates.map((r) => r.url)).toEqual(['/v1/videos', '/v1/videos', '/v1/videos']);
    for (const create of creates) expect(create.headers['authorization']).toBeUndefined();
    const kettle = await Promise.all(creates.map(bodyFields)).then((bodies) => bodies.find((body) => body.fields['prompt'] === 'A kettle steaming')!);
    // Multipart even without a file; every value a form string; no model (the server has one).
    expect(kettle).toEqual({
      encoding: 'multipart',
      fields: {
        prompt: 'A kettle steaming',
        size: '832x480',
        seconds: '2',
        seed: '42',
        num_frames: '33',
        fps: '16',
        num_inference_steps: '4',
        guidance_scale: '5.5',
      },
    });
    expect(routes(b.requests, '/v1').filter((r) => r.includes('content'))).toEqual([
      'GET /videos/{id}/content?variant=video',
      'GET /videos/{id}/content?variant=video',
      'GET /videos/{id}/content?variant=video',
    ]);
    expect(
      b.emu
        .stats()
        .jobs.map((job) => job.extra?.['seed'])
        .sort(),
    ).toEqual([42, autoSeed('hero[product=mug]'), autoSeed('hero[product=teapot]')].sort());

    // The seeds are in the fingerprints: a second run has nothing to do.
    const again = await render(b, 'open.yaml');
    expect(again.code, again.stderr).toBe(0);
    expect(b.requests.filter((r) => r.method === 'POST')).toHaveLength(3);
  });

  it('vllm-omni: a model the server does not serve stops the run before any create (GET /v1/models)', async ({ onTestFinished }) => {
    const b = await backend(
      { flavor: 'vllm-omni', servedModel: 'Lightricks/LTX-2' },
      {
        'open.yaml':
          'version: 1\nname: open\nprovider: {profile: vllm-omni, min_poll_ms: 20}\ndefaults: {model: Wan-AI/Wan2.2-T2V-A14B-Diffusers, size: 832x480, seconds: 2}\nshots:\n  - id: a\n    prompt: A cat\n',
      },
      onTestFinished,
    );
    const run = await render(b, 'open.yaml');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('serves Lightricks/LTX-2, but job a asks for model "Wan-AI/Wan2.2-T2V-A14B-Diffusers"');
    expect(routes(b.requests, '/v1')).toEqual(['GET /models']);
  });

  it('litellm: JSON creates with model and extra_body, base64 ids percent-encoded in paths, processing mapped, remix, listing hint, no DELETE', async ({
    onTestFinished,
  }) => {
    const b = await backend(
      { flavor: 'litellm', apiKey: 'sk-litellm' },
      {
        'gw.yaml': [
          'version: 1',
          'name: gw',
          'provider: {profile: litellm, min_poll_ms: 20}',
          'defaults: {model: sora-2, size: 1280x720, seconds: 4, seed: 7}',
          'shots:',
          '  - id: hero',
          '    prompt: A mug on a counter',
          '  - id: dusk',
          '    remix: hero',
          '    prompt: The same at dusk',
          '',
        ].join('\n'),
      },
      onTestFinished,
    );
    const run = await render(b, 'gw.yaml', { LITELLM_API_KEY: 'sk-litellm' });
    expect(run.code, run.stderr).toBe(0);
    const lock = await readLock(b.dir, 'gw.yaml');
    const hero = lock.jobs['hero']!;
    expect(hero.video_id).toMatch(/^video_[A-Za-z0-9+/]+=+$/);
    expect(Buffer.from(hero.video_id!.slice('video_'.length), 'base64').toString()).toMatch(
      /^litellm:custom_llm_provider:openai;model_id:sora-2;video_id:video_/,
    );
    expect(hero.request.extra).toEqual({ seed: 7 });
    expect(lock.jobs['dusk']!.request.extra).toBeUndefined();
    expect(lock.jobs['dusk']!.remixed_from).toBe(hero.video_id);
    expect(hero.outputs.thumbnail).toBeUndefined();

    const [create, remix] = b.requests.filter((r) => r.method === 'POST');
    expect(create!.url).toBe('/v1/videos');
    expect(create!.headers['authorization']).toBe('Bearer sk-litellm');
    expect(create!.headers['content-type']).toBe('application/json');
    expect(await bodyFields(create!)).toEqual({
      encoding: 'json',
      fields: { prompt: 'A mug on a counter', model: 'sora-2', size: '1280x720', seconds: '4', extra_body: { seed: 7 } },
    });
    // The id's `=` (and any `/`, `+`) travel percent-encoded.
    expect(remix!.url).toBe(`/v1/videos/${encodeURIComponent(hero.video_id!)}/remix`);
    expect(remix!.url).toContain('%3D');
    expect(await bodyFields(remix!)).toEqual({ encoding: 'json', fields: { prompt: 'The same at dusk' } });
    expect(b.requests.some((r) => r.method === 'DELETE')).toBe(false);
    expect(b.emu.stats().jobs[0]!.extra).toEqual({ seed: 7 });
    // Listing (how a lost create is looked for) carries the provider hint LiteLLM needs.
    const client = createVideosClient({ profile: litellmProfile, baseUrl: b.baseUrl, apiKey: 'sk-litellm' });
    onTestFinished(() => client.close());
    expect((await client.list({ limit: 10 })).data.map((video) => [video.id, video.status])).toEqual([
      [lock.jobs['dusk']!.video_id, 'completed'],
      [hero.video_id, 'completed'],
    ]);
    expect(b.requests.at(-1)!.url).toBe('/v1/videos?custom_llm_provider=openai&limit=10');
  });

  it('azure: /openai/v1 paths, the api-key header, the deployment name as model, thumbnails, within 2 creates a minute', async ({ onTestFinished }) => {
    const b = await backend(
      { flavor: 'azure', apiKey: 'az-key', deployments: { 'my-sora': 'sora-2' } },
      {
        'az.yaml': [
          'version: 1',
          'name: az',
          'provider:',
          '  profile: azure',
          '  min_poll_ms: 20',
          '  models: {my-sora: {sizes: [1280x720, 720x1280], seconds: [4, 8], price_per_second: {1280x720: 0.1, 720x1280: 0.1}}}',
          'defaults: {model: my-sora, size: 1280x720, seconds: 4}',
          'shots:',
          '  - id: hero',
          '    prompt: A mug on a counter',
          '  - id: dusk',
          '    remix: hero',
          '    prompt: The same at dusk',
          '',
        ].join('\n'),
      },
      onTestFinished,
    );
    expect(b.baseUrl).toMatch(/\/openai\/v1$/);
    const run = await render(b, 'az.yaml', { AZURE_OPENAI_API_KEY: 'az-key' });
    expect(run.code, run.stderr).toBe(0);
    const lock = await readLock(b.dir, 'az.yaml');
    expect(lock.jobs['hero']!.video_id).toMatch(/^video_[0-9a-f]{32}$/);
    expect(lock.jobs['hero']!.outputs.thumbnail?.bytes).toBeGreaterThan(0);
    expect(lock.jobs['hero']!.cost_usd).toBe(0.4);
    for (const request of b.requests) {
      expect(request.url.startsWith('/openai/v1/videos')).toBe(true);
      expect(request.headers['api-key']).toBe('az-key');
      expect(request.headers['authorization']).toBeUndefined();
    }
    const create = b.requests.find((r) => r.method === 'POST' && r.url === '/openai/v1/videos')!;
    expect(await bodyFields(create)).toEqual({ encoding: 'json', fields: { prompt: 'A mug on a counter', model: 'my-sora', size: '1280x720', seconds: '4' } });
    expect(b.emu.stats().createsRejected429).toBe(0);
  });

  it('azure: an Entra ID token (AZURE_OPENAI_AD_TOKEN) goes as a bearer when no key is set', async ({ onTestFinished }) => {
    const b = await backend(
      { flavor: 'azure', apiKey: 'entra-token' },
      {
        'az.yaml': 'version: 1\nname: az\nprovider: {profile: azure, min_poll_ms: 20}\nshots:\n  - id: a\n    prompt: A cat\n',
      },
      onTestFinished,
    );
    const run = await render(b, 'az.yaml', { AZURE_OPENAI_AD_TOKEN: 'entra-token' });
    expect(run.code, run.stderr).toBe(0);
    expect(b.requests.every((r) => r.headers['authorization'] === 'Bearer entra-token' && r.headers['api-key'] === undefined)).toBe(true);
  });

  it('openai: the contract as it was, Bearer from OPENAI_API_KEY, JSON, thumbnails', async ({ onTestFinished }) => {
    const b = await backend(
      { apiKey: 'sk-openai' },
      { 'o.yaml': 'version: 1\nname: o\nprovider: {profile: openai, min_poll_ms: 20}\nshots:\n  - id: a\n    prompt: A cat\n' },
      onTestFinished,
    );
    const run = await render(b, 'o.yaml', { OPENAI_API_KEY: 'sk-openai' });
    expect(run.code, run.stderr).toBe(0);
    const create = b.requests.find((r) => r.method === 'POST')!;
    expect(create.headers['authorization']).toBe('Bearer sk-openai');
    expect(await bodyFields(create)).toEqual({ encoding: 'json', fields: { prompt: 'A cat', model: 'sora-2', size: '720x1280', seconds: '4' } });
    expect((await readLock(b.dir, 'o.yaml')).jobs['a']!.request.extra).toBeUndefined();
  });
});
