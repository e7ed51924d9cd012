import { afterEach, describe, expect, it } from 'vitest';
import type { FaultOptions, RunningEmulator, VideoObject } from '../../src/emulator/index.js';
import { createVideo, download, postJson, requestJson, startTestEmulator, waitForStatus } from './helpers.js';

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(faults: FaultOptions, options: { speed?: number } = {}): Promise<RunningEmulator> {
  emu = await startTestEmulator({ faults, inFlightLimit: 50, ...options });
  return emu;
}

async function statusSequence(emu: RunningEmulator, id: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await fetch(`${emu.url}/videos/${id}`)).status);
  return statuses;
}

describe('fault injection', () => {
  it('answers 5xx on the targeted route class only, in the envelope', async () => {
    const emu = await start({ serverError: { rate: 1, routes: ['retrieve'], status: 503 } });
    const created = await createVideo(emu, { prompt: 'five hundred' });
    expect(created.status).toBe(200);
    const retrieved = await requestJson(`${emu.url}/videos/${created.body.id}`);
    expect(retrieved.status).toBe(503);
    expect(retrieved.body.error).toEqual({
      message: 'The server had an error while processing your request. Sorry about that!',
      type: 'server_error',
      param: null,
      code: null,
    });
    expect((await requestJson(`${emu.url}/videos`)).status).toBe(200);
  });

  it('is reproducible: the same seed gives the same faults, another seed others, and replacing faults replays', async () => {
    const faults: FaultOptions = { seed: 7, serverError: { rate: 0.5, routes: ['retrieve'] } };
    const runs: number[][] = [];
    for (const seed of [7, 7, 8]) {
      const emu = await startTestEmulator({ faults: { ...faults, seed } });
      const { body } = await createVideo(emu, { prompt: 'seeded' });
      runs.push(await statusSequence(emu, body.id, 24));
      await emu.close();
    }
    expect(runs[0]).toEqual(runs[1]);
    expect(runs[0]).not.toEqual(runs[2]);
    expect(runs[0]).toContain(500);
    expect(runs[0]).toContain(200);

    // Over HTTP, as an out-of-process test would do it.
    const emu = await start({});
    const { body } = await createVideo(emu, { prompt: 'seeded' });
    const base = emu.url.replace(/\/v1$/, '');
    expect((await postJson(`${base}/_emulator/faults`, faults)).status).toBe(200);
    expect(await statusSequence(emu, body.id, 24)).toEqual(runs[0]);
    expect((await postJson(`${base}/_emulator/faults`, { serverError: { rate: 2 } })).status).toBe(400);
  });

  it('throttles creates with 429, with and without Retry-After', async () => {
    const emu = await start({ rateLimit: { rate: 1, retryAfterSeconds: 3 } });
    const limited = await createVideo(emu, { prompt: 'throttled' });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.headers.get('retry-after-ms')).toBe('3000');

    const base = emu.url.replace(/\/v1$/, '');
    await postJson(`${base}/_emulator/faults`, { rateLimit: { rate: 1, retryAfterSeconds: null } });
    const bare = await createVideo(emu, { prompt: 'throttled' });
    expect(bare.status).toBe(429);
    expect(bare.headers.get('retry-after')).toBeNull();
    expect(emu.stats()).toMatchObject({ createsRejected429: 2, createsAccepted: 0, jobs: [] });
  });

  it('drops the connection before the job exists, or after it was committed', async () => {
    const emu = await start({ dropConnection: { beforeCommit: 1 } });
    await expect(createVideo(emu, { prompt: 'lost before' })).rejects.toThrow();
    expect(emu.stats().jobs).toEqual([]);

    const base = emu.url.replace(/\/v1$/, '');
    await postJson(`${base}/_emulator/faults`, { dropConnection: { afterCommit: 1 } });
    await expect(createVideo(emu, { prompt: 'lost after' })).rejects.toThrow();
    const { body } = await requestJson(`${emu.url}/videos?limit=1`);
    expect(body.data[0]).toMatchObject({ prompt: 'lost after' });
    expect(emu.stats()).toMatchObject({ createsAccepted: 1, jobs: [{ prompt: 'lost after' }] });
    await waitForStatus(emu, body.data[0].id, 'completed');
  });

  it('slows responses before the headers or halfway through the body', async () => {
    const emu = await start({ slowBody: { rate: 1, delayMs: 300, routes: ['list'] } });
    let started = performance.now();
    expect((await fetch(`${emu.url}/videos`)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);

    const { body } = await createVideo(emu, { prompt: 'slow download' });
    await waitForStatus(emu, body.id);
    const base = emu.url.replace(/\/v1$/, '');
    await postJson(`${base}/_emulator/faults`, { slowBody: { rate: 1, delayMs: 300, phase: 'during', routes: ['content'] } });
    started = performance.now();
    const response = await fetch(`${emu.url}/videos/${body.id}/content`);
    const headersAfter = performance.now() - started;
    const bytes = Buffer.from(await response.arrayBuffer());
    // The delay falls between the headers and the end of the body.
    expect(performance.now() - started - headersAfter).toBeGreaterThanOrEqual(250);
    expect(bytes.length).toBe(Number(response.headers.get('content-length')));
  });

  it('truncates content: the full Content-Length is promised, part of it sent, then the connection resets', async () => {
    const emu = await start({ truncateContent: { rate: 1, keepFraction: 0.3 } });
    const { body } = await createVideo(emu, { prompt: 'truncated' });
    await waitForStatus(emu, body.id);
    const response = await fetch(`${emu.url}/videos/${body.id}/content`);
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(1000);
    await expect(response.arrayBuffer()).rejects.toThrow();

    const base = emu.url.replace(/\/v1$/, '');
    await postJson(`${base}/_emulator/faults`, {});
    const whole = await download(emu, body.id, 'video');
    expect(whole.bytes.length).toBe(Number(whole.headers.get('content-length')));
  });

  it('blocks prompts synchronously or fails their job later, by pattern', async () => {
    const emu = await start({ moderation: { blockPattern: 'forbidden', failPattern: 'famous person' } });
    const blocked = await createVideo(emu, { prompt: 'Something FORBIDDEN' });
    expect(blocked.status).toBe(400);
    expect(blocked.body.error).toMatchObject({ type: 'invalid_request_error', code: 'moderation_blocked' });

    const { body } = await createVideo(emu, { prompt: 'A famous person dancing' });
    expect(body.status).not.toBe('failed');
    const failed = await waitForStatus(emu, body.id);
    expect(failed).toMatchObject({ status: 'failed', expires_at: null, error: { code: 'moderation_blocked' } });
    expect(typeof failed.error?.message).toBe('string');
    expect((await requestJson(`${emu.url}/videos/${body.id}/content`)).status).toBe(400);
    expect((await requestJson(`${emu.url}/videos/${body.id}`, { method: 'DELETE' })).status).toBe(200);

    const fine = await waitForStatus(emu, (await createVideo(emu, { prompt: 'A quiet lake' })).body.id);
    expect(fine.status).toBe('completed');
  });

  it('leaves jobs matching the stuck pattern queued forever', async () => {
    const emu = await start({ stuckPattern: '^stuck' });
    const { body } = await createVideo(emu, { prompt: 'stuck in the queue' });
    emu.advanceClock(3600);
    const job = await requestJson<VideoObject>(`${emu.url}/videos/${body.id}`);
    expect(job.body).toMatchObject({ status: 'queued', progress: 0 });
    expect(job.headers.get('openai-poll-after-ms')).not.toBeNull();
    expect(emu.stats().inFlight).toBe(1);
  });
});

describe('controls over HTTP', () => {
  it('serves stats and moves the clock', async () => {
    const emu = await start({});
    const base = emu.url.replace(/\/v1$/, '');
    const { body } = await createVideo(emu, { prompt: 'controlled' });
    await waitForStatus(emu, body.id);
    const stats = await requestJson(`${base}/_emulator/stats`);
    expect(stats.body).toMatchObject({ createsAccepted: 1, maxInFlight: 1, jobs: [{ id: body.id, status: 'completed', prompt: 'controlled' }] });
    expect(stats.body.requestsByRoute['POST /v1/videos']).toBe(1);

    const moved = await postJson(`${base}/_emulator/clock`, { advance_seconds: 86_400 });
    expect(moved.status).toBe(200);
    expect((await requestJson(`${emu.url}/videos/${body.id}/content`)).status).toBe(404);
    expect((await postJson(`${base}/_emulator/clock`, { advance_seconds: 'soon' })).status).toBe(400);
  });
});
