import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { makeClip, readMp4, startTestEmulator, withTempDir } from './helpers.js';
import { waitUntil } from '../helpers/wait-until.js';

/**
 * The official `openai` package (6.49) calling the March-2026 routes: `videos.edit`,
 * `videos.extend`, `videos.createCharacter`, `videos.getCharacter`, and `videos.create` with a
 * cast. The SDK sends multipart for all of them (`video[id]`, `characters[][id]`).
 */

type Video = OpenAI.Videos.Video;
const VIDEO_KEYS = [
  'completed_at',
  'created_at',
  'error',
  'expires_at',
  'id',
  'model',
  'object',
  'progress',
  'prompt',
  'remixed_from_video_id',
  'seconds',
  'size',
  'status',
];

async function untilDone(client: OpenAI, id: string): Promise<Video> {
  return waitUntil(
    async () => {
      const video = await client.videos.retrieve(id);
      return (video.status === 'completed' || video.status === 'failed') && video;
    },
    `video ${id} to finish`,
    20_000,
    25,
  );
}

/** Every field of a just-accepted job, against what the request implies. */
function expectQueued(video: Video, expected: Pick<Video, 'model' | 'size' | 'seconds' | 'prompt' | 'remixed_from_video_id'>): void {
  expect(Object.keys(video).sort()).toEqual(VIDEO_KEYS);
  expect(video.id).toMatch(/^video_[0-9a-f]{48}$/);
  expect(video.object).toBe('video');
  expect(video.status).toBe('queued');
  expect(video.progress).toBe(0);
  expect(Math.abs(video.created_at - Date.now() / 1000)).toBeLessThan(10);
  expect(video.completed_at).toBeNull();
  expect(video.expires_at).toBeNull();
  expect(video.error).toBeNull();
  expect({ model: video.model, size: video.size, seconds: video.seconds, prompt: video.prompt, remixed_from_video_id: video.remixed_from_video_id }).toEqual(
    expected,
  );
}

function expectCompleted(video: Video): void {
  expect(video).toMatchObject({ status: 'completed', progress: 100, error: null });
  expect(video.completed_at).toBeGreaterThanOrEqual(video.created_at);
  expect(video.expires_at).toBe(video.created_at + 86_400);
}

describe('the official openai package against the 2026 routes', () => {
  let emu: RunningEmulator;
  let client: OpenAI;
  beforeAll(async () => {
    emu = await startTestEmulator({ apiKey: 'test', guide2026: true, inFlightLimit: 10 });
    client = new OpenAI({ baseURL: emu.url, apiKey: 'test', maxRetries: 0 });
  });
  afterAll(() => emu.close());

  it('edits a video by id and an uploaded one', async () => {
    const source = await untilDone(client, (await client.videos.create({ prompt: 'A windmill', size: '1280x720', seconds: '8' })).id);
    const edit = await client.videos.edit({ prompt: 'A windmill in snow', video: { id: source.id } });
    expectQueued(edit, { model: 'sora-2', size: '1280x720', seconds: '8', prompt: 'A windmill in snow', remixed_from_video_id: source.id });
    expectCompleted(await untilDone(client, edit.id));

    await withTempDir(async (dir) => {
      const upload = await toFile(await makeClip(720, 1280, 4, dir), 'mill.mp4', { type: 'video/mp4' });
      const edited = await client.videos.edit({ prompt: 'A windmill at dusk', video: upload });
      expectQueued(edited, { model: 'sora-2', size: '720x1280', seconds: '4', prompt: 'A windmill at dusk', remixed_from_video_id: null });
      expectCompleted(await untilDone(client, edited.id));
    });
  });

  it('extends a video: seconds is the stitched total, and the MP4 lasts that long', async () => {
    const source = await untilDone(client, (await client.videos.create({ prompt: 'A canoe', size: '1280x720', seconds: '4' })).id);
    const extension = await client.videos.extend({ prompt: 'The canoe reaches the shore', seconds: '8', video: { id: source.id } });
    expectQueued(extension, { model: 'sora-2', size: '1280x720', seconds: '12', prompt: 'The canoe reaches the shore', remixed_from_video_id: null });
    const done = await untilDone(client, extension.id);
    expectCompleted(done);
    expect(done.seconds).toBe('12');
    const content = await client.videos.downloadContent(done.id);
    expect(content.headers.get('content-type')).toBe('video/mp4');
    const facts = await readMp4(new Uint8Array(await content.arrayBuffer()));
    expect(facts).toMatchObject({ width: 1280, height: 720 });
    expect(facts.duration).toBeCloseTo(12, 0);
    expect(emu.stats().requestsByRoute['POST /v1/videos/extensions']).toBe(1);
  });

  it('creates a character, gets it, and casts it in a create', async () => {
    await withTempDir(async (dir) => {
      const clip = await toFile(await makeClip(1280, 720, 3, dir), 'fox.mp4', { type: 'video/mp4' });
      const character = await client.videos.createCharacter({ name: 'Ember the fox', video: clip });
      expect(Object.keys(character).sort()).toEqual(['created_at', 'id', 'name']);
      expect(character.id).toMatch(/^char_[0-9a-f]{32}$/);
      expect(character.name).toBe('Ember the fox');
      expect(Math.abs(character.created_at - Date.now() / 1000)).toBeLessThan(10);

      const fetched = await client.videos.getCharacter(character.id!);
      expect(fetched).toEqual(character);

      // 6.49's create params do not list `characters` yet; the guide's field goes through as `characters[][id]`.
      const cast = { prompt: 'Ember the fox leaps over a log', size: '1280x720', characters: [{ id: character.id! }] } as OpenAI.Videos.VideoCreateParams;
      const created = await client.videos.create(cast);
      expectQueued(created, { model: 'sora-2', size: '1280x720', seconds: '4', prompt: 'Ember the fox leaps over a log', remixed_from_video_id: null });
      expectCompleted(await untilDone(client, created.id));
      expect(emu.stats().jobs.find((job) => job.id === created.id)?.characters).toEqual([character.id]);

      const unnamed = await client.videos
        .create({ prompt: 'A fox leaps', characters: [{ id: character.id! }] } as OpenAI.Videos.VideoCreateParams)
        .catch((error: unknown) => error);
      expect(unnamed).toBeInstanceOf(OpenAI.BadRequestError);
      expect((unnamed as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('prompt');
    });
  });

  it('surfaces refusals as the SDK error classes', async () => {
    const missing = await client.videos.extend({ prompt: 'p', seconds: '4', video: { id: 'video_gone' } }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    const character = await client.videos.getCharacter('char_gone').catch((error: unknown) => error);
    expect(character).toBeInstanceOf(OpenAI.NotFoundError);
    expect((character as InstanceType<typeof OpenAI.NotFoundError>).message).toContain("Character with id 'char_gone' not found.");
  });
});
