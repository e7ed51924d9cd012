import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { createVideo, download, makeImage, readMp4, requestJson, startTestEmulator, waitForStatus, withTempDir } from './helpers.js';

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

describe('create, poll, download: real media', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu.close());

  it('renders a JSON create into a playable MP4, a WebP thumbnail and a JPEG spritesheet', async () => {
    const created = await createVideo(emu, { prompt: 'A paper boat on a puddle', seconds: '4' });
    expect(created.status).toBe(200);
    expect(Object.keys(created.body).sort()).toEqual(VIDEO_KEYS);
    expect(created.body).toMatchObject({
      object: 'video',
      model: 'sora-2',
      size: '720x1280',
      seconds: '4',
      completed_at: null,
      expires_at: null,
      error: null,
      remixed_from_video_id: null,
    });
    expect(created.body.id).toMatch(/^video_[0-9a-f]{48}$/);
    expect(created.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]+$/);

    const done = await waitForStatus(emu, created.body.id);
    expect(done).toMatchObject({ status: 'completed', progress: 100 });
    expect(done.expires_at).toBe(done.created_at + 86_400);
    expect(done.completed_at).toBeGreaterThanOrEqual(done.created_at);

    const video = await download(emu, done.id, 'video');
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toBe('video/mp4');
    expect(Number(video.headers.get('content-length'))).toBe(video.bytes.length);
    expect(video.bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
    const mp4 = await readMp4(video.bytes);
    expect(mp4).toMatchObject({ width: 720, height: 1280, videoCodec: 'avc', audioCodec: 'aac' });
    expect(mp4.duration).toBeCloseTo(4, 0);

    const thumbnail = await download(emu, done.id, 'thumbnail');
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    expect(thumbnail.bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(thumbnail.bytes.subarray(8, 12).toString('latin1')).toBe('WEBP');
    expect(Number(thumbnail.headers.get('content-length'))).toBe(thumbnail.bytes.length);

    const sprites = await download(emu, done.id, 'spritesheet');
    expect(sprites.headers.get('content-type')).toBe('image/jpeg');
    expect([...sprites.bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  });

  it('accepts multipart with an image file part of the exact size, and renders the requested size and duration', async () => {
    await withTempDir(async (dir) => {
      const png = await makeImage(1280, 720, 'png', dir);
      const form = new FormData();
      form.set('prompt', 'Waves at dawn');
      form.set('model', 'sora-2-pro');
      form.set('size', '1280x720');
      form.set('seconds', '8');
      form.set('input_reference', new Blob([png], { type: 'image/png' }), 'ref.png');
      const created = await requestJson(`${emu.url}/videos`, { method: 'POST', body: form });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({ model: 'sora-2-pro', size: '1280x720', seconds: '8' });
      const done = await waitForStatus(emu, created.body.id);
      const mp4 = await readMp4((await download(emu, done.id, 'video')).bytes);
      expect(mp4).toMatchObject({ width: 1280, height: 720, videoCodec: 'avc', audioCodec: 'aac' });
      expect(mp4.duration).toBeGreaterThan(7.9);
      expect(mp4.duration).toBeLessThan(8.2);
    });
  });

  it('derives media from the request: identical requests share bytes without encoding again, others differ', async () => {
    const first = await waitForStatus(emu, (await createVideo(emu, { prompt: 'Same request', seconds: 4 })).body.id);
    const encodesBefore = emu.stats().encodeMs.length;
    const again = await waitForStatus(emu, (await createVideo(emu, { prompt: 'Same request', seconds: '4' })).body.id);
    expect(again.id).not.toBe(first.id);
    expect(emu.stats().encodeMs.length).toBe(encodesBefore);
    const other = await waitForStatus(emu, (await createVideo(emu, { prompt: 'Another request', seconds: '4' })).body.id);
    const [a, b, c] = await Promise.all([first, again, other].map(async (video) => (await download(emu, video.id, 'video')).bytes));
    expect(a!.equals(b!)).toBe(true);
    expect(a!.equals(c!)).toBe(false);
    expect(emu.stats().jobsPerRequest[emu.stats().jobs.find((job) => job.id === first.id)!.request_hash]).toBe(2);
  });
});

describe('a media directory shared by emulators', () => {
  it('outlives each emulator, and a request one encoded is not encoded by the next', async () => {
    await withTempDir(async (mediaDir) => {
      const once = async () => {
        const emu = await startTestEmulator({ mediaDir });
        try {
          const video = await waitForStatus(emu, (await createVideo(emu, { prompt: 'A shared cache', seconds: '4' })).body.id);
          return { encodes: emu.stats().encodeMs.length, bytes: (await download(emu, video.id, 'video')).bytes };
        } finally {
          await emu.close();
        }
      };
      const first = await once();
      expect(first.encodes).toBe(1);
      const second = await once();
      expect(second.encodes).toBe(0);
      expect(second.bytes.equals(first.bytes)).toBe(true);
    });
  });
});
