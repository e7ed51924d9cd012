import { describe, expect, it } from 'vitest';
import type { VideoObject } from '../../src/emulator/index.js';
import { createVideo, download, requestJson, startTestEmulator, waitForStatus, withTempDir } from './helpers.js';

describe('state directory', () => {
  it('keeps jobs, media, deletions and the virtual clock across a restart', async () => {
    await withTempDir(async (stateDir) => {
      const first = await startTestEmulator({ stateDir });
      const done = await waitForStatus(first, (await createVideo(first, { prompt: 'persist me' })).body.id);
      const bytes = (await download(first, done.id, 'video')).bytes;
      const gone = await waitForStatus(first, (await createVideo(first, { prompt: 'delete me' })).body.id);
      await requestJson(`${first.url}/videos/${gone.id}`, { method: 'DELETE' });
      first.advanceClock(86_000);
      await first.close();

      const second = await startTestEmulator({ stateDir });
      try {
        const again = await requestJson<VideoObject>(`${second.url}/videos/${done.id}`);
        expect(again.body).toEqual(done);
        const list = await requestJson(`${second.url}/videos`);
        expect(list.body.data.map((video: VideoObject) => video.id)).toEqual([done.id]);
        expect((await requestJson(`${second.url}/videos/${gone.id}`)).status).toBe(404);

        const reloaded = await download(second, done.id, 'video');
        expect(reloaded.bytes.equals(bytes)).toBe(true);
        expect(second.stats().encodeMs).toEqual([]); // served from the state directory, not encoded again

        // 86,000 s had passed before the restart: 400 more reach the 24 h expiry.
        second.advanceClock(400);
        expect((await requestJson(`${second.url}/videos/${done.id}/content`)).status).toBe(404);

        const next = await createVideo(second, { prompt: 'after restart' });
        expect(next.status).toBe(200);
        expect(second.stats().jobs.map((job) => job.id)).toEqual([done.id, gone.id, next.body.id]);
      } finally {
        await second.close();
      }
    });
  });

  it('finishes a job that was in flight when the emulator stopped', async () => {
    await withTempDir(async (stateDir) => {
      const first = await startTestEmulator({ stateDir, speed: 1 });
      const { body: job } = await createVideo(first, { prompt: 'interrupted' });
      await first.close();

      const second = await startTestEmulator({ stateDir, speed: 1 });
      try {
        expect((await requestJson<VideoObject>(`${second.url}/videos/${job.id}`)).body.status).toMatch(/queued|in_progress/);
        second.advanceClock(60);
        const done = await waitForStatus(second, job.id);
        expect(done.status).toBe('completed');
        expect((await download(second, job.id, 'spritesheet')).status).toBe(200);
      } finally {
        await second.close();
      }
    });
  });
});
