import { GoogleGenAI } from '@google/genai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { makeImage, readMp4, startTestEmulator, withTempDir } from './helpers.js';
import { originOf } from './protocol-helpers.js';
import { waitUntil } from '../helpers/wait-until.js';

/**
 * Google's own client (@google/genai, the last major for Node 20) against the emulator through
 * `httpOptions.baseUrl`: if the emulator and the reference disagreed with the SDK on a path, a
 * field or an envelope, this breaks.
 */
const KEY = 'sdk-key';
let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function client(): Promise<GoogleGenAI> {
  emu = await startTestEmulator({ flavor: 'gemini', apiKey: KEY, createsPerMinute: null });
  return new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: originOf(emu) } });
}

async function untilDone(ai: GoogleGenAI, operation: Awaited<ReturnType<GoogleGenAI['models']['generateVideos']>>) {
  let op = operation;
  await waitUntil(async () => op.done || ((op = await ai.operations.getVideosOperation({ operation: op })), op.done), 'the operation to finish', 30_000, 25);
  return op;
}

describe('gemini flavor with the official @google/genai client', () => {
  it('generateVideos → getVideosOperation → files.download gives the MP4 the config asked for', async () => {
    const ai = await client();
    const operation = await ai.models.generateVideos({
      model: 'veo-3.1-fast-generate-preview',
      source: { prompt: 'a paper boat on a puddle' },
      config: { aspectRatio: '9:16', durationSeconds: 4, negativePrompt: 'blur', numberOfVideos: 1, personGeneration: 'allow_all' },
    });
    expect(operation.name).toMatch(/^models\/veo-3\.1-fast-generate-preview\/operations\/[a-z0-9]{12}$/);
    const done = await untilDone(ai, operation);
    const generated = done.response?.generatedVideos?.[0];
    const uri = generated?.video?.uri ?? '';
    expect(uri).toContain('/v1beta/files/');
    expect(emu!.stats().jobs[0]?.extra).toMatchObject({ aspectRatio: '9:16', negativePrompt: 'blur', personGeneration: 'allow_all' });

    await withTempDir(async (dir) => {
      // The SDK extracts a file name from https:// URIs only; the emulator serves plain http, so
      // the test names the file as the SDK itself would (`files/{id}`, reference §2 tFileName).
      const fileId = /files\/([a-z0-9]+)/.exec(uri)![1];
      const downloadPath = join(dir, 'out.mp4');
      await ai.files.download({ file: `files/${fileId}`, downloadPath });
      const facts = await readMp4(await readFile(downloadPath));
      expect(facts).toMatchObject({ width: 720, height: 1280, audioCodec: 'aac' });
      expect(facts.duration).toBeCloseTo(4, 0);
    });
  });

  it('sends an image as bytes and reads a safety block as raiMediaFilteredCount, an invalid value as an ApiError', async () => {
    const ai = await client();
    await withTempDir(async (dir) => {
      const image = await makeImage(320, 180, 'jpg', dir);
      const op = await ai.models.generateVideos({
        model: 'veo-3.0-generate-001',
        source: { prompt: 'from the picture', image: { imageBytes: image.toString('base64'), mimeType: 'image/jpeg' } },
        config: { durationSeconds: 4, personGeneration: 'allow_adult' },
      });
      expect((await untilDone(ai, op)).response?.generatedVideos).toHaveLength(1);
    });

    const ops = await fetch(`${originOf(emu!)}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ moderation: { failPattern: 'unsafe' } }),
    });
    expect(ops.status).toBe(200);
    const refused = await untilDone(ai, await ai.models.generateVideos({ model: 'veo-3.1-generate-preview', source: { prompt: 'something unsafe' } }));
    expect(refused.error).toBeUndefined();
    expect(refused.response?.raiMediaFilteredCount).toBe(1);
    expect(refused.response?.raiMediaFilteredReasons?.[0]).toContain('not been charged');
    expect(refused.response?.generatedVideos ?? []).toHaveLength(0);

    await expect(
      ai.models.generateVideos({ model: 'veo-3.1-generate-preview', source: { prompt: 'x' }, config: { aspectRatio: '4:3' } }),
    ).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('INVALID_ARGUMENT'),
    });
  });
});
