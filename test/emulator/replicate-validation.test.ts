import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { startTestEmulator } from './helpers.js';
import { http, jsonInit, NO_RENDER } from './protocol-helpers.js';

/**
 * Reference replicate.md §11 written out: each model's durations (integers), aspect ratios and
 * resolutions, and which fields each takes. Accepted creates are refused later by moderation,
 * so nothing renders.
 */
type Case = [model: string, input: Record<string, unknown>, badField: string | null];

const CASES: Case[] = [
  ...[4, 6, 8].map((duration): Case => ['google/veo-3.1', { duration }, null]),
  ['google/veo-3.1', { duration: 5 }, 'input.duration'],
  ['google/veo-3.1', { duration: '8' }, 'input.duration'],
  ...['720p', '1080p'].map((resolution): Case => ['google/veo-3.1', { resolution }, null]),
  ['google/veo-3.1', { resolution: '4k' }, 'input.resolution'],
  ...['16:9', '9:16'].map((aspect_ratio): Case => ['google/veo-3.1-fast', { aspect_ratio }, null]),
  ['google/veo-3.1-fast', { aspect_ratio: '1:1' }, 'input.aspect_ratio'],
  ['google/veo-3.1', { reference_images: ['https://example.invalid/a.png'] }, null],
  ['google/veo-3.1', { reference_images: [] }, 'input.reference_images'],
  ['google/veo-3-fast', { generate_audio: 'no' }, 'input.generate_audio'],
  ['google/veo-3-fast', { image: 'not-a-uri' }, 'input.image'],
  ['google/veo-3-fast', { seed: 1.5 }, 'input.seed'],
  ...[5, 10].map((duration): Case => ['kwaivgi/kling-v2.1-master', { duration }, null]),
  ['kwaivgi/kling-v2.1-master', { duration: 8 }, 'input.duration'],
  ...['16:9', '9:16', '1:1'].map((aspect_ratio): Case => ['kwaivgi/kling-v2.1-master', { aspect_ratio }, null]),
  ['kwaivgi/kling-v2.1-master', { start_image: 'https://example.invalid/a.png' }, null],
  ...[6, 10].map((duration): Case => ['minimax/hailuo-2.3', { duration, resolution: '768p' }, null]),
  ['minimax/hailuo-2.3', { resolution: '720p' }, 'input.resolution'],
  ['minimax/hailuo-02-fast', { duration: 6, go_fast: true, prompt_optimizer: false }, null],
  ['minimax/hailuo-02-fast', { duration: 5 }, 'input.duration'],
];

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startTestEmulator({ flavor: 'replicate', faults: NO_RENDER, createsPerMinute: null });
});
afterAll(() => emu.close());

describe("replicate flavor: each model's input schema (reference §11)", () => {
  it('accepts the documented values and refuses others with a 422 naming the field', async () => {
    for (const [model, input, badField] of CASES) {
      const label = `${model} ${JSON.stringify(input)}`;
      const result = await http(`${emu.url}/models/${model}/predictions`, jsonInit('POST', { input: { prompt: 'no-render', ...input } }));
      if (badField === null) {
        expect(result.status, `${label}: ${JSON.stringify(result.body)}`).toBe(201);
      } else {
        expect(result.status, label).toBe(422);
        expect(
          result.body.invalid_fields.map((field: { field: string }) => field.field),
          label,
        ).toEqual([badField]);
      }
    }
  });

  it("fills in each model's defaults: what it runs on is what the schema says when a field is left out", async () => {
    const defaults: Array<[string, Record<string, string | number>]> = [
      ['google/veo-3.1', { aspect_ratio: '16:9', duration: 8, resolution: '1080p', generate_audio: 'true' }],
      ['google/veo-3.1-fast', { duration: 8, resolution: '720p' }],
      ['kwaivgi/kling-v2.1-master', { aspect_ratio: '16:9', duration: 5 }],
      ['minimax/hailuo-2.3', { duration: 6, resolution: '768p', prompt_optimizer: 'true' }],
      ['minimax/hailuo-02-fast', { duration: 6, go_fast: 'false' }],
    ];
    for (const [model, expected] of defaults) {
      await http(`${emu.url}/models/${model}/predictions`, jsonInit('POST', { input: { prompt: 'no-render defaults' } }));
      const job = emu.stats().jobs.at(-1)!;
      expect(job.model).toBe(model);
      expect(job.extra, model).toMatchObject(expected);
    }
  });
});
