import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { startTestEmulator } from './helpers.js';
import { http, jsonInit, NO_RENDER, pollUntil } from './protocol-helpers.js';

/**
 * Reference fal-queue.md §12 (and the input types of @fal-ai/client 1.10, which agree), written
 * out here: each endpoint's durations, aspect ratios and resolutions, as the strings the model
 * takes. A valid input gets past validation (the prompt is then refused by moderation, so
 * nothing renders); an invalid one is a 422 naming the field.
 */
type Case = [endpoint: string, input: Record<string, unknown>, badField: string | null];

const CASES: Case[] = [
  ...['5', '10'].map((duration): Case => ['fal-ai/kling-video/v2.1/master/text-to-video', { duration }, null]),
  ['fal-ai/kling-video/v2.1/master/text-to-video', { duration: 5 }, 'duration'],
  ['fal-ai/kling-video/v2.1/master/text-to-video', { duration: '6' }, 'duration'],
  ...['16:9', '9:16', '1:1'].map((aspect_ratio): Case => ['fal-ai/kling-video/v2.1/master/text-to-video', { aspect_ratio }, null]),
  ['fal-ai/kling-video/v2.1/master/text-to-video', { aspect_ratio: '4:3' }, 'aspect_ratio'],
  ['fal-ai/kling-video/v2.1/master/text-to-video', { cfg_scale: 1.5 }, 'cfg_scale'],
  ['fal-ai/kling-video/v2.1/master/image-to-video', {}, 'image_url'],
  ['fal-ai/kling-video/v2.1/master/image-to-video', { image_url: 'https://example.invalid/a.png', duration: '10' }, null],
  ['fal-ai/kling-video/v2.1/master/image-to-video', { image_url: 'not a url' }, 'image_url'],
  ...['4s', '6s', '8s'].map((duration): Case => ['fal-ai/veo3.1', { duration }, null]),
  ['fal-ai/veo3.1', { duration: '8' }, 'duration'],
  ['fal-ai/veo3.1', { duration: 8 }, 'duration'],
  ...['720p', '1080p', '4k'].map((resolution): Case => ['fal-ai/veo3.1/fast', { resolution }, null]),
  ['fal-ai/veo3', { resolution: '4k' }, 'resolution'],
  ['fal-ai/veo3/fast', { aspect_ratio: '1:1' }, 'aspect_ratio'],
  ['fal-ai/veo3.1', { generate_audio: 'maybe' }, 'generate_audio'],
  ['fal-ai/veo3.1', { seed: 'x' }, 'seed'],
  ['fal-ai/veo3.1/reference-to-video', { image_urls: [] }, 'image_urls'],
  ['fal-ai/veo3.1/reference-to-video', { image_urls: ['https://example.invalid/a.png'] }, null],
  ...['6', '10'].map((duration): Case => ['fal-ai/minimax/hailuo-02/standard/text-to-video', { duration }, null]),
  ['fal-ai/minimax/hailuo-02/standard/text-to-video', { duration: '5' }, 'duration'],
  ['fal-ai/wan/v2.2-a14b/text-to-video', { num_frames: 81, frames_per_second: 16, resolution: '580p' }, null],
  ['fal-ai/wan/v2.2-a14b/text-to-video', { num_frames: 16 }, 'num_frames'],
  ['fal-ai/wan/v2.2-a14b/text-to-video', { num_frames: 162 }, 'num_frames'],
  ['fal-ai/wan/v2.2-a14b/text-to-video', { num_frames: 40.5 }, 'num_frames'],
  ['fal-ai/wan/v2.2-a14b/text-to-video', { frames_per_second: 61 }, 'frames_per_second'],
];

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startTestEmulator({ flavor: 'fal', faults: NO_RENDER, inFlightLimit: 1000 });
});
afterAll(() => emu.close());

describe("fal flavor: each endpoint's input model (reference §12)", () => {
  it('accepts the documented values and refuses others with a 422 naming the field', async () => {
    const submitted: any[] = [];
    for (const [endpoint, input] of CASES) submitted.push((await http(`${emu.url}/${endpoint}`, jsonInit('POST', { prompt: 'no-render', ...input }))).body);
    for (const [index, [endpoint, input, badField]] of CASES.entries()) {
      const label = `${endpoint} ${JSON.stringify(input)}`;
      await pollUntil(
        () => http(submitted[index].status_url),
        (result) => result.body.status === 'COMPLETED',
      );
      const result = await http(submitted[index].response_url);
      expect(result.status, label).toBe(422);
      const [first] = result.body.detail;
      if (badField === null) expect(first.type, label).toBe('content_policy_violation');
      else expect(first.loc, label).toEqual(['body', badField]);
    }
  });

  it('words problems as pydantic does: missing, literal, bounds', async () => {
    const submitted = (await http(`${emu.url}/fal-ai/wan/v2.2-a14b/text-to-video`, jsonInit('POST', { num_frames: 200, resolution: '1080p' }))).body;
    await pollUntil(
      () => http(submitted.status_url),
      (result) => result.body.status === 'COMPLETED',
    );
    const { detail } = (await http(submitted.response_url)).body;
    expect(detail).toEqual([
      { loc: ['body', 'prompt'], msg: 'Field required', type: 'missing', input: { num_frames: 200, resolution: '1080p' } },
      {
        loc: ['body', 'resolution'],
        msg: "Input should be '480p', '580p' or '720p'",
        type: 'literal_error',
        input: '1080p',
        ctx: { expected: "'480p', '580p' or '720p'" },
      },
      { loc: ['body', 'num_frames'], msg: 'Input should be less than or equal to 161', type: 'less_than_equal', input: 200, ctx: { le: 161 } },
    ]);
  });
});
