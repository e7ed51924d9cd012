import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { startTestEmulator } from './helpers.js';
import { http, jsonInit, NO_RENDER } from './protocol-helpers.js';

/**
 * Reference gemini-veo.md §4, written out here (not read from the emulator's table) so the
 * emulator is checked against the reference: each model's aspect ratios, resolutions and
 * durations, and the rules between them.
 */
const TABLE: Record<string, { resolutions: string[]; durations: number[] }> = {
  'veo-3.1-generate-preview': { resolutions: ['720p', '1080p', '4k'], durations: [4, 6, 8] },
  'veo-3.1-fast-generate-preview': { resolutions: ['720p', '1080p', '4k'], durations: [4, 6, 8] },
  'veo-3.1-lite-generate-preview': { resolutions: ['720p', '1080p'], durations: [4, 6, 8] },
  'veo-3.0-generate-001': { resolutions: ['720p', '1080p'], durations: [4, 6, 8] },
  'veo-3.0-fast-generate-001': { resolutions: ['720p', '1080p'], durations: [4, 6, 8] },
  'veo-2.0-generate-001': { resolutions: ['720p'], durations: [5, 6, 8] },
};

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startTestEmulator({ flavor: 'gemini', faults: NO_RENDER, inFlightLimit: 10_000, createsPerMinute: null });
});
afterAll(() => emu.close());

async function create(
  model: string,
  parameters: Record<string, unknown>,
  instance: Record<string, unknown> = {},
): Promise<{ status: number; message: string }> {
  const result = await http(
    `${emu.url}/models/${model}:predictLongRunning`,
    jsonInit('POST', { instances: [{ prompt: 'no-render table', ...instance }], parameters }),
  );
  if (result.status !== 200) expect(result.body.error.status).toBe('INVALID_ARGUMENT');
  return { status: result.status, message: result.body.error?.message ?? '' };
}

describe('gemini flavor: allowed values per model (reference §4)', () => {
  for (const [model, { resolutions, durations }] of Object.entries(TABLE)) {
    it(`${model}: aspect ratios, resolutions at 8 s, durations at 720p`, async () => {
      for (const aspectRatio of ['16:9', '9:16']) expect((await create(model, { aspectRatio })).status, aspectRatio).toBe(200);
      expect(await create(model, { aspectRatio: '4:3' })).toEqual({
        status: 400,
        message: '4:3 for aspectRatio is currently not supported. Supported values: 16:9, 9:16.',
      });
      for (const resolution of resolutions) expect((await create(model, { resolution, durationSeconds: 8 })).status, resolution).toBe(200);
      for (const resolution of ['1080p', '4k'].filter((each) => !resolutions.includes(each))) {
        expect((await create(model, { resolution, durationSeconds: 8 })).message).toBe(
          `${resolution} for resolution is currently not supported. Supported values: ${resolutions.join(', ')}.`,
        );
      }
      for (const seconds of [2, 4, 5, 6, 7, 8, 10]) {
        const expected = durations.includes(seconds) ? 200 : 400;
        expect((await create(model, { durationSeconds: seconds })).status, `number ${seconds}`).toBe(expected);
        expect((await create(model, { durationSeconds: String(seconds) })).status, `string "${seconds}"`).toBe(expected);
      }
      expect((await create(model, { durationSeconds: 7 })).message).toBe(
        `7 for durationSeconds is currently not supported. Supported values: ${durations.join(', ')}.`,
      );
    });
  }

  it('Veo 3.1: 1080p and 4k need 8 s; Veo 3: 1080p needs 16:9', async () => {
    expect((await create('veo-3.1-generate-preview', { resolution: '1080p', durationSeconds: 4 })).status).toBe(400);
    expect((await create('veo-3.1-generate-preview', { resolution: '4k', durationSeconds: 6 })).status).toBe(400);
    expect((await create('veo-3.1-generate-preview', { resolution: '4k', aspectRatio: '9:16', durationSeconds: 8 })).status).toBe(200);
    expect((await create('veo-3.0-generate-001', { resolution: '1080p', aspectRatio: '9:16' })).message).toContain('1080p needs 16:9');
    expect((await create('veo-3.0-generate-001', { resolution: '1080p', aspectRatio: '16:9', durationSeconds: 4 })).status).toBe(200);
  });

  it('personGeneration per model and input; sampleCount 1; seed accepted and ignored; unknown fields refused', async () => {
    expect((await create('veo-3.1-generate-preview', { personGeneration: 'allow_all' })).status).toBe(200);
    expect((await create('veo-3.1-generate-preview', { personGeneration: 'allow_adult' })).message).toBe(
      'allow_adult for personGeneration is currently not supported. Supported values: allow_all.',
    );
    for (const value of ['allow_all', 'allow_adult', 'dont_allow'])
      expect((await create('veo-2.0-generate-001', { personGeneration: value })).status).toBe(200);
    expect((await create('veo-3.1-generate-preview', { sampleCount: 2 })).status).toBe(400);
    expect((await create('veo-3.1-generate-preview', { sampleCount: 1, negativePrompt: 'blur', enhancePrompt: true })).status).toBe(200);
    const before = emu.stats().jobs.length;
    expect((await create('veo-3.0-generate-001', { seed: 42 }, { prompt: 'no-render seeded' })).status).toBe(200);
    expect((await create('veo-3.0-generate-001', {}, { prompt: 'no-render seeded' })).status).toBe(200);
    const [withSeed, without] = emu.stats().jobs.slice(before);
    expect(withSeed?.request_hash).toBe(without?.request_hash); // the seed changes nothing
    expect((await create('veo-3.0-generate-001', { generateAudio: false })).message).toBe("`generateAudio` isn't supported by this model.");
    const top = await http(`${emu.url}/models/veo-3.0-generate-001:predictLongRunning`, jsonInit('POST', { instances: [{ prompt: 'x' }], config: {} }));
    expect(top.body.error.message).toBe('Invalid JSON payload received. Unknown name "config": Cannot find field.');
    const notJson = await http(`${emu.url}/models/veo-3.0-generate-001:predictLongRunning`, jsonInit('POST', '{"instances": ['));
    expect(notJson.status).toBe(400);
    expect((await create('veo-3.0-generate-001', {}, { prompt: '' })).status).toBe(400);
  });

  it('lastFrame, referenceImages and extension only where the model has them, at 8 s', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const image = { bytesBase64Encoded: png, mimeType: 'image/png' };
    const person = { personGeneration: 'allow_adult' };
    expect((await create('veo-3.1-generate-preview', { ...person, durationSeconds: 8 }, { image, lastFrame: image })).status).toBe(200);
    expect((await create('veo-3.1-generate-preview', { ...person, durationSeconds: 6 }, { image, lastFrame: image })).message).toContain(
      'durationSeconds must be 8',
    );
    expect((await create('veo-3.0-generate-001', { ...person }, { image, lastFrame: image })).message).toContain("lastFrame isn't supported");
    const references = [{ image, referenceType: 'asset' }];
    expect((await create('veo-3.1-generate-preview', { ...person }, { referenceImages: references })).status).toBe(200);
    expect((await create('veo-3.1-generate-preview', { ...person, aspectRatio: '9:16' }, { referenceImages: references })).status).toBe(400);
    expect((await create('veo-3.1-fast-generate-preview', { ...person }, { referenceImages: references })).message).toContain(
      "referenceImages isn't supported",
    );
    expect(
      (await create('veo-3.1-generate-preview', { ...person }, { referenceImages: [...references, ...references, ...references, ...references] })).status,
    ).toBe(400);
    expect((await create('veo-3.1-generate-preview', {}, { image: { gcsUri: 'gs://bucket/a.png', mimeType: 'image/png' } })).message).toContain('gcsUri');
  });
});
