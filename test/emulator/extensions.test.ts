import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator, VideoObject } from '../../src/emulator/index.js';
import {
  createVideo,
  download,
  ENVELOPE_KEYS,
  frameHashes,
  framePixels,
  makeClip,
  pixelDistance,
  postJson,
  readMp4,
  requestJson,
  startTestEmulator,
  waitForStatus,
  withTempDir,
} from './helpers.js';

/**
 * `POST /v1/videos/extensions`: a new job whose MP4 is its source, frame for frame, followed by
 * the new seconds, which open on the source's last frame; `seconds` is the stitched total.
 * Checked on the parsed MP4 and on decoded pixels.
 */

function extend(emu: RunningEmulator, body: Record<string, unknown>) {
  return postJson<VideoObject & { error: any }>(`${emu.url}/videos/extensions`, body);
}

async function saveVideo(emu: RunningEmulator, id: string, dir: string, name: string): Promise<{ path: string; bytes: Buffer }> {
  const { status, bytes } = await download(emu, id, 'video');
  expect(status).toBe(200);
  const path = join(dir, name);
  await writeFile(path, bytes);
  return { path, bytes };
}

describe('extensions: real media', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ inFlightLimit: 10 });
  });
  afterAll(() => emu.close());

  it('continues a video: the source frame for frame, then the new seconds opening on its last frame', async () => {
    await withTempDir(async (dir) => {
      const source = await waitForStatus(emu, (await createVideo(emu, { prompt: 'A kite over the dunes', size: '1280x720', seconds: '4' })).body.id);
      const created = await extend(emu, { prompt: 'The kite climbs into the clouds', seconds: '8', video: { id: source.id } });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({
        object: 'video',
        model: 'sora-2',
        size: '1280x720',
        seconds: '12',
        prompt: 'The kite climbs into the clouds',
        remixed_from_video_id: null,
        error: null,
      });
      expect(created.body.id).toMatch(/^video_[0-9a-f]{48}$/);
      expect(created.body.id).not.toBe(source.id);
      const done = await waitForStatus(emu, created.body.id);
      expect(done).toMatchObject({ status: 'completed', seconds: '12', progress: 100 });
      expect(done.expires_at).toBe(done.created_at + 86_400);

      const before = await saveVideo(emu, source.id, dir, 'source.mp4');
      const after = await saveVideo(emu, done.id, dir, 'extended.mp4');
      const facts = await readMp4(after.bytes);
      expect(facts).toMatchObject({ width: 1280, height: 720, videoCodec: 'avc', audioCodec: 'aac' });
      expect(facts.duration).toBeCloseTo(12, 0);

      const sourceFrames = await frameHashes(before.path);
      const extendedFrames = await frameHashes(after.path);
      expect(sourceFrames).toHaveLength(16); // 4 s at the tests' 4 fps
      expect(extendedFrames).toHaveLength(48);
      expect(extendedFrames.slice(0, 16)).toEqual(sourceFrames); // pixel-identical: copied, not re-encoded
      expect(extendedFrames.slice(16)).not.toContain(sourceFrames[0]);

      // The new seconds open on the source's last frame (held for a second), then move on.
      const lastOfSource = await framePixels(before.path, 3.7); // the last frame: 3.75 s at 4 fps
      const opening = await framePixels(after.path, 4);
      expect(pixelDistance(opening, lastOfSource)).toBeLessThan(3);
      expect(pixelDistance(opening, await framePixels(before.path, 3.2))).toBeGreaterThan(3 * pixelDistance(opening, lastOfSource));
      expect(pixelDistance(await framePixels(after.path, 10), lastOfSource)).toBeGreaterThan(20);

      expect((await download(emu, done.id, 'thumbnail')).bytes.subarray(8, 12).toString('latin1')).toBe('WEBP');
      expect([...(await download(emu, done.id, 'spritesheet')).bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
      expect(emu.stats().requestsByRoute['POST /v1/videos/extensions']).toBeGreaterThanOrEqual(1);
      expect(emu.stats().jobs.find((job) => job.id === done.id)).toMatchObject({ source: { kind: 'extension', video_id: source.id }, seconds: '12' });
    });
  });

  it('takes the multipart form the SDKs send (video[id]) and an uploaded MP4, held or cut to whole seconds', async () => {
    await withTempDir(async (dir) => {
      const source = await waitForStatus(emu, (await createVideo(emu, { prompt: 'A tram at night' })).body.id);
      const form = new FormData();
      form.set('prompt', 'The tram turns the corner');
      form.set('seconds', '4');
      form.set('video[id]', source.id);
      const byId = await requestJson<VideoObject>(`${emu.url}/videos/extensions`, { method: 'POST', body: form });
      expect(byId.status).toBe(200);
      expect(byId.body).toMatchObject({ seconds: '8', size: '720x1280' });

      // 5.4 s of silent video: counted as 5 s, held or cut to it, given a silent track for the stitch.
      const clip = await makeClip(720, 1280, 5.4, dir, { audio: false });
      const upload = new FormData();
      upload.set('prompt', 'The street empties');
      upload.set('seconds', '4');
      upload.set('video', new Blob([clip], { type: 'video/mp4' }), 'street.mp4');
      const uploaded = await requestJson<VideoObject>(`${emu.url}/videos/extensions`, { method: 'POST', body: upload });
      expect(uploaded.status).toBe(200);
      expect(uploaded.body).toMatchObject({ seconds: '9', size: '720x1280', model: 'sora-2' });
      const done = await waitForStatus(emu, uploaded.body.id);
      expect(done.status).toBe('completed');
      const facts = await readMp4((await download(emu, done.id, 'video')).bytes);
      expect(facts).toMatchObject({ width: 720, height: 1280, audioCodec: 'aac' });
      expect(facts.duration).toBeCloseTo(9, 0);
      expect(emu.stats().jobs.find((job) => job.id === done.id)?.source).toEqual({ kind: 'extension', video_id: null });
    });
  });
});

describe('extensions: state, faults and expiry', () => {
  it('finishes an extension that was in flight at a restart, from the source kept in the state directory; then it expires', async () => {
    await withTempDir(async (stateDir) => {
      const first = await startTestEmulator({ stateDir, speed: 1 });
      const source = await createVideo(first, { prompt: 'A lantern' });
      first.advanceClock(60);
      await waitForStatus(first, source.body.id, 'completed');
      const extension = await extend(first, { prompt: 'The lantern dims', seconds: '4', video: { id: source.body.id } });
      expect(extension.status).toBe(200);
      await first.close();

      const second = await startTestEmulator({ stateDir, speed: 1 });
      try {
        expect((await requestJson<VideoObject>(`${second.url}/videos/${extension.body.id}`)).body.status).toMatch(/queued|in_progress/);
        second.advanceClock(60);
        const done = await waitForStatus(second, extension.body.id);
        expect(done).toMatchObject({ status: 'completed', seconds: '8' });
        expect((await readMp4((await download(second, done.id, 'video')).bytes)).duration).toBeCloseTo(8, 0);
        expect(second.stats().jobs.map((job) => job.id)).toEqual([source.body.id, extension.body.id]);
        second.advanceClock(86_400);
        expect((await download(second, done.id, 'video')).status).toBe(404);
      } finally {
        await second.close();
      }
    });
  });

  it('meets injected faults like a create: a 429 storm and a connection dropped after the job is committed', async () => {
    const emu = await startTestEmulator({ inFlightLimit: 10 });
    try {
      const source = await waitForStatus(emu, (await createVideo(emu, { prompt: 'faults' })).body.id);
      await postJson(`${emu.url.replace(/\/v1$/, '')}/_emulator/faults`, { rateLimit: { rate: 1, retryAfterSeconds: 3 } });
      const throttled = await extend(emu, { prompt: 'p', seconds: '4', video: { id: source.id } });
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toBe('3');
      await postJson(`${emu.url.replace(/\/v1$/, '')}/_emulator/faults`, { dropConnection: { afterCommit: 1 } });
      await expect(extend(emu, { prompt: 'dropped', seconds: '4', video: { id: source.id } })).rejects.toThrow();
      expect(emu.stats().jobs.map((job) => job.prompt)).toEqual(['faults', 'dropped']);
      expect(emu.stats().createsRejected429).toBe(1);
    } finally {
      await emu.close();
    }
  });
});

describe('extensions: validation and limits', () => {
  let emu: RunningEmulator;
  let source: VideoObject;
  beforeAll(async () => {
    emu = await startTestEmulator({ inFlightLimit: 10 });
    source = await waitForStatus(emu, (await createVideo(emu, { prompt: 'A source' })).body.id);
  });
  afterAll(() => emu.close());

  const rejections = () => [
    {
      name: 'no seconds',
      body: { prompt: 'p', video: { id: source.id } },
      message: "Missing required parameter: 'seconds'.",
      param: 'seconds',
      code: 'missing_required_parameter',
    },
    {
      name: 'seconds outside the enum',
      body: { prompt: 'p', seconds: '5', video: { id: source.id } },
      message: "Invalid value: '5'. Supported values are: '4', '8', and '12'.",
      param: 'seconds',
      code: 'invalid_value',
    },
    {
      name: 'guide-2026 seconds without the switch',
      body: { prompt: 'p', seconds: '20', video: { id: source.id } },
      message: "Invalid value: '20'. Supported values are: '4', '8', and '12'.",
      param: 'seconds',
      code: 'invalid_value',
    },
    {
      name: 'no video',
      body: { prompt: 'p', seconds: '4' },
      message: "Missing required parameter: 'video'.",
      param: 'video',
      code: 'missing_required_parameter',
    },
    {
      name: 'a video id as a bare string',
      body: { prompt: 'p', seconds: '4', video: source.id },
      message: "Invalid type for 'video': expected an object with an 'id', but got a string instead.",
      param: 'video',
      code: 'invalid_type',
    },
    {
      name: 'a video object without an id',
      body: { prompt: 'p', seconds: '4', video: {} },
      message: "Missing required parameter: 'video.id'.",
      param: 'video.id',
      code: 'missing_required_parameter',
    },
    {
      name: 'no prompt',
      body: { seconds: '4', video: { id: source.id } },
      message: "Missing required parameter: 'prompt'.",
      param: 'prompt',
      code: 'missing_required_parameter',
    },
    {
      name: 'characters (extensions take none)',
      body: { prompt: 'p', seconds: '4', video: { id: source.id }, characters: [{ id: 'char_1' }] },
      message: "Unknown parameter: 'characters'.",
      param: 'characters',
      code: 'unknown_parameter',
    },
    {
      name: 'an image reference',
      body: { prompt: 'p', seconds: '4', video: { id: source.id }, input_reference: { file_id: 'file-1' } },
      message: "Unknown parameter: 'input_reference'.",
      param: 'input_reference',
      code: 'unknown_parameter',
    },
  ];

  it('answers each mistake with the real API message in the envelope', async () => {
    for (const { name, body, message, param, code } of rejections()) {
      const response = await extend(emu, body);
      expect(response.status, name).toBe(400);
      expect(Object.keys(response.body.error).sort(), name).toEqual(ENVELOPE_KEYS);
      expect(response.body.error, name).toEqual({ message, type: 'invalid_request_error', param, code });
    }
  });

  it('refuses a source that is unknown, still running or expired', async () => {
    const unknown = await extend(emu, { prompt: 'p', seconds: '4', video: { id: `video_${'0'.repeat(48)}` } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe(`Video with id 'video_${'0'.repeat(48)}' not found.`);

    const stuck = await startTestEmulator({ faults: { stuckPattern: 'never' } });
    try {
      const running = await createVideo(stuck, { prompt: 'never finishes' });
      const refused = await extend(stuck, { prompt: 'p', seconds: '4', video: { id: running.body.id } });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({
        message: `Video '${running.body.id}' is queued; only a completed video can be extended.`,
        code: 'invalid_video_status',
      });
      const done = await waitForStatus(stuck, (await createVideo(stuck, { prompt: 'finishes' })).body.id);
      stuck.advanceClock(86_400);
      const expired = await extend(stuck, { prompt: 'p', seconds: '4', video: { id: done.id } });
      expect(expired.status).toBe(404);
      expect(expired.body.error.message).toBe(`Video '${done.id}' has expired and can no longer be extended.`);
    } finally {
      await stuck.close();
    }
  });

  it('refuses a seventh extension in a chain', async () => {
    let current = source;
    for (let n = 1; n <= 6; n++) {
      const next = await extend(emu, { prompt: `extension ${n}`, seconds: '4', video: { id: current.id } });
      expect(next.status, `extension ${n}`).toBe(200);
      current = await waitForStatus(emu, next.body.id);
      expect(current).toMatchObject({ status: 'completed', seconds: String(4 + 4 * n) });
    }
    const seventh = await extend(emu, { prompt: 'extension 7', seconds: '4', video: { id: current.id } });
    expect(seventh.status).toBe(400);
    expect(seventh.body.error).toEqual({
      message: `Video '${current.id}' has already been extended 6 times; a video can be extended at most 6 times.`,
      type: 'invalid_request_error',
      param: 'video',
      code: 'invalid_value',
    });
    // An edit of the 6-times extended video keeps its count: no way around the limit.
    const edited = await waitForStatus(
      emu,
      (await postJson<VideoObject>(`${emu.url}/videos/edits`, { prompt: 'recoloured', video: { id: current.id } })).body.id,
    );
    expect(edited.seconds).toBe('28');
    expect((await extend(emu, { prompt: 'extension 7', seconds: '4', video: { id: edited.id } })).body.error.message).toContain(
      'has already been extended 6 times',
    );
  });

  it('refuses to go past 120 seconds in all', async () => {
    // An emulator of its own, closed at the end: the 118 s extension it accepts is not rendered
    // on beside the other tests. A silent clip at 1 fps is the quickest 110 s upload to make.
    const own = await startTestEmulator();
    await withTempDir(async (dir) => {
      const clip = await makeClip(720, 1280, 110, dir, { fps: 1, audio: false });
      const form = new FormData();
      form.set('prompt', 'twelve more');
      form.set('seconds', '12');
      form.set('video', new Blob([clip], { type: 'video/mp4' }), 'long.mp4');
      const refused = await requestJson(`${own.url}/videos/extensions`, { method: 'POST', body: form });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toEqual({
        message:
          "Invalid 'seconds': extending video 'upload' (110 seconds) by 12 seconds would make it 122 seconds long; an extended video can be at most 120 seconds long.",
        type: 'invalid_request_error',
        param: 'seconds',
        code: 'invalid_value',
      });
      form.set('seconds', '8');
      const accepted = await requestJson<VideoObject>(`${own.url}/videos/extensions`, { method: 'POST', body: form });
      expect(accepted.status).toBe(200);
      expect(accepted.body.seconds).toBe('118');
    }).finally(() => own.close());
  });

  it('allows 16 and 20 seconds in guide-2026 mode', async () => {
    const guide = await startTestEmulator({ guide2026: true });
    try {
      const base = await waitForStatus(guide, (await createVideo(guide, { prompt: 'guide' })).body.id);
      const longer = await extend(guide, { prompt: 'twenty more', seconds: 20, video: { id: base.id } });
      expect(longer.status).toBe(200);
      expect(longer.body.seconds).toBe('24');
    } finally {
      await guide.close();
    }
  });
});
