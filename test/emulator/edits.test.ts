import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator, VideoObject } from '../../src/emulator/index.js';
import { createVideo, download, ENVELOPE_KEYS, makeClip, postJson, readMp4, requestJson, startTestEmulator, waitForStatus, withTempDir } from './helpers.js';

/**
 * `POST /v1/videos/edits`, the contract's replacement for remix: a new job from a completed
 * video (JSON `{id}`, form `video[id]`) or from an uploaded MP4; `model` is ignored for the
 * former (decision 10) and names the model for the latter.
 */

function edit(emu: RunningEmulator, body: Record<string, unknown>) {
  return postJson<VideoObject & { error: any }>(`${emu.url}/videos/edits`, body);
}

describe('edits', () => {
  let emu: RunningEmulator;
  let source: VideoObject;
  beforeAll(async () => {
    emu = await startTestEmulator({ inFlightLimit: 20 });
    source = await waitForStatus(emu, (await createVideo(emu, { prompt: 'A red door', model: 'sora-2-pro', size: '1792x1024', seconds: '8' })).body.id);
  });
  afterAll(() => emu.close());

  it('edits a video by id in JSON: a new job that inherits model, size and seconds and names its source', async () => {
    const created = await edit(emu, { prompt: 'A blue door', video: { id: source.id }, model: 'sora-2' });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      object: 'video',
      status: 'queued',
      progress: 0,
      model: 'sora-2-pro',
      size: '1792x1024',
      seconds: '8',
      prompt: 'A blue door',
      remixed_from_video_id: source.id,
      completed_at: null,
      expires_at: null,
      error: null,
    });
    expect(created.body.id).toMatch(/^video_[0-9a-f]{48}$/);
    const done = await waitForStatus(emu, created.body.id);
    expect(done.status).toBe('completed');
    const facts = await readMp4((await download(emu, done.id, 'video')).bytes);
    expect(facts).toMatchObject({ width: 1792, height: 1024, videoCodec: 'avc', audioCodec: 'aac' });
    expect(facts.duration).toBeCloseTo(8, 0);
    // A new render, not the source's bytes.
    expect((await download(emu, done.id, 'video')).bytes.equals((await download(emu, source.id, 'video')).bytes)).toBe(false);
    expect(emu.stats().requestsByRoute['POST /v1/videos/edits']).toBeGreaterThanOrEqual(1);
    expect(emu.stats().jobs.find((job) => job.id === done.id)).toMatchObject({ source: { kind: 'edit', video_id: source.id }, remixed_from: source.id });
  });

  it('takes the form the SDK sends (video[id]) and an uploaded MP4 with the model it names', async () => {
    await withTempDir(async (dir) => {
      const form = new FormData();
      form.set('prompt', 'A green door');
      form.set('video[id]', source.id);
      const byId = await requestJson<VideoObject>(`${emu.url}/videos/edits`, { method: 'POST', body: form });
      expect(byId.status).toBe(200);
      expect(byId.body).toMatchObject({ remixed_from_video_id: source.id, size: '1792x1024', seconds: '8' });

      const upload = new FormData();
      upload.set('prompt', 'A yellow door');
      upload.set('model', 'sora-2-pro');
      upload.set('video', new Blob([await makeClip(1024, 1792, 6, dir)], { type: 'video/mp4' }), 'door.mp4');
      const uploaded = await requestJson<VideoObject>(`${emu.url}/videos/edits`, { method: 'POST', body: upload });
      expect(uploaded.status).toBe(200);
      expect(uploaded.body).toMatchObject({ model: 'sora-2-pro', size: '1024x1792', seconds: '6', remixed_from_video_id: null });
      const done = await waitForStatus(emu, uploaded.body.id);
      expect(done.status).toBe('completed');
      expect((await readMp4((await download(emu, done.id, 'video')).bytes)).duration).toBeCloseTo(6, 0);
    });
  });

  it('answers each mistake with the real API message in the envelope', async () => {
    await withTempDir(async (dir) => {
      const cases: Array<{ name: string; body: Record<string, unknown> | FormData; status?: number; error: Record<string, unknown> }> = [
        {
          name: 'no video',
          body: { prompt: 'p' },
          error: { message: "Missing required parameter: 'video'.", param: 'video', code: 'missing_required_parameter' },
        },
        {
          name: 'no prompt',
          body: { video: { id: source.id } },
          error: { message: "Missing required parameter: 'prompt'.", param: 'prompt', code: 'missing_required_parameter' },
        },
        {
          name: 'an unknown key in video',
          body: { prompt: 'p', video: { id: source.id, url: 'x' } },
          error: { message: "Unknown parameter: 'video.url'.", param: 'video.url', code: 'unknown_parameter' },
        },
        {
          name: 'a number as the id',
          body: { prompt: 'p', video: { id: 7 } },
          error: { message: "Invalid type for 'video.id': expected a string, but got an integer instead.", param: 'video.id', code: 'invalid_type' },
        },
        {
          name: 'seconds (edits keep the source length)',
          body: { prompt: 'p', video: { id: source.id }, seconds: '4' },
          error: { message: "Unknown parameter: 'seconds'.", param: 'seconds', code: 'unknown_parameter' },
        },
        {
          name: 'an unknown video',
          body: { prompt: 'p', video: { id: 'video_missing' } },
          status: 404,
          error: { message: "Video with id 'video_missing' not found.", param: null, code: null },
        },
        {
          name: 'a file that is no MP4',
          body: form({ prompt: 'p', video: new Blob([Buffer.from('not a video at all')], { type: 'video/mp4' }) }),
          error: { message: "Invalid file format for 'video'. Supported formats are: 'video/mp4'.", param: 'video', code: 'invalid_file_format' },
        },
        {
          name: 'an upload of a size the model lacks',
          body: form({ prompt: 'p', video: new Blob([await makeClip(640, 360, 2, dir)]) }),
          error: { message: "Invalid 'video': the video is 640x360; sora-2 supports '720x1280' and '1280x720'.", param: 'video', code: 'invalid_value' },
        },
        {
          name: 'an upload longer than a generation',
          body: form({ prompt: 'p', video: new Blob([await makeClip(1280, 720, 13, dir, { fps: 2 })]) }),
          error: {
            message: expect.stringMatching(/^Invalid 'video': the video lasts 13\.\d\d seconds; expected from 1 to 12 seconds\.$/),
            param: 'video',
            code: 'invalid_value',
          },
        },
        {
          name: 'a bare string for video in a form',
          body: form({ prompt: 'p', video: source.id }),
          error: {
            message: "Invalid type for 'video': expected a file or an object with an 'id', but got a string instead.",
            param: 'video',
            code: 'invalid_type',
          },
        },
      ];
      for (const { name, body, status, error } of cases) {
        const response = body instanceof FormData ? await requestJson(`${emu.url}/videos/edits`, { method: 'POST', body }) : await edit(emu, body);
        expect(response.status, name).toBe(status ?? 400);
        expect(Object.keys(response.body.error).sort(), name).toEqual(ENVELOPE_KEYS);
        expect(response.body.error, name).toEqual({ type: 'invalid_request_error', ...error });
      }
    });
  });

  it('goes through the same limits as a create: 429 beyond the jobs in flight, moderation, injected faults', async () => {
    const busy = await startTestEmulator({ speed: 1, faults: { moderation: { blockPattern: 'forbidden' } } });
    try {
      const first = await createVideo(busy, { prompt: 'first' });
      busy.advanceClock(60);
      const done = await waitForStatus(busy, first.body.id);
      await createVideo(busy, { prompt: 'second' });
      await createVideo(busy, { prompt: 'third' });
      const refused = await edit(busy, { prompt: 'an edit too many', video: { id: done.id } });
      expect(refused.status).toBe(429);
      expect(refused.body.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const blocked = await edit(busy, { prompt: 'something forbidden', video: { id: done.id } });
      expect(blocked.body.error.code).toBe('moderation_blocked');
      expect(busy.stats().createsRejected429).toBe(1);
    } finally {
      await busy.close();
    }

    const faulty = await startTestEmulator({ faults: { serverError: { rate: 1, routes: ['edit'] } } });
    try {
      const done = await waitForStatus(faulty, (await createVideo(faulty, { prompt: 'fine' })).body.id);
      const failed = await edit(faulty, { prompt: 'p', video: { id: done.id } });
      expect(failed.status).toBe(500);
      expect(faulty.stats().jobs).toHaveLength(1); // the 5xx came before any effect
    } finally {
      await faulty.close();
    }
  });
});

function form(fields: Record<string, string | Blob>): FormData {
  const body = new FormData();
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'string') body.set(key, value);
    else body.set(key, value, 'upload.mp4');
  }
  return body;
}
