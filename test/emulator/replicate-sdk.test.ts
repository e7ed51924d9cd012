import Replicate, { type Prediction } from 'replicate';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { makeImage, readMp4, startTestEmulator, withTempDir } from './helpers.js';

/**
 * Replicate's own JavaScript client against the emulator through its `baseUrl` option: paths,
 * headers (`Prefer: wait`, `Cancel-After`), bodies, the prediction object and the list's cursor
 * URLs are the client's own reading of the API.
 */
const TOKEN = 'r8_sdk_token';
let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function client(options: { faults?: object } = {}): Promise<Replicate> {
  emu = await startTestEmulator({ flavor: 'replicate', apiKey: TOKEN, fps: 2, ...options });
  return new Replicate({ auth: TOKEN, baseUrl: emu.url, useFileOutput: false });
}

describe('replicate flavor with the official replicate client', () => {
  it('run() blocks with Prefer: wait and returns the output URL; create → wait → get by hand agrees', async () => {
    const replicate = await client();
    // A job short enough to finish inside the wait (the simulated generation of a 4 s 720p clip
    // takes about 30 s; a 5 s 1080p Kling clip takes over 60 s, and the client reads a prediction
    // still processing after the wait as finished, with a null output).
    const output = (await replicate.run('google/veo-3.1-fast', { input: { prompt: 'a windmill', aspect_ratio: '9:16', duration: 4 } })) as unknown as string;
    expect(typeof output, JSON.stringify(output)).toBe('string');
    expect(await readMp4(Buffer.from(await (await fetch(output)).arrayBuffer()))).toMatchObject({ width: 720, height: 1280, audioCodec: 'aac' });

    const created = await replicate.predictions.create({ model: 'google/veo-3.1-fast', input: { prompt: 'tide', duration: 4 } });
    expect(created.status).toBe('starting');
    const done = await replicate.wait(created, { interval: 25 });
    expect(done.status).toBe('succeeded');
    expect((await replicate.predictions.get(created.id)).output).toBe(done.output);
    const facts = await readMp4(Buffer.from(await (await fetch(done.output as string)).arrayBuffer()));
    expect(facts).toMatchObject({ width: 1280, height: 720, audioCodec: 'aac' });
    expect(facts.duration).toBeCloseTo(4, 0);
  });

  // A file input goes as a data: URL string. (The client's own `fileEncodingStrategy: "data-uri"`
  // is broken in 1.4.0: it encodes its arguments in the wrong order and sends an empty input;
  // its default strategy uploads to the Files API, which the emulator does not serve.)
  it('sends a file input as a data URL, cancels, pages through the list, and raises ApiError on a 422', async () => {
    const replicate = await client({ faults: { stuckPattern: 'held' } });
    await withTempDir(async (dir) => {
      const image = `data:image/png;base64,${(await makeImage(360, 640, 'png', dir)).toString('base64')}`;
      const prediction = await replicate.predictions.create({
        model: 'minimax/hailuo-02-fast',
        input: { prompt: 'from an image', first_frame_image: image },
        wait: 30,
      });
      expect(prediction.status).toBe('succeeded');
      expect((prediction.input as Record<string, unknown>)['first_frame_image']).toBe(image);
      // The output takes the first frame's aspect ratio: portrait.
      expect(await readMp4(Buffer.from(await (await fetch(prediction.output as string)).arrayBuffer()))).toMatchObject({ width: 512, height: 912 });
    });
    const held = await replicate.predictions.create({ model: 'google/veo-3-fast', input: { prompt: 'held in the queue' } });
    expect((await replicate.predictions.cancel(held.id)).status).toBe('canceled');
    const seen: Prediction[] = [];
    for await (const page of replicate.paginate(replicate.predictions.list)) seen.push(...page);
    expect(seen.map((each) => each.id)).toEqual(
      emu!
        .stats()
        .jobs.map((job) => job.id)
        .reverse(),
    );
    await expect(replicate.predictions.create({ model: 'google/veo-3.1', input: { prompt: 'x', duration: 5 } })).rejects.toMatchObject({
      response: { status: 422 },
      message: expect.stringContaining('duration must be one of the following: 4, 6, 8'),
    });
  });
});
