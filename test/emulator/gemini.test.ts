import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions, RunningEmulator } from '../../src/emulator/index.js';
import { makeImage, readMp4, startTestEmulator, withTempDir } from './helpers.js';
import { http, jsonInit, originOf, pollUntil, setFaults } from './protocol-helpers.js';

const KEY = 'gemini-test-key';
const AUTH = { 'x-goog-api-key': KEY };
let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  emu = await startTestEmulator({ flavor: 'gemini', apiKey: KEY, createsPerMinute: null, ...options });
  return emu;
}

function create(emu: RunningEmulator, model: string, body: unknown, headers: Record<string, string> = AUTH) {
  return http(`${emu.url}/models/${model}:predictLongRunning`, jsonInit('POST', body, headers));
}

async function finished(emu: RunningEmulator, name: string): Promise<any> {
  return (
    await pollUntil(
      () => http(`${emu.url}/${name}`, { headers: AUTH }),
      (result) => result.body.done === true,
    )
  ).body;
}

/** Follows the file URI's redirect by hand, sending the key on both hops. */
async function downloadVideo(uri: string, headers: Record<string, string> = AUTH) {
  const first = await http(uri, { headers });
  expect(first.status).toBe(302);
  return http(first.headers.get('location')!, { headers });
}

describe('gemini flavor: predictLongRunning, operations, files', () => {
  it('creates an operation, answers its name only while running, then the video URI; the file redirects and is a real MP4', async () => {
    const emu = await start({ speed: 200 });
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1beta$/);
    const created = await create(emu, 'veo-3.1-fast-generate-preview', {
      instances: [{ prompt: 'a lighthouse at dusk' }],
      parameters: { aspectRatio: '16:9', durationSeconds: 4 },
    });
    expect(created.status).toBe(200);
    expect(Object.keys(created.body)).toEqual(['name']);
    expect(created.body.name).toMatch(/^models\/veo-3\.1-fast-generate-preview\/operations\/[a-z0-9]{12}$/);

    const running = await http(`${emu.url}/${created.body.name}`, { headers: AUTH });
    expect(running.status).toBe(200);
    expect(running.body).toEqual({ name: created.body.name });

    const done = await finished(emu, created.body.name);
    expect(done.response['@type']).toBe('type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse');
    const uri: string = done.response.generateVideoResponse.generatedSamples[0].video.uri;
    expect(uri).toMatch(new RegExp(`^${originOf(emu)}/v1beta/files/[a-z0-9]{12}:download\\?alt=media$`));

    const hop = await http(uri, { headers: AUTH });
    const location = hop.headers.get('location')!;
    expect(new URL(location).origin).toBe(originOf(emu));
    expect(new URL(location).pathname).not.toBe(new URL(uri).pathname);
    expect((await http(location)).status).toBe(403); // the second hop wants the key too
    const video = await downloadVideo(uri);
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toBe('video/mp4');
    const facts = await readMp4(video.bytes);
    expect(facts).toMatchObject({ width: 1280, height: 720, videoCodec: 'avc', audioCodec: 'aac' });
    expect(facts.duration).toBeCloseTo(4, 0);

    // fetch follows the redirect itself and keeps a custom header on the same origin.
    const followed = await fetch(uri, { headers: AUTH });
    expect(Buffer.from(await followed.arrayBuffer()).equals(video.bytes)).toBe(true);
    expect(emu.stats().requestsByRoute).toMatchObject({
      'POST /v1beta/models/{model}:predictLongRunning': 1,
      'GET /v1beta/files/{id}:download': 3,
      'GET /download/v1beta/files/{id}:download': 3,
    });
  });

  it('renders each resolution and aspect ratio at its size, with sound except on Veo 2', async () => {
    const emu = await start({ fps: 2 });
    const cases: Array<[string, Record<string, unknown>, number, number, boolean]> = [
      ['veo-3.1-fast-generate-preview', { aspectRatio: '9:16', durationSeconds: 4 }, 720, 1280, true],
      ['veo-3.0-fast-generate-001', { resolution: '1080p', durationSeconds: '4' }, 1920, 1080, true],
      ['veo-2.0-generate-001', { durationSeconds: 5 }, 1280, 720, false],
    ];
    const names = [];
    for (const [model, parameters] of cases) names.push((await create(emu, model, { instances: [{ prompt: `size ${model}` }], parameters })).body.name);
    for (const [index, [, parameters, width, height, audio]] of cases.entries()) {
      const done = await finished(emu, names[index]);
      const facts = await readMp4((await downloadVideo(done.response.generateVideoResponse.generatedSamples[0].video.uri)).bytes);
      expect(facts).toMatchObject({ width, height, audioCodec: audio ? 'aac' : null });
      expect(facts.duration).toBeCloseTo(Number(parameters['durationSeconds']), 0);
    }
  });

  it('takes the key as x-goog-api-key or ?key=, refuses a missing or wrong one with 403 PERMISSION_DENIED, never echoing it', async () => {
    const emu = await start();
    const body = { instances: [{ prompt: 'auth' }] };
    const missing = await create(emu, 'veo-3.1-generate-preview', body, {});
    expect(missing.status).toBe(403);
    expect(missing.body.error).toMatchObject({ code: 403, status: 'PERMISSION_DENIED' });
    const wrong = await create(emu, 'veo-3.1-generate-preview', body, { 'x-goog-api-key': 'not-the-key-xyz' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.message).toBe('API key not valid. Please pass a valid API key.');
    expect(JSON.stringify(wrong.body)).not.toContain('not-the-key-xyz');
    const byQuery = await http(`${emu.url}/models/veo-3.1-generate-preview:predictLongRunning?key=${KEY}`, jsonInit('POST', body));
    expect(byQuery.status).toBe(200);
    expect((await http(`${emu.url}/${byQuery.body.name}?key=${KEY}`)).status).toBe(200);
    expect((await http(`${emu.url}/${byQuery.body.name}`)).status).toBe(403);
  });

  it('has no list, cancel or delete of operations, and 404s unknown models and operations in the Google envelope', async () => {
    const emu = await start();
    const { body } = await create(emu, 'veo-3.1-generate-preview', { instances: [{ prompt: 'no cancel' }] });
    for (const [method, path] of [
      ['GET', '/models/veo-3.1-generate-preview/operations'],
      ['POST', `/${body.name}:cancel`],
      ['DELETE', `/${body.name}`],
      ['GET', '/operations'],
    ] as const) {
      const result = await http(`${emu.url}${path}`, { method, headers: AUTH });
      expect(result.status, `${method} ${path}`).toBe(404);
      expect(result.body.error).toMatchObject({ code: 404, status: 'NOT_FOUND' });
    }
    const unknownModel = await create(emu, 'veo-9-generate', { instances: [{ prompt: 'x' }] });
    expect(unknownModel.status).toBe(404);
    expect(unknownModel.body.error.message).toContain('models/veo-9-generate is not found for API version v1beta');
    expect((await http(`${emu.url}/models/veo-3.1-generate-preview/operations/zzzzzzzzzzzz`, { headers: AUTH })).status).toBe(404);
    // An operation is found under its own model only.
    expect((await http(`${emu.url}/${body.name.replace('veo-3.1-generate-preview', 'veo-2.0-generate-001')}`, { headers: AUTH })).status).toBe(404);
  });

  it('reports a safety block as done with raiMediaFilteredCount and no samples, and a prompt blocked up front as a 400', async () => {
    const emu = await start({ faults: { moderation: { failPattern: 'forbidden', blockPattern: 'refused now' } } });
    const { body } = await create(emu, 'veo-3.1-generate-preview', { instances: [{ prompt: 'something forbidden' }] });
    const done = await finished(emu, body.name);
    expect(done.error).toBeUndefined();
    expect(done.response.generateVideoResponse.generatedSamples).toBeUndefined();
    expect(done.response.generateVideoResponse.raiMediaFilteredCount).toBe(1);
    expect(done.response.generateVideoResponse.raiMediaFilteredReasons[0]).toContain('You have not been charged');
    const blocked = await create(emu, 'veo-3.1-generate-preview', { instances: [{ prompt: 'refused now please' }] });
    expect(blocked.status).toBe(400);
    expect(blocked.body.error.status).toBe('INVALID_ARGUMENT');
    expect(emu.stats().createsAccepted).toBe(1);
  });

  it('removes files 48 hours after they were made: the download is then 404, the operation still answers', async () => {
    const emu = await start();
    const { body } = await create(emu, 'veo-3.1-fast-generate-preview', { instances: [{ prompt: 'expires' }], parameters: { durationSeconds: 4 } });
    const done = await finished(emu, body.name);
    const uri = done.response.generateVideoResponse.generatedSamples[0].video.uri;
    expect((await downloadVideo(uri)).status).toBe(200);
    emu.advanceClock(47 * 3600);
    expect((await downloadVideo(uri)).status).toBe(200);
    emu.advanceClock(3600);
    const gone = await http(uri, { headers: AUTH });
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatchObject({ code: 404, status: 'NOT_FOUND' });
    expect((await http(`${emu.url}/${body.name}`, { headers: AUTH })).body).toEqual(done);
  });

  it('extends a 720p video by 7 s into a new operation, and refuses what cannot be extended', async () => {
    const emu = await start({ fps: 2 });
    const first = await create(emu, 'veo-3.1-generate-preview', { instances: [{ prompt: 'extend me' }], parameters: { durationSeconds: 4 } });
    const uri = (await finished(emu, first.body.name)).response.generateVideoResponse.generatedSamples[0].video.uri;
    const extended = await create(emu, 'veo-3.1-generate-preview', { instances: [{ prompt: 'and then', video: { uri } }], parameters: { durationSeconds: 8 } });
    expect(extended.status).toBe(200);
    const done = await finished(emu, extended.body.name);
    const facts = await readMp4((await downloadVideo(done.response.generateVideoResponse.generatedSamples[0].video.uri)).bytes);
    expect(facts.duration).toBeCloseTo(11, 0);
    expect(emu.stats().jobs[1]?.remixed_from).toBe(emu.stats().jobs[0]?.id);

    const lite = await create(emu, 'veo-3.1-lite-generate-preview', { instances: [{ prompt: 'x', video: { uri } }] });
    expect(lite.body.error.message).toContain("video (extension) isn't supported by veo-3.1-lite-generate-preview");
    const unknown = await create(emu, 'veo-3.1-generate-preview', {
      instances: [{ prompt: 'x', video: { uri: `${originOf(emu)}/v1beta/files/nosuchfile:download` } }],
    });
    expect(unknown.status).toBe(400);
  });

  it('starts image-to-video from an image given as base64 with its MIME type', async () => {
    await withTempDir(async (dir) => {
      const emu = await start({ fps: 2 });
      const png = (await makeImage(640, 360, 'png', dir)).toString('base64');
      const ok = await create(emu, 'veo-3.1-fast-generate-preview', {
        instances: [{ prompt: 'from a picture', image: { bytesBase64Encoded: png, mimeType: 'image/png' } }],
        parameters: { durationSeconds: 4, personGeneration: 'allow_adult' },
      });
      expect(ok.status).toBe(200);
      const done = await finished(emu, ok.body.name);
      expect(done.response.generateVideoResponse.generatedSamples).toHaveLength(1);
      const mismatch = await create(emu, 'veo-3.1-fast-generate-preview', {
        instances: [{ prompt: 'x', image: { bytesBase64Encoded: png, mimeType: 'image/jpeg' } }],
      });
      expect(mismatch.body.error.message).toContain('mimeType is image/jpeg but the bytes are image/png');
      const person = await create(emu, 'veo-3.1-fast-generate-preview', {
        instances: [{ prompt: 'x', image: { bytesBase64Encoded: png, mimeType: 'image/png' } }],
        parameters: { personGeneration: 'allow_all' },
      });
      expect(person.body.error.message).toBe('allow_all for personGeneration is currently not supported. Supported values: allow_adult.');
    });
  });

  it('injects faults in the Google envelope: 5xx, 429 RESOURCE_EXHAUSTED with Retry-After, the in-flight and per-minute limits, dropped creates, truncated downloads', async () => {
    // Three creates a minute: the throttled one counts, as it reached the limits.
    const emu = await start({ inFlightLimit: 1, createsPerMinute: 3 });
    const body = { instances: [{ prompt: 'faults' }], parameters: { durationSeconds: 4 } };
    await setFaults(emu, { serverError: { rate: 1, routes: ['create'], status: 503 } });
    const unavailable = await create(emu, 'veo-3.1-fast-generate-preview', body);
    expect(unavailable.status).toBe(503);
    expect(unavailable.body).toEqual({ error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' } });
    await setFaults(emu, { rateLimit: { rate: 1, retryAfterSeconds: 7 } });
    const throttled = await create(emu, 'veo-3.1-fast-generate-preview', body);
    expect(throttled.status).toBe(429);
    expect(throttled.body.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(throttled.headers.get('retry-after')).toBe('7');
    await setFaults(emu, {});
    const first = await create(emu, 'veo-3.1-fast-generate-preview', body);
    expect(first.status).toBe(200);
    const overLimit = await create(emu, 'veo-3.1-fast-generate-preview', body);
    expect(overLimit.status).toBe(429);
    expect(overLimit.body.error.status).toBe('RESOURCE_EXHAUSTED');
    const done = await finished(emu, first.body.name);
    expect((await create(emu, 'veo-3.1-fast-generate-preview', body)).status).toBe(200);
    const perMinute = await create(emu, 'veo-3.1-fast-generate-preview', body);
    expect(perMinute.status).toBe(429); // the fourth create within a minute of the virtual clock
    expect(perMinute.body.error.status).toBe('RESOURCE_EXHAUSTED');

    emu.advanceClock(120);
    await setFaults(emu, { dropConnection: { beforeCommit: 1 } });
    await expect(fetch(`${emu.url}/models/veo-3.1-fast-generate-preview:predictLongRunning`, jsonInit('POST', body, AUTH))).rejects.toThrow();
    const before = emu.stats().createsAccepted;
    await setFaults(emu, { dropConnection: { afterCommit: 1 } });
    await expect(fetch(`${emu.url}/models/veo-3.1-fast-generate-preview:predictLongRunning`, jsonInit('POST', body, AUTH))).rejects.toThrow();
    expect(emu.stats().createsAccepted).toBe(before + 1); // the lost answer's job exists, and is paid for

    await setFaults(emu, { truncateContent: { rate: 1, keepFraction: 0.5 } });
    const uri = done.response.generateVideoResponse.generatedSamples[0].video.uri;
    const location = (await http(uri, { headers: AUTH })).headers.get('location')!;
    await expect(fetch(location, { headers: AUTH }).then((response) => response.arrayBuffer())).rejects.toThrow();
  });

  it('keeps operations, files and the clock across a restart on a state directory, with URIs on the new origin', async () => {
    await withTempDir(async (stateDir) => {
      const first = await startTestEmulator({ flavor: 'gemini', stateDir });
      const { body } = await http(
        `${first.url}/models/veo-3.1-fast-generate-preview:predictLongRunning`,
        jsonInit('POST', { instances: [{ prompt: 'persist' }], parameters: { durationSeconds: 4 } }),
      );
      const done = (
        await pollUntil(
          () => http(`${first.url}/${body.name}`),
          (result) => result.body.done === true,
        )
      ).body;
      const bytes = (await http(done.response.generateVideoResponse.generatedSamples[0].video.uri, { redirect: 'follow' })).bytes;
      first.advanceClock(40 * 3600);
      await first.close();
      const second = await startTestEmulator({ flavor: 'gemini', stateDir });
      try {
        const again = (await http(`${second.url}/${body.name}`)).body;
        const uri = again.response.generateVideoResponse.generatedSamples[0].video.uri;
        expect(uri.startsWith(originOf(second))).toBe(true);
        expect((await http(uri, { redirect: 'follow' })).bytes.equals(bytes)).toBe(true);
        second.advanceClock(9 * 3600);
        expect((await http(uri)).status).toBe(404);
      } finally {
        await second.close();
      }
    });
  });
});
