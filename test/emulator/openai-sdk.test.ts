import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { readMp4, startTestEmulator } from './helpers.js';
import { waitUntil } from '../helpers/wait-until.js';

async function untilDone(client: OpenAI, id: string): Promise<OpenAI.Videos.Video> {
  return waitUntil(
    async () => {
      const video = await client.videos.retrieve(id);
      return (video.status === 'completed' || video.status === 'failed') && video;
    },
    `video ${id} to finish`,
    10_000,
    25,
  );
}

describe('the official openai package as a client', () => {
  let emu: RunningEmulator;
  let client: OpenAI;
  beforeAll(async () => {
    emu = await startTestEmulator({ apiKey: 'test' });
    client = new OpenAI({ baseURL: emu.url, apiKey: 'test', maxRetries: 0 });
  });
  afterAll(() => emu.close());

  it('creates, retrieves, lists, downloads every variant, remixes and deletes', async () => {
    const created = await client.videos.create({ prompt: 'A lighthouse in fog', model: 'sora-2', size: '1280x720', seconds: '4' });
    expect(created).toMatchObject({ object: 'video', status: expect.stringMatching(/queued|in_progress/), size: '1280x720', seconds: '4' });
    expect(emu.stats().requestsByRoute['POST /v1/videos']).toBe(1);

    const done = await untilDone(client, created.id);
    expect(done.status).toBe('completed');

    const page = await client.videos.list({ limit: 10, order: 'desc' });
    expect(page.data.map((video) => video.id)).toContain(created.id);

    const video = await client.videos.downloadContent(created.id, { variant: 'video' });
    expect(video.headers.get('content-type')).toBe('video/mp4');
    expect(await readMp4(new Uint8Array(await video.arrayBuffer()))).toMatchObject({ width: 1280, height: 720, audioCodec: 'aac' });
    const thumbnail = await client.videos.downloadContent(created.id, { variant: 'thumbnail' });
    expect(
      Buffer.from(await thumbnail.arrayBuffer())
        .subarray(8, 12)
        .toString('latin1'),
    ).toBe('WEBP');
    const sprites = await client.videos.downloadContent(created.id, { variant: 'spritesheet' });
    expect([...Buffer.from(await sprites.arrayBuffer()).subarray(0, 2)]).toEqual([0xff, 0xd8]);

    const remix = await client.videos.remix(created.id, { prompt: 'The lighthouse at sunset' });
    expect(remix).toMatchObject({ remixed_from_video_id: created.id, size: '1280x720', seconds: '4', model: 'sora-2' });
    expect((await untilDone(client, remix.id)).status).toBe('completed');

    const deleted = await client.videos.delete(remix.id);
    expect(deleted).toEqual({ id: remix.id, object: 'video.deleted', deleted: true });
    await expect(client.videos.retrieve(remix.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('surfaces the emulator errors as the SDK error classes', async () => {
    const badRequest = await client.videos.create({ prompt: 'p', seconds: '10' as '4' }).catch((error: unknown) => error);
    expect(badRequest).toBeInstanceOf(OpenAI.BadRequestError);
    expect((badRequest as InstanceType<typeof OpenAI.BadRequestError>).message).toContain("Invalid value: '10'. Supported values are: '4', '8', and '12'.");
    expect((badRequest as InstanceType<typeof OpenAI.BadRequestError>).requestID).toMatch(/^req_/);

    const unauthorised = new OpenAI({ baseURL: emu.url, apiKey: 'wrong', maxRetries: 0 });
    await expect(unauthorised.videos.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
