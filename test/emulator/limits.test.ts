import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator, VideoObject } from '../../src/emulator/index.js';
import { createVideo, download, postJson, requestJson, startTestEmulator, waitForStatus } from './helpers.js';

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

/** Speed 1: jobs take tens of seconds, so they stay in flight until the test moves the clock. */
async function realTimeEmulator(): Promise<RunningEmulator> {
  emu = await startTestEmulator({ speed: 1, pollAfterMs: 1500 });
  return emu;
}

describe('in-flight limit', () => {
  it('refuses a third job in flight with 429 and retry headers, and accepts again once one finishes', async () => {
    const emu = await realTimeEmulator();
    const first = await createVideo(emu, { prompt: 'one' });
    const second = await createVideo(emu, { prompt: 'two', seconds: '12' });
    expect([first.status, second.status]).toEqual([200, 200]);

    const third = await createVideo(emu, { prompt: 'three' });
    expect(third.status).toBe(429);
    expect(third.body.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded', param: null });
    const retryAfter = third.headers.get('retry-after');
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(third.headers.get('retry-after-ms'))).toBeGreaterThan(0);
    expect(third.headers.get('x-request-id')).toMatch(/^req_/);

    const remix = await postJson(`${emu.url}/videos/${first.body.id}/remix`, { prompt: 'remix while busy' });
    expect(remix.status).toBe(400); // the source is not completed: checked before the limit

    // The 4 s job is due after 2 + 26 s; its media is encoding in the background.
    emu.advanceClock(30);
    await waitForStatus(emu, first.body.id, 'completed');
    expect((await createVideo(emu, { prompt: 'three' })).status).toBe(200);
    expect(emu.stats()).toMatchObject({ maxInFlight: 2, createsRejected429: 1, createsAccepted: 3 });
  });

  it('sends openai-poll-after-ms while a job runs, and progress rises with time', async () => {
    const emu = await realTimeEmulator();
    const created = await createVideo(emu, { prompt: 'progress' });
    const queued = await requestJson<VideoObject>(`${emu.url}/videos/${created.body.id}`);
    expect(queued.body).toMatchObject({ status: 'queued', progress: 0 });
    expect(queued.headers.get('openai-poll-after-ms')).toBe('1500');
    emu.advanceClock(2 + 13); // queue, then half of the 26 s run
    const halfway = await requestJson<VideoObject>(`${emu.url}/videos/${created.body.id}`);
    expect(halfway.body.status).toBe('in_progress');
    expect(halfway.body.progress).toBeGreaterThanOrEqual(45);
    expect(halfway.body.progress).toBeLessThanOrEqual(55);
    emu.advanceClock(20);
    const done = await waitForStatus(emu, created.body.id, 'completed');
    expect(done.progress).toBe(100);
    const terminal = await requestJson(`${emu.url}/videos/${created.body.id}`);
    expect(terminal.headers.get('openai-poll-after-ms')).toBeNull();
  });
});

describe('delete, content and remix rules', () => {
  it('refuses to delete or download a running job, deletes a completed one, then 404s it', async () => {
    const emu = await realTimeEmulator();
    const { body: job } = await createVideo(emu, { prompt: 'delete me' });
    const early = await requestJson(`${emu.url}/videos/${job.id}`, { method: 'DELETE' });
    expect(early.status).toBe(400);
    expect(early.body.error.type).toBe('invalid_request_error');
    const content = await requestJson(`${emu.url}/videos/${job.id}/content`);
    expect(content.status).toBe(400);
    expect(content.body.error.type).toBe('invalid_request_error');

    emu.advanceClock(60);
    await waitForStatus(emu, job.id, 'completed');
    const deleted = await requestJson(`${emu.url}/videos/${job.id}`, { method: 'DELETE' });
    expect(deleted).toMatchObject({ status: 200, body: { id: job.id, object: 'video.deleted', deleted: true } });
    expect((await requestJson(`${emu.url}/videos/${job.id}`)).status).toBe(404);
    expect((await requestJson(`${emu.url}/videos/${job.id}/content`)).status).toBe(404);
    expect((await requestJson(`${emu.url}/videos/${job.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await requestJson(`${emu.url}/videos`)).body.data).toEqual([]);
    expect(emu.stats().jobs[0]).toMatchObject({ id: job.id, status: 'deleted' });
  });

  it('rejects an unknown content variant', async () => {
    const emu = await realTimeEmulator();
    const { body: job } = await createVideo(emu, { prompt: 'variant' });
    const response = await requestJson(`${emu.url}/videos/${job.id}/content?variant=poster`);
    expect(response.body.error).toEqual({
      message: "Invalid value: 'poster'. Supported values are: 'video', 'thumbnail', and 'spritesheet'.",
      type: 'invalid_request_error',
      param: 'variant',
      code: 'invalid_value',
    });
  });

  it('expires content 24 h after creation', async () => {
    emu = await startTestEmulator();
    const { body } = await createVideo(emu, { prompt: 'expiring' });
    const done = await waitForStatus(emu, body.id);
    expect((await download(emu, done.id, 'thumbnail')).status).toBe(200);
    emu.advanceClock(86_400);
    const expired = await requestJson(`${emu.url}/videos/${done.id}/content`);
    expect(expired.status).toBe(404);
    expect(expired.body.error.type).toBe('invalid_request_error');
    const still = await requestJson<VideoObject>(`${emu.url}/videos/${done.id}`);
    expect(still.body).toMatchObject({ status: 'completed', expires_at: done.created_at + 86_400 });
  });

  it('remixes a completed video into a new job that inherits model, size and seconds', async () => {
    emu = await startTestEmulator();
    const source = await waitForStatus(emu, (await createVideo(emu, { prompt: 'source', model: 'sora-2-pro', size: '1792x1024', seconds: '4' })).body.id);
    const form = new FormData();
    form.set('prompt', 'source, at night');
    const remix = await requestJson<VideoObject>(`${emu.url}/videos/${source.id}/remix`, { method: 'POST', body: form });
    expect(remix.status).toBe(200);
    expect(remix.body).toMatchObject({ model: 'sora-2-pro', size: '1792x1024', seconds: '4', remixed_from_video_id: source.id, prompt: 'source, at night' });
    expect(remix.body.id).not.toBe(source.id);
    expect(['queued', 'in_progress']).toContain(remix.body.status);
    const done = await waitForStatus(emu, remix.body.id);
    expect(done.status).toBe('completed');

    const withSize = await postJson(`${emu.url}/videos/${source.id}/remix`, { prompt: 'p', size: '720x1280' });
    expect(withSize.body.error).toMatchObject({ message: "Unknown parameter: 'size'.", param: 'size' });
    const unknown = await postJson(`${emu.url}/videos/video_${'1'.repeat(48)}/remix`, { prompt: 'p' });
    expect(unknown.status).toBe(404);
  });
});

describe('list pagination', () => {
  it('pages with limit, order and after, and reports has_more', async () => {
    emu = await startTestEmulator({ inFlightLimit: 10 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createVideo(emu, { prompt: `list ${i}` })).body.id);

    const empty = await requestJson(`${emu.url}/videos?limit=0`);
    expect(empty.body).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: true });

    const firstPage = await requestJson(`${emu.url}/videos?limit=2`);
    expect(firstPage.body.data.map((video: VideoObject) => video.id)).toEqual([ids[4], ids[3]]);
    expect(firstPage.body).toMatchObject({ object: 'list', first_id: ids[4], last_id: ids[3], has_more: true });

    const secondPage = await requestJson(`${emu.url}/videos?limit=2&after=${ids[3]}`);
    expect(secondPage.body.data.map((video: VideoObject) => video.id)).toEqual([ids[2], ids[1]]);
    const lastPage = await requestJson(`${emu.url}/videos?limit=2&after=${ids[1]}`);
    expect(lastPage.body).toMatchObject({ first_id: ids[0], last_id: ids[0], has_more: false });

    const ascending = await requestJson(`${emu.url}/videos?order=asc&limit=3`);
    expect(ascending.body.data.map((video: VideoObject) => video.id)).toEqual(ids.slice(0, 3));
    const all = await requestJson(`${emu.url}/videos`);
    expect(all.body.data).toHaveLength(5);
    expect(all.body.has_more).toBe(false);

    expect((await requestJson(`${emu.url}/videos?limit=101`)).body.error).toMatchObject({ param: 'limit', code: 'integer_above_max_value' });
    expect((await requestJson(`${emu.url}/videos?order=newest`)).body.error.message).toBe("Invalid value: 'newest'. Supported values are: 'asc' and 'desc'.");
  });
});
