import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions, RunningEmulator } from '../../src/emulator/index.js';
import { versionIdOf, replicateModel } from '../../src/emulator/protocols/replicate/models.js';
import { readMp4, startTestEmulator, withTempDir } from './helpers.js';
import { http, jsonInit, NO_RENDER, originOf, pollUntil, setFaults, type HttpResult } from './protocol-helpers.js';

const TOKEN = 'r8_test_token';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const TERMINAL = ['succeeded', 'failed', 'canceled', 'aborted'];

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  emu = await startTestEmulator({ flavor: 'replicate', apiKey: TOKEN, ...options });
  return emu;
}

function create(emu: RunningEmulator, model: string, input: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return http(`${emu.url}/models/${model}/predictions`, jsonInit('POST', { input }, { ...AUTH, ...headers }));
}

function get(url: string): Promise<HttpResult> {
  return http(url, { headers: AUTH });
}

async function settled(emu: RunningEmulator, id: string): Promise<any> {
  return (
    await pollUntil(
      () => get(`${emu.url}/predictions/${id}`),
      (result) => TERMINAL.includes(result.body.status),
    )
  ).body;
}

describe('replicate flavor: predictions', () => {
  it('creates with 201 starting, moves through processing to succeeded, every field present, the output a real MP4', async () => {
    const emu = await start({ speed: 1, fps: 2 });
    expect(emu.url).toMatch(/\/v1$/);
    const input = { prompt: 'a glass of water', duration: 4, resolution: '720p', aspect_ratio: '9:16' };
    const created = await create(emu, 'google/veo-3.1-fast', input);
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(id).toMatch(/^[a-z2-7]{26}$/);
    const base = `${emu.url}/predictions/${id}`;
    expect(created.body).toEqual({
      id,
      model: 'google/veo-3.1-fast',
      version: 'hidden',
      input,
      logs: '',
      output: null,
      data_removed: false,
      error: null,
      status: 'starting',
      source: 'api',
      created_at: expect.stringMatching(ISO),
      started_at: null,
      completed_at: null,
      urls: { get: base, cancel: `${base}/cancel`, web: `${originOf(emu)}/p/${id}` },
      metrics: {},
    });
    emu.advanceClock(3);
    const processing = (await get(base)).body;
    expect(processing).toMatchObject({ status: 'processing', started_at: expect.stringMatching(ISO), completed_at: null, output: null });
    expect(processing.logs).not.toBe('');
    emu.advanceClock(600);
    const done = await settled(emu, id);
    expect(done).toMatchObject({ status: 'succeeded', error: null, data_removed: false, completed_at: expect.stringMatching(ISO) });
    expect(done.metrics.predict_time).toBeGreaterThan(0);
    expect(done.metrics.total_time).toBeGreaterThan(done.metrics.predict_time);
    expect(done.output).toMatch(new RegExp(`^${originOf(emu)}/replicate-delivery/[a-z0-9]+/output\\.mp4$`));
    const file = await http(done.output); // delivery answers with or without the token
    expect(file.status).toBe(200);
    expect((await http(done.output, { headers: AUTH })).bytes.equals(file.bytes)).toBe(true);
    const facts = await readMp4(file.bytes);
    expect(facts).toMatchObject({ width: 720, height: 1280, audioCodec: 'aac' });
    expect(facts.duration).toBeCloseTo(4, 0);
  });

  it('answers a create with the prediction as accepted, starting, however far the clock moved before the reply', async () => {
    // Every reading of the clock a minute later than the one before: by the time the reply is
    // written, a prediction read at that moment would be processing or done.
    let now = Date.UTC(2026, 11, 1);
    const emu = await start({ speed: 1, fps: 2, clock: () => (now += 60_000) });
    const created = await create(emu, 'google/veo-3.1-fast', { prompt: 'a kite', duration: 4 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'starting', started_at: null, completed_at: null, output: null });
    expect((await get(`${emu.url}/predictions/${created.body.id}`)).body.status).not.toBe('starting');
  });

  it('creates by version on POST /v1/predictions in the three forms, and refuses an unknown version', async () => {
    const emu = await start({ faults: NO_RENDER });
    const version = versionIdOf(replicateModel('kwaivgi/kling-v2.1-master')!);
    for (const form of ['kwaivgi/kling-v2.1-master', `kwaivgi/kling-v2.1-master:${version}`, version]) {
      const created = await http(`${emu.url}/predictions`, jsonInit('POST', { version: form, input: { prompt: 'no-render' } }, AUTH));
      expect(created.status, form).toBe(201);
      expect(created.body.model).toBe('kwaivgi/kling-v2.1-master');
    }
    const unknown = await http(`${emu.url}/predictions`, jsonInit('POST', { version: 'a'.repeat(64), input: { prompt: 'x' } }, AUTH));
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ title: 'Invalid version or not permitted', status: 422 });
    expect((await http(`${emu.url}/predictions`, jsonInit('POST', { input: { prompt: 'x' } }, AUTH))).status).toBe(422);
    expect((await create(emu, 'someone/unknown-model', { prompt: 'x' })).status).toBe(404);
  });

  it('holds a create with Prefer: wait until it finishes, or until the wait runs out', async () => {
    const emu = await start({ fps: 2, faults: { stuckPattern: 'never' } });
    const waited = await create(emu, 'kwaivgi/kling-v2.1-master', { prompt: 'quick', aspect_ratio: '1:1' }, { prefer: 'wait' });
    expect(waited.status).toBe(201);
    expect(waited.body.status).toBe('succeeded');
    expect(await readMp4((await http(waited.body.output)).bytes)).toMatchObject({ width: 1080, height: 1080, audioCodec: null });
    const started = Date.now();
    const timedOut = await create(emu, 'kwaivgi/kling-v2.1-master', { prompt: 'never starts' }, { prefer: 'wait=5' });
    expect(timedOut.body.status).toBe('starting');
    expect(Date.now() - started).toBeGreaterThanOrEqual(4); // 5 s on a 1000x timeline
  });

  it('Cancel-After: aborted if the deadline passes before the model starts, canceled if while it runs; cancel stops it at once', async () => {
    const emu = await start({ speed: 1, faults: NO_RENDER });
    const early = await create(emu, 'google/veo-3-fast', { prompt: 'no-render early' }, { 'cancel-after': '1s' });
    expect(early.body.deadline).toMatch(ISO);
    const late = await create(emu, 'google/veo-3-fast', { prompt: 'no-render late' }, { 'cancel-after': '0m5s' });
    const cancelled = await create(emu, 'google/veo-3-fast', { prompt: 'no-render cancelled' });
    emu.advanceClock(1.5);
    expect((await get(`${emu.url}/predictions/${early.body.id}`)).body).toMatchObject({ status: 'aborted', started_at: null });
    const cancel = await http(`${emu.url}/predictions/${cancelled.body.id}/cancel`, { method: 'POST', headers: AUTH });
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe('canceled');
    emu.advanceClock(2);
    expect((await get(`${emu.url}/predictions/${late.body.id}`)).body.status).toBe('processing');
    emu.advanceClock(3);
    const lateDone = (await get(`${emu.url}/predictions/${late.body.id}`)).body;
    expect(lateDone).toMatchObject({ status: 'canceled', started_at: expect.stringMatching(ISO), output: null });
    const again = await http(`${emu.url}/predictions/${late.body.id}/cancel`, { method: 'POST', headers: AUTH });
    expect(again.body.status).toBe('canceled');
    expect((await create(emu, 'google/veo-3-fast', { prompt: 'x' }, { 'cancel-after': 'soon' })).status).toBe(400);
    expect(emu.stats().inFlight).toBe(0);
    expect(emu.stats().jobs.map((job) => job.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });

  it('lists newest first, 100 a page, with next and previous URLs and the created_after/created_before filters', async () => {
    const emu = await start({ faults: NO_RENDER });
    const ids: string[] = [];
    for (let index = 0; index < 103; index++) ids.push((await create(emu, 'minimax/hailuo-02-fast', { prompt: `no-render ${index}` })).body.id);
    const newestFirst = [...ids].reverse();
    const first = (await get(`${emu.url}/predictions`)).body;
    expect(first.results.map((item: any) => item.id)).toEqual(newestFirst.slice(0, 100));
    expect(first.previous).toBeNull();
    const second = (await get(first.next)).body;
    expect(second.results.map((item: any) => item.id)).toEqual(newestFirst.slice(100));
    expect(second.next).toBeNull();
    expect((await get(second.previous)).body.results.map((item: any) => item.id)).toEqual(newestFirst.slice(0, 100));

    // Two more, two minutes later on the virtual clock; the pivot falls between.
    emu.advanceClock(120);
    const pivot = new Date(Date.now() + 60_000).toISOString();
    const later = [];
    for (const index of [0, 1]) later.push((await create(emu, 'minimax/hailuo-02-fast', { prompt: `no-render later ${index}` })).body.id);
    const after = (await get(`${emu.url}/predictions?created_after=${pivot}`)).body;
    expect(after.results.map((item: any) => item.id)).toEqual([...later].reverse());
    const before = (await get(`${emu.url}/predictions?created_before=${encodeURIComponent(pivot)}`)).body;
    expect(before.results.map((item: any) => item.id)).toEqual(newestFirst.slice(0, 100));
    expect(new URL(before.next).searchParams.get('created_before')).toBe(pivot); // the filter travels with the cursor
    expect((await get(before.next)).body.results.map((item: any) => item.id)).toEqual(newestFirst.slice(100));
    expect((await get(`${emu.url}/predictions?created_after=yesterday`)).status).toBe(400);
  });

  it('removes input, output and logs an hour after completion (configurable), and the output URL with them', async () => {
    const emu = await start({ fps: 2, retentionSeconds: 600 });
    const done = await settled(emu, (await create(emu, 'minimax/hailuo-02-fast', { prompt: 'short lived' })).body.id);
    expect((await http(done.output)).status).toBe(200);
    emu.advanceClock(601);
    const removed = (await get(`${emu.url}/predictions/${done.id}`)).body;
    expect(removed).toMatchObject({ status: 'succeeded', data_removed: true, output: null, input: {}, logs: '' });
    expect((await http(done.output)).status).toBe(404);
  });

  it('fails predictions with an error text (moderation, a model rule), validates input with 422 problem details', async () => {
    const emu = await start({ faults: { moderation: { failPattern: 'unsafe', blockPattern: 'blocked' } } });
    for (const prompt of ['unsafe thing', 'blocked thing']) {
      const failed = await settled(emu, (await create(emu, 'google/veo-3.1', { prompt })).body.id);
      expect(failed).toMatchObject({
        status: 'failed',
        output: null,
        error: 'The input or output was flagged as sensitive. Please try again with different inputs. (E005)',
      });
    }
    const rule = await settled(emu, (await create(emu, 'minimax/hailuo-2.3', { prompt: 'long', duration: 10, resolution: '1080p' })).body.id);
    expect(rule.status).toBe('failed');
    expect(rule.error).toContain('768p');

    const invalid = await create(emu, 'google/veo-3.1', { duration: '8', aspect_ratio: '4:3' });
    expect(invalid.status).toBe(422);
    expect(invalid.body).toEqual({
      title: 'Input validation failed',
      status: 422,
      detail:
        '- input: prompt is required\n- input.aspect_ratio: aspect_ratio must be one of the following: "16:9", "9:16"\n- input.duration: Invalid type. Expected: integer, given: string\n',
      invalid_fields: [
        { type: 'required', field: 'input', description: 'prompt is required' },
        { type: 'enum', field: 'input.aspect_ratio', description: 'aspect_ratio must be one of the following: "16:9", "9:16"' },
        { type: 'invalid_type', field: 'input.duration', description: 'Invalid type. Expected: integer, given: string' },
      ],
    });
    expect((await create(emu, 'kwaivgi/kling-v2.1-master', { prompt: 'x', duration: 6 })).body.detail).toBe(
      '- input.duration: duration must be one of the following: 5, 10\n',
    );
    expect((await create(emu, 'google/veo-3.1', { prompt: 'x', reference_images: ['a', 'b', 'c', 'd'] })).status).toBe(422);
    expect((await http(`${emu.url}/models/google/veo-3.1/predictions`, jsonInit('POST', '{oops', AUTH))).status).toBe(400);
  });

  it("answers auth, 404s, throttling and server errors in Replicate's shapes, and drops creates on demand", async () => {
    const emu = await start({ createsPerMinute: 3, faults: NO_RENDER });
    const unauthenticated = await http(`${emu.url}/predictions`);
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.body).toEqual({ title: 'Unauthenticated', detail: 'You did not pass a valid authentication token', status: 401 });
    expect((await http(`${emu.url}/predictions`, { headers: { authorization: `Token ${TOKEN}` } })).status).toBe(200);
    expect((await get(`${emu.url}/predictions/nosuchprediction`)).status).toBe(404);
    expect((await get(`${emu.url}/no/such/route`)).status).toBe(404);

    await setFaults(emu, { ...NO_RENDER, rateLimit: { rate: 1, retryAfterSeconds: 7 } });
    const throttled = await create(emu, 'google/veo-3-fast', { prompt: 'no-render' });
    expect(throttled.status).toBe(429);
    expect(throttled.body).toEqual({ detail: 'Request was throttled. Your rate limit resets in ~7s.' });
    expect(throttled.headers.get('retry-after')).toBe('7');
    await setFaults(emu, NO_RENDER);
    expect((await create(emu, 'google/veo-3-fast', { prompt: 'no-render' })).status).toBe(201);
    expect((await create(emu, 'google/veo-3-fast', { prompt: 'no-render' })).status).toBe(201);
    expect((await create(emu, 'google/veo-3-fast', { prompt: 'no-render' })).status).toBe(429); // creates per minute
    emu.advanceClock(61);

    await setFaults(emu, { ...NO_RENDER, serverError: { rate: 1, routes: ['retrieve'], status: 502 } });
    const bad = await get(`${emu.url}/predictions/anything`);
    expect(bad.status).toBe(502);
    expect(bad.body).toMatchObject({ status: 502, title: 'Internal Server Error' });
    const before = emu.stats().createsAccepted;
    await setFaults(emu, { ...NO_RENDER, dropConnection: { beforeCommit: 1 } });
    await expect(
      fetch(`${emu.url}/models/google/veo-3-fast/predictions`, jsonInit('POST', { input: { prompt: 'no-render never made' } }, AUTH)),
    ).rejects.toThrow();
    expect(emu.stats().createsAccepted).toBe(before);
    await setFaults(emu, { ...NO_RENDER, dropConnection: { afterCommit: 1 } });
    await expect(fetch(`${emu.url}/models/google/veo-3-fast/predictions`, jsonInit('POST', { input: { prompt: 'no-render lost' } }, AUTH))).rejects.toThrow();
    expect(emu.stats().createsAccepted).toBe(before + 1);
    await setFaults(emu, NO_RENDER);
    const found = (await get(`${emu.url}/predictions`)).body.results.find((item: any) => item.input.prompt === 'no-render lost');
    expect(found).toBeDefined(); // the lost create is found by listing and matching its input
  });

  it('keeps predictions and outputs across a restart, with URLs on the new origin', async () => {
    await withTempDir(async (stateDir) => {
      const first = await startTestEmulator({ flavor: 'replicate', stateDir, fps: 2 });
      const created = (
        await http(`${first.url}/models/minimax/hailuo-02-fast/predictions`, jsonInit('POST', { input: { prompt: 'persist' } }, { prefer: 'wait' }))
      ).body;
      expect(created.status).toBe('succeeded');
      const bytes = (await http(created.output)).bytes;
      await first.close();
      const second = await startTestEmulator({ flavor: 'replicate', stateDir, fps: 2 });
      try {
        const again = (await http(`${second.url}/predictions/${created.id}`)).body;
        expect(again.output.startsWith(originOf(second))).toBe(true);
        expect(again.urls.get.startsWith(originOf(second))).toBe(true);
        expect((await http(again.output)).bytes.equals(bytes)).toBe(true);
      } finally {
        await second.close();
      }
    });
  });
});
