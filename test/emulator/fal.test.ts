import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions, RunningEmulator } from '../../src/emulator/index.js';
import { readMp4, startTestEmulator, withTempDir } from './helpers.js';
import { http, jsonInit, NO_RENDER, originOf, pollUntil, setFaults, type HttpResult } from './protocol-helpers.js';

const KEY = 'fal-test-key';
const AUTH = { authorization: `Key ${KEY}` };
const KLING = 'fal-ai/kling-video/v2.1/master/text-to-video';
const VEO = 'fal-ai/veo3.1/fast';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  emu = await startTestEmulator({ flavor: 'fal', apiKey: KEY, ...options });
  return emu;
}

function submit(emu: RunningEmulator, endpoint: string, input: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return http(`${emu.url}/${endpoint}`, jsonInit('POST', input, { ...AUTH, ...headers }));
}

function get(url: string): Promise<HttpResult> {
  return http(url, { headers: AUTH });
}

async function completed(statusUrl: string): Promise<HttpResult> {
  return pollUntil(
    () => get(statusUrl),
    (result) => result.body.status === 'COMPLETED',
  );
}

describe('fal flavor: the queue', () => {
  it('submits to the full id, answers IN_QUEUE with URLs under {owner}/{alias}, then 202s until COMPLETED, then the result and its public file', async () => {
    // Real time scale; the virtual clock moves the request along.
    const emu = await start({ speed: 1, fps: 2 });
    expect(emu.url).toBe(originOf(emu));
    const submitted = await submit(emu, KLING, { prompt: 'a fox in snow', duration: '5', aspect_ratio: '9:16' });
    expect(submitted.status).toBe(200);
    const id = submitted.body.request_id;
    expect(id).toMatch(UUID);
    const base = `${originOf(emu)}/fal-ai/kling-video/requests/${id}`;
    expect(submitted.body).toEqual({
      status: 'IN_QUEUE',
      request_id: id,
      response_url: base,
      status_url: `${base}/status`,
      cancel_url: `${base}/cancel`,
      queue_position: 0,
    });
    expect(submitted.headers.get('x-fal-request-id')).toBe(id);

    const queued = await get(`${base}/status`);
    expect(queued.status).toBe(202);
    expect(queued.body).toEqual({
      status: 'IN_QUEUE',
      request_id: id,
      response_url: base,
      status_url: `${base}/status`,
      cancel_url: `${base}/cancel`,
      queue_position: 0,
    });
    const early = await get(base);
    expect(early.status).toBe(400);
    expect(early.body).toEqual({ detail: 'Request is still in progress' });

    emu.advanceClock(3);
    const running = await get(`${base}/status?logs=1`);
    expect(running.status).toBe(202);
    expect(running.body.status).toBe('IN_PROGRESS');
    expect(running.body.logs[0]).toMatchObject({ level: 'INFO', source: 'USER' });
    expect((await get(`${base}/status`)).body.logs).toBeUndefined();
    expect((await get(base)).status).toBe(400);
    emu.advanceClock(600);
    const done = await completed(`${base}/status`);
    expect(done.status).toBe(200);
    expect(done.body.metrics.inference_time).toBeGreaterThan(0);

    const result = await get(base);
    expect(result.status).toBe(200);
    expect(Object.keys(result.body)).toEqual(['video']);
    const { video } = result.body;
    expect(video).toMatchObject({ content_type: 'video/mp4', file_name: 'output.mp4' });
    expect(video.url).toMatch(new RegExp(`^${originOf(emu)}/fal-media/files/[a-z0-9]+/output\\.mp4$`));
    const file = await http(video.url); // public: no key
    expect(file.status).toBe(200);
    expect(file.bytes.length).toBe(video.file_size);
    const facts = await readMp4(file.bytes);
    expect(facts).toMatchObject({ width: 1080, height: 1920, audioCodec: null }); // Kling 2.1 makes no sound
    expect(facts.duration).toBeCloseTo(5, 0);
    expect(emu.stats().requestsByRoute).toMatchObject({
      'POST /{model_id}': 1,
      'GET /{owner}/{alias}/requests/{id}': 3,
      'GET /fal-media/files/{token}/output.mp4': 1,
    });
  });

  it('Veo 3.1 takes "8s" durations, returns a seed, and makes sound unless generate_audio is false', async () => {
    const emu = await start({ fps: 2 });
    const loud = await submit(emu, VEO, { prompt: 'waves', duration: '4s', seed: 7 });
    const quiet = await submit(emu, VEO, { prompt: 'waves', duration: '4s', generate_audio: false, aspect_ratio: '9:16' });
    for (const [submitted, audio, width] of [
      [loud, 'aac', 1280],
      [quiet, null, 720],
    ] as const) {
      await completed(submitted.body.status_url);
      const result = (await get(submitted.body.response_url)).body;
      expect(typeof result.seed).toBe('number');
      const facts = await readMp4((await http(result.video.url)).bytes);
      expect(facts).toMatchObject({ audioCodec: audio, width });
      expect(facts.duration).toBeCloseTo(4, 0);
    }
    expect((await get(loud.body.response_url)).body.seed).toBe(7);
  });

  it('runs at most N requests at once and queues the rest (never a 429), with queue positions', async () => {
    const emu = await start({ speed: 1, inFlightLimit: 2, faults: NO_RENDER });
    const submitted = [];
    for (const prompt of ['one', 'two', 'three', 'four']) {
      const result = await submit(emu, VEO, { prompt: `no-render ${prompt}`, duration: '8s' });
      expect(result.status).toBe(200);
      submitted.push(result.body);
    }
    // All wait their 2 s in the queue, each behind the ones before it.
    expect(submitted.map((each) => each.queue_position)).toEqual([0, 1, 2, 3]);
    emu.advanceClock(3);
    const bodies = await Promise.all(submitted.map(async (each) => (await get(each.status_url)).body));
    expect(bodies.map((body) => body.status)).toEqual(['IN_PROGRESS', 'IN_PROGRESS', 'IN_QUEUE', 'IN_QUEUE']);
    expect(bodies.slice(2).map((body) => body.queue_position)).toEqual([0, 1]);
    expect(emu.stats().createsRejected429).toBe(0);
  });

  it('cancels only a request still in the queue: CANCELLATION_REQUESTED, then ALREADY_COMPLETED', async () => {
    const emu = await start({ speed: 1, inFlightLimit: 1, faults: NO_RENDER });
    const running = await submit(emu, VEO, { prompt: 'no-render first', duration: '8s' });
    const waiting = await submit(emu, VEO, { prompt: 'no-render second', duration: '8s' });
    emu.advanceClock(3);
    expect((await get(running.body.status_url)).body.status).toBe('IN_PROGRESS');
    const refused = await http(running.body.cancel_url, { method: 'PUT', headers: AUTH });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ status: 'ALREADY_COMPLETED' });
    const cancelled = await http(waiting.body.cancel_url, { method: 'PUT', headers: AUTH });
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toEqual({ status: 'CANCELLATION_REQUESTED' });
    expect((await get(waiting.body.status_url)).body.status).toBe('COMPLETED');
    expect((await get(waiting.body.response_url)).status).toBe(400);
    expect((await http(waiting.body.cancel_url, { method: 'PUT', headers: AUTH })).body).toEqual({ status: 'ALREADY_COMPLETED' });
    expect(emu.stats().inFlight).toBe(1);
  });

  it('shows refusals at the result: a schema problem and a content-policy block are 422s after COMPLETED', async () => {
    const emu = await start({ faults: { moderation: { failPattern: 'unsafe', blockPattern: 'blocked' } } });
    const bad = await submit(emu, KLING, { prompt: 'x', duration: 5 });
    expect(bad.status).toBe(200);
    await completed(bad.body.status_url);
    const badResult = await get(bad.body.response_url);
    expect(badResult.status).toBe(422);
    expect(badResult.body.detail).toEqual([
      { loc: ['body', 'duration'], msg: "Input should be '5' or '10'", type: 'literal_error', input: 5, ctx: { expected: "'5' or '10'" } },
    ]);
    for (const prompt of ['unsafe scene', 'blocked scene']) {
      const refused = await submit(emu, KLING, { prompt });
      await completed(refused.body.status_url);
      const result = await get(refused.body.response_url);
      expect(result.status).toBe(422);
      expect(result.body.detail[0]).toMatchObject({
        type: 'content_policy_violation',
        msg: 'The content was flagged by a content checker.',
        url: 'https://docs.fal.ai/errors#content_policy_violation',
        loc: ['body', 'prompt'],
      });
    }
    const notJson = await http(`${emu.url}/${KLING}`, jsonInit('POST', '{"prompt":', AUTH));
    expect(notJson.status).toBe(422);
    expect(notJson.body.detail[0].type).toBe('json_invalid');
  });

  it("answers auth, unknown endpoints and unknown requests in fal's shapes", async () => {
    const emu = await start();
    expect((await http(`${emu.url}/${KLING}`, jsonInit('POST', { prompt: 'x' }))).status).toBe(401);
    const wrong = await http(`${emu.url}/${KLING}`, jsonInit('POST', { prompt: 'x' }, { authorization: 'Key nope-123' }));
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toContain('nope-123');
    expect((await http(`${emu.url}/${KLING}`, jsonInit('POST', { prompt: 'x' }, { authorization: `Bearer ${KEY}` }))).status).toBe(401);
    expect((await submit(emu, 'fal-ai/no-such-model', { prompt: 'x' })).status).toBe(404);
    const submitted = await submit(emu, KLING, { prompt: 'x' });
    // Under another app, or with the sub-path, the request is not found.
    expect((await get(`${originOf(emu)}/fal-ai/veo3.1/requests/${submitted.body.request_id}/status`)).status).toBe(404);
    expect((await get(`${originOf(emu)}/${KLING}/requests/${submitted.body.request_id}/status`)).status).toBe(404);
  });

  it("keeps result media for the lifecycle header's seconds, 7 days by default, and for ever with null", async () => {
    const emu = await start({ fps: 2 });
    const input = { prompt: 'kept', duration: '4s' };
    const short = await submit(emu, VEO, input, { 'x-fal-object-lifecycle-preference': JSON.stringify({ expiration_duration_seconds: 3600 }) });
    const standard = await submit(emu, VEO, input);
    const forever = await submit(emu, VEO, input, { 'X-Fal-Object-Lifecycle-Preference': '{"expiration_duration_seconds": null}' });
    const urls: string[] = [];
    for (const submitted of [short, standard, forever]) {
      await completed(submitted.body.status_url);
      urls.push((await get(submitted.body.response_url)).body.video.url);
    }
    const statuses = async (): Promise<number[]> => Promise.all(urls.map(async (url) => (await http(url)).status));
    expect(await statuses()).toEqual([200, 200, 200]);
    emu.advanceClock(3601);
    expect(await statuses()).toEqual([404, 200, 200]);
    emu.advanceClock(7 * 86_400);
    expect(await statuses()).toEqual([404, 404, 200]);
    expect((await get(short.body.response_url)).status).toBe(200); // the request's JSON outlives its media
  });

  it('lists finished requests by endpoint on the platform API, so a lost submit can be found by its input', async () => {
    const emu = await start({ faults: NO_RENDER });
    await setFaults(emu, { ...NO_RENDER, dropConnection: { beforeCommit: 1 } });
    await expect(fetch(`${emu.url}/${KLING}`, jsonInit('POST', { prompt: 'no-render never queued' }, AUTH))).rejects.toThrow();
    expect(emu.stats().createsAccepted).toBe(0); // dropped before the queue took it
    await setFaults(emu, { ...NO_RENDER, dropConnection: { afterCommit: 1 } });
    await expect(fetch(`${emu.url}/${KLING}`, jsonInit('POST', { prompt: 'no-render lost one', duration: '10' }, AUTH))).rejects.toThrow();
    await setFaults(emu, NO_RENDER);
    for (const prompt of ['no-render a', 'no-render b']) await completed((await submit(emu, KLING, { prompt })).body.status_url);
    await completed((await submit(emu, VEO, { prompt: 'no-render other endpoint' })).body.status_url);
    await pollUntil(
      async () => emu.stats().jobs.filter((job) => job.status === 'failed').length,
      (count) => count === 4,
    );

    const listing = `${originOf(emu)}/v1/models/requests/by-endpoint`;
    expect((await get(listing)).status).toBe(422); // endpoint_id is required
    const all = await get(`${listing}?endpoint_id=${encodeURIComponent(KLING)}&expand=payloads`);
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(3);
    const lost = all.body.items.find((item: any) => item.json_input.prompt === 'no-render lost one');
    expect(lost).toMatchObject({ endpoint_id: KLING, status_code: 422, json_input: { duration: '10' } });
    expect(lost.request_id).toMatch(UUID);
    expect(Object.keys(lost).sort()).toEqual(
      ['duration', 'ended_at', 'endpoint_id', 'json_input', 'json_output', 'request_id', 'sent_at', 'started_at', 'status_code'].sort(),
    );
    const page = await get(`${listing}?endpoint_id=${encodeURIComponent(KLING)}&limit=2`);
    expect(page.body.items).toHaveLength(2);
    expect(page.body.items[0].json_input).toBeUndefined();
    expect(page.body.has_more).toBe(true);
    const rest = await get(`${listing}?endpoint_id=${encodeURIComponent(KLING)}&limit=2&cursor=${page.body.next_cursor}`);
    expect(rest.body).toMatchObject({ has_more: false, next_cursor: null });
    expect(rest.body.items).toHaveLength(1);
    const both = await get(`${listing}?endpoint_id=${encodeURIComponent(`${KLING},${VEO}`)}&status=user_error`);
    expect(both.body.items).toHaveLength(4);
    expect((await get(`${listing}?endpoint_id=${encodeURIComponent(KLING)}&status=success`)).body.items).toHaveLength(0);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await get(`${listing}?endpoint_id=${encodeURIComponent(KLING)}&start=${future}&end=${future}`)).body.items).toHaveLength(0);
  });

  it('injects infrastructure errors with error_type and X-Fal-Error-Type, 429s, slow and truncated media', async () => {
    const emu = await start({ fps: 2 });
    const submitted = await submit(emu, VEO, { prompt: 'faults', duration: '4s' });
    await setFaults(emu, { serverError: { rate: 1, routes: ['retrieve'], status: 503 } });
    const unavailable = await get(submitted.body.status_url);
    expect(unavailable.status).toBe(503);
    expect(unavailable.body).toEqual({ detail: 'Runner scheduling failure', error_type: 'runner_scheduling_failure' });
    expect(unavailable.headers.get('x-fal-error-type')).toBe('runner_scheduling_failure');
    await setFaults(emu, { serverError: { rate: 1, routes: ['retrieve'], status: 504 } });
    expect((await get(submitted.body.status_url)).body.error_type).toBe('request_timeout');
    await setFaults(emu, { rateLimit: { rate: 1, retryAfterSeconds: 3 } });
    const throttled = await submit(emu, VEO, { prompt: 'throttled' });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('3');
    expect(typeof throttled.body.detail).toBe('string');
    await setFaults(emu, {});
    await completed(submitted.body.status_url);
    const url = (await get(submitted.body.response_url)).body.video.url;
    await setFaults(emu, { truncateContent: { rate: 1 } });
    await expect(fetch(url).then((response) => response.arrayBuffer())).rejects.toThrow();
    await setFaults(emu, { slowBody: { rate: 1, delayMs: 150, routes: ['retrieve'] } });
    const started = Date.now();
    expect((await get(submitted.body.status_url)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('keeps requests and media across a restart, with URLs on the new origin', async () => {
    await withTempDir(async (stateDir) => {
      const first = await startTestEmulator({ flavor: 'fal', stateDir, fps: 2 });
      const submitted = (await http(`${first.url}/${VEO}`, jsonInit('POST', { prompt: 'persist', duration: '4s' }))).body;
      await pollUntil(
        () => http(submitted.status_url),
        (result) => result.body.status === 'COMPLETED',
      );
      const bytes = (await http((await http(submitted.response_url)).body.video.url)).bytes;
      await first.close();
      const second = await startTestEmulator({ flavor: 'fal', stateDir, fps: 2 });
      try {
        const result = await http(`${second.url}/fal-ai/veo3.1/requests/${submitted.request_id}`);
        expect(result.body.video.url.startsWith(originOf(second))).toBe(true);
        expect((await http(result.body.video.url)).bytes.equals(bytes)).toBe(true);
        expect((await http(`${second.url}/fal-ai/veo3.1/requests/${submitted.request_id}/status`)).body.status_url.startsWith(originOf(second))).toBe(true);
      } finally {
        await second.close();
      }
    });
  });
});
