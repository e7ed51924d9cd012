import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { builtinProfiles } from '../../src/providers/builtin.js';
import { mapFalJob } from '../../src/providers/mapping/fal.js';
import { mapJob } from '../../src/providers/mapping/map-job.js';
import { mapGeminiJob } from '../../src/providers/mapping/gemini.js';
import type { ImageInput, JobToMap } from '../../src/providers/mapping/job-request.js';
import { mapReplicateJob, MAX_DATA_URL_BYTES } from '../../src/providers/mapping/replicate.js';
import type { ProviderProfile } from '../../src/providers/profile.js';
import { REPO } from '../helpers/cli.js';
import { startTestEmulator } from '../emulator/helpers.js';
import { http, jsonInit, originOf, pollUntil } from '../emulator/protocol-helpers.js';

/**
 * What each protocol's mapping makes of a job, compared with the references' documented examples
 * (test/fixtures/protocols/, the files the emulator replays) and sent to the emulator's flavor,
 * whose models are written from the references apart from the client: for every model, size and
 * duration the profile declares, the server must accept the body and make that size and length.
 */

const veo = builtinProfiles['veo']!;
const fal = builtinProfiles['fal']!;
const replicate = builtinProfiles['replicate']!;

/** The 1x1 PNG of the fixtures. */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const PNG: ImageInput = { mimeType: 'image/png', bytes: Buffer.from(PNG_BASE64, 'base64') };

interface FixtureRequest {
  method: string;
  path: string;
  body?: Record<string, unknown>;
}

async function fixtureRequest(file: string, index = 0): Promise<FixtureRequest> {
  const fixture = JSON.parse(await readFile(path.join(REPO, 'test/fixtures/protocols', file), 'utf8')) as { requests: FixtureRequest[] };
  return fixture.requests[index]!;
}

function job(partial: Partial<JobToMap> & Pick<JobToMap, 'model' | 'size' | 'seconds'>): JobToMap {
  return { prompt: 'x', extra: null, image: null, ...partial };
}

function mapped<T extends object>(result: T): Exclude<T, { readonly refusal: unknown }> {
  if ('refusal' in result) throw new Error(`refused: ${JSON.stringify(result.refusal)}`);
  return result as Exclude<T, { readonly refusal: unknown }>;
}

/**
 * Every field the mapping sends is in the documented example, at the same place, with the same
 * value and type; the example may carry more (fields shotlist leaves to the server's default).
 */
function expectWithin(ours: unknown, documented: unknown, at = 'body'): void {
  if (Array.isArray(ours)) {
    expect(Array.isArray(documented), at).toBe(true);
    ours.forEach((item, i) => expectWithin(item, (documented as unknown[])[i], `${at}[${i}]`));
  } else if (typeof ours === 'object' && ours !== null) {
    expect(typeof documented, at).toBe('object');
    for (const [key, value] of Object.entries(ours)) {
      expect(Object.keys(documented as object), `${at}.${key} is not in the documented example`).toContain(key);
      expectWithin(value, (documented as Record<string, unknown>)[key], `${at}.${key}`);
    }
  } else expect(ours, at).toStrictEqual(documented);
}

describe("request shapes match the references' documented examples", () => {
  it('gemini: text-to-video with a negative prompt (gemini-veo.md §3)', async () => {
    const doc = await fixtureRequest('gemini/text-to-video.json');
    const ours = mapped(
      mapGeminiJob(
        veo,
        job({
          prompt: (doc.body as any).instances[0].prompt,
          model: 'veo-3.1-generate-preview',
          size: '1280x720',
          seconds: '8',
          extra: { negative_prompt: 'cartoon, drawing, low quality' },
        }),
      ),
    );
    expect(doc.path).toBe(`/v1beta/models/${ours.model}:predictLongRunning`);
    expectWithin(ours.body, doc.body);
    expect(ours.body).toEqual({
      instances: [{ prompt: (doc.body as any).instances[0].prompt }],
      parameters: { aspectRatio: '16:9', resolution: '720p', durationSeconds: 8, negativePrompt: 'cartoon, drawing, low quality' },
    });
  });

  it('gemini: image-to-video sends the image inline as base64 with its MIME type (§3)', async () => {
    const doc = await fixtureRequest('gemini/image-to-video-webhook.json');
    const ours = mapped(
      mapGeminiJob(
        veo,
        job({ prompt: 'The kitten wakes up and stretches', model: 'veo-3.1-fast-generate-preview', size: '1280x720', seconds: '6', image: PNG }),
      ),
    );
    expect(doc.path).toBe(`/v1beta/models/${ours.model}:predictLongRunning`);
    expectWithin(ours.body.instances, (doc.body as any).instances);
    expect((ours.body.parameters as any).durationSeconds).toBe((doc.body as any).parameters.durationSeconds);
  });

  it('fal: Kling\'s duration is the string "5", the body the bare input (fal-queue.md §1, §12)', async () => {
    const doc = await fixtureRequest('fal/kling-queue.json');
    const ours = mapped(
      mapFalJob(
        fal,
        job({
          prompt: (doc.body as any).prompt,
          model: 'fal-ai/kling-video/v2.1/master/text-to-video',
          size: '1920x1080',
          seconds: '5',
          extra: { negative_prompt: 'blur, distort, and low quality' },
        }),
      ),
    );
    expect(doc.path).toBe(`/${ours.endpoint}`);
    expectWithin(ours.body, doc.body);
  });

  it('fal: Veo\'s duration is "8s", with resolution, generate_audio, negative prompt and seed (§12)', async () => {
    const doc = await fixtureRequest('fal/veo-lifecycle-webhook.json');
    const ours = mapped(
      mapFalJob(
        fal,
        job({
          prompt: (doc.body as any).prompt,
          model: 'fal-ai/veo3.1',
          size: '1080x1920',
          seconds: '8',
          extra: { negative_prompt: 'text, watermark', seed: 42, generate_audio: true },
        }),
      ),
    );
    expect(doc.path.split('?')[0]).toBe(`/${ours.endpoint}`);
    expectWithin(ours.body, doc.body);
  });

  it('fal: Hailuo\'s "6", Wan\'s frames, and an image goes to the image-to-video endpoint (§12)', async () => {
    const hailuo = await fixtureRequest('fal/other-models.json', 0);
    const ours = mapped(
      mapFalJob(fal, job({ prompt: (hailuo.body as any).prompt, model: 'fal-ai/minimax/hailuo-02/standard/text-to-video', size: '1360x768', seconds: '6' })),
    );
    expect(hailuo.path).toBe(`/${ours.endpoint}`);
    expectWithin(ours.body, hailuo.body);
    const wan = await fixtureRequest('fal/other-models.json', 1);
    const wanOurs = mapped(
      mapFalJob(
        fal,
        job({
          prompt: (wan.body as any).prompt,
          model: 'fal-ai/wan/v2.2-a14b/text-to-video',
          size: '848x480',
          seconds: '5',
          extra: { negative_prompt: 'blurry', seed: 7 },
        }),
      ),
    );
    expect(wan.path).toBe(`/${wanOurs.endpoint}`);
    expectWithin({ ...wanOurs.body, aspect_ratio: undefined }, { ...wan.body, aspect_ratio: undefined });
    const veoImage = await fixtureRequest('fal/other-models.json', 2);
    const imageOurs = mapped(
      mapFalJob(fal, job({ prompt: (veoImage.body as any).prompt, model: 'fal-ai/veo3.1/fast', size: '1280x720', seconds: '6', image: PNG })),
    );
    expect(veoImage.path).toBe(`/${imageOurs.endpoint}`);
    expect(imageOurs.body['image_url']).toBe(`data:image/png;base64,${PNG_BASE64}`);
    expect(imageOurs.body['duration']).toBe((veoImage.body as any).duration);
  });

  it('replicate: duration an integer, inside input (replicate.md §2, §11)', async () => {
    const doc = await fixtureRequest('replicate/official-model.json');
    const ours = mapped(
      mapReplicateJob(
        replicate,
        job({
          prompt: (doc.body as any).input.prompt,
          model: 'google/veo-3.1',
          size: '1920x1080',
          seconds: '8',
          extra: { negative_prompt: 'blurry', seed: 3, generate_audio: true },
        }),
      ),
    );
    expect(doc.path).toBe(`/v1/models/${ours.model}/predictions`);
    expectWithin(ours.body, doc.body);
    const kling = await fixtureRequest('replicate/version-deadline-webhook.json');
    const klingOurs = mapped(
      mapReplicateJob(
        replicate,
        job({
          prompt: (kling.body as any).input.prompt,
          model: 'kwaivgi/kling-v2.1-master',
          size: '1080x1920',
          seconds: '5',
          extra: { negative_prompt: 'text' },
        }),
      ),
    );
    expect((kling.body as any).version).toBe(klingOurs.model);
    expectWithin(klingOurs.body.input, (kling.body as any).input);
  });

  it('replicate: an image is a data: URL inside input, up to 256 kB; a larger one is left for an upload (§2)', async () => {
    const doc = await fixtureRequest('replicate/hailuo-image.json');
    const ours = mapped(
      mapReplicateJob(replicate, job({ prompt: (doc.body as any).input.prompt, model: 'minimax/hailuo-2.3', size: '1360x768', seconds: '6', image: PNG })),
    );
    expectWithin(ours.body, doc.body);
    expect(ours.upload).toBeUndefined();
    const big: ImageInput = { mimeType: 'image/png', bytes: new Uint8Array(MAX_DATA_URL_BYTES + 1) };
    const large = mapped(mapReplicateJob(replicate, job({ model: 'minimax/hailuo-2.3', size: '1360x768', seconds: '6', image: big })));
    expect(large.upload).toEqual({ field: 'first_frame_image', image: big });
    expect(large.body.input['first_frame_image']).toBeUndefined();
  });

  it('an image-to-video job sends no aspect ratio where the video follows the image', () => {
    const falKling = mapped(mapFalJob(fal, job({ model: 'fal-ai/kling-video/v2.1/master/text-to-video', size: '1080x1920', seconds: '10', image: PNG })));
    expect(falKling).toEqual({
      endpoint: 'fal-ai/kling-video/v2.1/master/image-to-video',
      body: { prompt: 'x', duration: '10', image_url: `data:image/png;base64,${PNG_BASE64}` },
    });
    const repKling = mapped(mapReplicateJob(replicate, job({ model: 'kwaivgi/kling-v2.1-master', size: '1080x1920', seconds: '10', image: PNG })));
    expect(repKling.body.input).toEqual({ prompt: 'x', duration: 10, start_image: `data:image/png;base64,${PNG_BASE64}` });
  });

  it('refuses, as data, what a model cannot make or take', () => {
    const refusal = (result: unknown) => (result as { refusal?: { code: string } }).refusal?.code;
    expect(refusal(mapGeminiJob(veo, job({ model: 'veo-3.1-generate-preview', size: '1920x1080', seconds: '4' })))).toBe('unsupported-seconds');
    expect(refusal(mapGeminiJob(veo, job({ model: 'veo-3.0-generate-001', size: '1080x1920', seconds: '8' })))).toBe('unsupported-size');
    expect(refusal(mapGeminiJob(veo, job({ model: 'veo-3.1-generate-preview', size: '1280x720', seconds: '8', extra: { seed: 1 } })))).toBe(
      'field-unsupported',
    );
    expect(refusal(mapFalJob(fal, job({ model: 'fal-ai/wan/v2.2-a14b/text-to-video', size: '848x480', seconds: '5', image: PNG })))).toBe('image-unsupported');
    expect(refusal(mapReplicateJob(replicate, job({ model: 'sora-2', size: '1280x720', seconds: '8' })))).toBe('unknown-model');
    expect(refusal(mapReplicateJob(replicate, job({ model: 'minimax/hailuo-2.3', size: '1920x1080', seconds: '10' })))).toBe('unsupported-seconds');
  });
});

/** Each model's jobs: every size at the model's longest allowed duration, and every duration at its first size. */
function jobsOf(profile: ProviderProfile): JobToMap[] {
  const jobs: JobToMap[] = [];
  for (const [model, entry] of Object.entries(profile.models)) {
    const sizes = entry.sizes as readonly string[];
    const seconds = entry.seconds as readonly string[];
    const allowedAt = (size: string) => entry.secondsBySize?.[size] ?? seconds;
    for (const size of sizes) jobs.push(job({ prompt: `${model} ${size}`, model, size, seconds: allowedAt(size).at(-1)! }));
    for (const s of allowedAt(sizes[0]!).slice(0, -1)) jobs.push(job({ prompt: `${model} ${s}`, model, size: sizes[0]!, seconds: s }));
  }
  return jobs;
}

describe('the emulator makes what the mapping asks for', () => {
  const KEY = 'mapping-key-0123';
  // Every job is accepted, then refused by moderation: nothing is encoded, the request is still checked.
  // No in-flight limit: the limits are not what is tested here.
  const start = (flavor: 'gemini' | 'fal' | 'replicate') =>
    startTestEmulator({ flavor, apiKey: KEY, createsPerMinute: null, inFlightLimit: 1000, faults: { moderation: { failPattern: '.' } } });

  describe('gemini', () => {
    let emu: RunningEmulator;
    beforeAll(async () => (emu = await start('gemini')));
    afterAll(() => emu.close());
    it('every Veo model, size and duration', async () => {
      const jobs = [...jobsOf(veo), job({ prompt: 'image', model: 'veo-3.1-fast-generate-preview', size: '720x1280', seconds: '8', image: PNG })];
      for (const each of jobs) {
        const create = mapped(mapGeminiJob(veo, each));
        const result = await http(
          `${originOf(emu)}/v1beta/models/${create.model}:predictLongRunning`,
          jsonInit('POST', create.body, { 'x-goog-api-key': KEY }),
        );
        expect(result.status, `${each.prompt}: ${JSON.stringify(result.body)}`).toBe(200);
      }
      expect(emu.stats().jobs.map((j) => [j.prompt, j.size, j.seconds])).toEqual(jobs.map((j) => [j.prompt, j.size, j.seconds]));
    }, 60_000);
  });

  describe('replicate', () => {
    let emu: RunningEmulator;
    beforeAll(async () => (emu = await start('replicate')));
    afterAll(() => emu.close());
    it('every official model, size and duration', async () => {
      const jobs = [...jobsOf(replicate), job({ prompt: 'image', model: 'minimax/hailuo-02-fast', size: '912x512', seconds: '6', image: PNG })];
      for (const each of jobs) {
        const create = mapped(mapReplicateJob(replicate, each));
        const result = await http(`${originOf(emu)}/v1/models/${create.model}/predictions`, jsonInit('POST', create.body, { authorization: `Bearer ${KEY}` }));
        expect(result.status, `${each.prompt}: ${JSON.stringify(result.body)}`).toBe(201);
      }
      // A 1x1 image is square: Hailuo follows it (the nearest of its aspect ratios), so only its length is compared.
      const seen = emu.stats().jobs.map((j) => [j.prompt, j.prompt === 'image' ? 'follows the image' : j.size, j.seconds]);
      expect(seen).toEqual(jobs.map((j) => [j.prompt, j.prompt === 'image' ? 'follows the image' : j.size, j.seconds]));
    }, 60_000);
  });

  describe('fal', () => {
    let emu: RunningEmulator;
    beforeAll(async () => (emu = await start('fal')));
    afterAll(() => emu.close());
    it("every endpoint, size and duration; the input passes the endpoint's schema", async () => {
      const jobs = [...jobsOf(fal), job({ prompt: 'image', model: 'fal-ai/veo3.1', size: '1280x720', seconds: '4', image: PNG })];
      const results: string[] = [];
      for (const each of jobs) {
        const submit = mapped(mapFalJob(fal, each));
        const result = await http(`${originOf(emu)}/${submit.endpoint}`, jsonInit('POST', submit.body, { authorization: `Key ${KEY}` }));
        expect(result.status, `${each.prompt}: ${JSON.stringify(result.body)}`).toBe(200);
        results.push(result.body.response_url);
      }
      // fal checks an input when the model runs: a schema violation shows at the result, where the moderation refusal shows otherwise.
      for (const [i, url] of results.entries()) {
        const outcome = await pollUntil(
          () => http(url, { headers: { authorization: `Key ${KEY}` } }),
          (r) => r.status !== 400,
        );
        expect(outcome.body.detail?.[0]?.type, `${jobs[i]!.prompt}: ${JSON.stringify(outcome.body)}`).toBe('content_policy_violation');
      }
      // Wan's length is its frames over its frame rate: 16n + 1 frames at 16 fps is n seconds and one frame.
      const seen = emu.stats().jobs.map((j) => [j.prompt, j.size, String(Math.floor(Number(j.seconds)))]);
      expect(seen).toEqual(jobs.map((j) => [j.prompt, j.size, j.seconds]));
    }, 120_000);
  });
});

describe('mapJob', () => {
  it("maps by the profile's protocol; /v1/videos profiles are the api layer's own", () => {
    const each = job({ model: 'google/veo-3.1-fast', size: '720x1280', seconds: '4' });
    expect(mapJob(replicate, each)).toEqual({
      protocol: 'replicate',
      request: { model: 'google/veo-3.1-fast', body: { input: { prompt: 'x', aspect_ratio: '9:16', resolution: '720p', duration: 4 } } },
    });
    expect(mapJob(veo, job({ model: 'veo-2.0-generate-001', size: '720x1280', seconds: '5' }))).toEqual({
      protocol: 'gemini',
      request: { model: 'veo-2.0-generate-001', body: { instances: [{ prompt: 'x' }], parameters: { aspectRatio: '9:16', durationSeconds: 5 } } },
    });
    expect(mapJob(fal, job({ model: 'fal-ai/veo3', size: '1920x1080', seconds: '4' }))).toEqual({
      protocol: 'fal',
      request: { endpoint: 'fal-ai/veo3', body: { prompt: 'x', aspect_ratio: '16:9', resolution: '1080p', duration: '4s' } },
    });
    expect(mapJob(fal, job({ model: 'fal-ai/veo3', size: '1280x720', seconds: '5' }))).toMatchObject({ refusal: { code: 'unsupported-seconds' } });
    expect(mapJob(builtinProfiles['emulator']!, each)).toBeNull();
  });

  it('generate_audio goes as a boolean where the model takes it, and is refused where it does not', () => {
    const silent = job({ model: 'google/veo-3.1-fast', size: '720x1280', seconds: '4', extra: { generate_audio: false } });
    expect(mapJob(replicate, silent)).toMatchObject({ request: { body: { input: { generate_audio: false } } } });
    expect(mapJob(fal, job({ model: 'fal-ai/veo3', size: '1280x720', seconds: '8', extra: { generate_audio: false } }))).toMatchObject({
      request: { body: { generate_audio: false } },
    });
    expect(
      mapJob(fal, job({ model: 'fal-ai/kling-video/v2.1/master/text-to-video', size: '1920x1080', seconds: '5', extra: { generate_audio: false } })),
    ).toMatchObject({ refusal: { code: 'field-unsupported' } });
    expect(mapJob(veo, job({ model: 'veo-3.1-generate-preview', size: '1280x720', seconds: '8', extra: { generate_audio: false } }))).toMatchObject({
      refusal: { code: 'field-unsupported' },
    });
  });
});
