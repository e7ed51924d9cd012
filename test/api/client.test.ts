import { getEventListeners } from 'node:events';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  abortableSleep,
  ApiError,
  AuthError,
  createVideosClient,
  CreateOutcomeUnknownError,
  InsecureHttpError,
  NotFoundError,
  RateLimitError,
  ResponseFormatError,
  TimeoutError,
  UnsupportedFeatureError,
  type VideosClientOptions,
} from '../../src/api/index.js';
import { azureProfile, emulatorProfile } from '../../src/providers/builtin.js';
import type { ProviderProfile } from '../../src/providers/profile.js';
import {
  createFixtures,
  errorBody,
  failure,
  freePort,
  sendJson,
  startServer,
  wireVideo,
  type Handler,
  type Harness,
  type Seen,
  type TestServer,
} from './server.js';

const KEY = 'sk-test-SECRET-0123456789abcdef';
const multipartProfile: ProviderProfile = { ...emulatorProfile, name: 'multi', encoding: 'multipart', statusAliases: { processing: 'in_progress' } };

const fixtures = createFixtures(KEY);
const { clients, harness } = fixtures;
/** A profile whose ids are LiteLLM's base64 (with `/`, `+`, `=`), that can also delete. */
const BASE64_IDS: ProviderProfile = { ...emulatorProfile, videoIdForm: 'video-base64' };
afterEach(() => fixtures.closeAll());

/** Parses a multipart body with undici's own (spec-compliant) parser. */
async function formOf(seen: Seen): Promise<FormData> {
  return new Response(seen.body, { headers: { 'content-type': String(seen.headers['content-type']) } }).formData();
}

describe('request shapes', () => {
  it('sends a JSON create with seconds as a string and the bearer key', async () => {
    const h = await harness((_req, res) => sendJson(res, 200, wireVideo()));
    const video = await h.client.create({ prompt: 'a mug', model: 'sora-2', size: '1280x720', seconds: 8, extra: { seed: 7 } });
    expect(video.id).toBe('video_abc123');
    const [seen] = h.server.seen;
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/v1/videos');
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(seen?.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(seen?.headers['user-agent']).toBe('shotlist');
    expect(seen?.body.toString()).toBe(JSON.stringify({ prompt: 'a mug', model: 'sora-2', size: '1280x720', seconds: '8', seed: 7 }));
  });

  it('sends multipart with every field a string part when the profile says so', async () => {
    const h = await harness((_req, res) => sendJson(res, 200, wireVideo()), { profile: multipartProfile });
    await h.client.create({ prompt: 'a teapot', size: '720x1280', seconds: '4', extra: { seed: 3, enhance: true } });
    const seen = h.server.seen[0] as Seen;
    expect(seen.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const form = await formOf(seen);
    expect([...form.entries()]).toEqual([
      ['prompt', 'a teapot'],
      ['size', '720x1280'],
      ['seconds', '4'],
      ['seed', '3'],
      ['enhance', 'true'],
    ]);
  });

  it('sends an input_reference as a file part, even on a JSON profile', async () => {
    const h = await harness((_req, res) => sendJson(res, 200, wireVideo()));
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    await h.client.create({ prompt: 'unbox', seconds: '4', inputReference: { bytes: png, mimeType: 'image/png', fileName: 'mug.png' } });
    const form = await formOf(h.server.seen[0] as Seen);
    expect(form.get('prompt')).toBe('unbox');
    expect(form.get('seconds')).toBe('4');
    const file = form.get('input_reference') as File;
    expect(file.name).toBe('mug.png');
    expect(file.type).toBe('image/png');
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(png);
  });

  it('sends extras inside extra_body when the profile says so: an object in JSON, a JSON string in a form', async () => {
    const profile: ProviderProfile = { ...emulatorProfile, extraFields: { allowed: [], placement: 'extra_body' } };
    const h = await harness((_req, res) => sendJson(res, 200, wireVideo()), { profile });
    await h.client.create({ prompt: 'a mug', model: 'veo-3', extra: { seed: 7, negative_prompt: 'blur' } });
    expect(JSON.parse(h.server.seen[0]!.body.toString())).toEqual({ prompt: 'a mug', model: 'veo-3', extra_body: { seed: 7, negative_prompt: 'blur' } });
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    await h.client.create({ prompt: 'unbox', extra: { seed: 7 }, inputReference: { bytes: png, mimeType: 'image/png', fileName: 'mug.png' } });
    const form = await formOf(h.server.seen[1] as Seen);
    expect(form.get('extra_body')).toBe('{"seed":7}');
    expect(form.get('seed')).toBeNull();
  });

  it('sends a remix as {prompt} to the source video, id percent-encoded', async () => {
    const h = await harness((_req, res) => sendJson(res, 200, wireVideo({ id: 'video_new', remixed_from_video_id: 'video_a/b+c=' })), { profile: BASE64_IDS });
    const video = await h.client.remix('video_a/b+c=', 'at dusk');
    expect(video.remixedFromVideoId).toBe('video_a/b+c=');
    expect(h.server.seen[0]?.url).toBe('/v1/videos/video_a%2Fb%2Bc%3D/remix');
    expect(h.server.seen[0]?.body.toString()).toBe('{"prompt":"at dusk"}');
  });

  it('percent-encodes ids in retrieve and delete paths', async () => {
    const id = 'video_bGl0ZWxsbTpj/dXN0b20+=';
    const h = await harness(
      (req, res) => (req.method === 'DELETE' ? sendJson(res, 200, { id, object: 'video.deleted', deleted: true }) : sendJson(res, 200, wireVideo({ id }))),
      { profile: BASE64_IDS },
    );
    expect((await h.client.retrieve(id)).video.id).toBe(id);
    await h.client.delete(id);
    expect(h.server.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /v1/videos/video_bGl0ZWxsbTpj%2FdXN0b20%2B%3D',
      'DELETE /v1/videos/video_bGl0ZWxsbTpj%2FdXN0b20%2B%3D',
    ]);
  });

  it.each([
    ['api-key style', azureProfile, KEY, { 'api-key': KEY, authorization: undefined }],
    [
      'style none',
      { ...emulatorProfile, auth: { ...emulatorProfile.auth, style: 'none' } } as ProviderProfile,
      KEY,
      { 'api-key': undefined, authorization: undefined },
    ],
    ['no key', emulatorProfile, null, { 'api-key': undefined, authorization: undefined }],
  ])('sends credentials per the profile: %s', async (_name, profile, apiKey, expected) => {
    const h = await harness((_req, res) => sendJson(res, 200, wireVideo()), { profile, apiKey });
    await h.client.retrieve('video_abc123');
    const headers = h.server.seen[0]?.headers;
    expect({ 'api-key': headers?.['api-key'], authorization: headers?.['authorization'] }).toEqual(expected);
  });
});

describe('retries of idempotent calls', () => {
  it('retries a 503 after the retry-after-ms delay and reports it', async () => {
    const h = await harness((_req, res, _s, n) =>
      n === 0
        ? sendJson(res, 503, errorBody('overloaded', 'server_error', null), { 'retry-after-ms': '1234', 'retry-after': '9' })
        : sendJson(res, 200, wireVideo()),
    );
    await h.client.retrieve('video_abc123');
    expect(h.server.seen).toHaveLength(2);
    expect(h.sleeps).toEqual([1234]);
    expect(h.retries).toEqual([expect.objectContaining({ method: 'GET', path: '/v1/videos/video_abc123', retry: 1, delayMs: 1234, status: 503 })]);
  });

  it('retries a 429 after retry-after seconds, and 5xx with computed backoff', async () => {
    const h = await harness((_req, res, _s, n) => {
      if (n === 0) sendJson(res, 429, errorBody('slow down', 'requests', 'rate_limit_exceeded'), { 'retry-after': '3' });
      else if (n === 1) sendJson(res, 502, errorBody('bad gateway', 'server_error', null));
      else sendJson(res, 200, { object: 'list', data: [], first_id: null, last_id: null, has_more: false });
    });
    await h.client.list({ limit: 10 });
    expect(h.sleeps).toEqual([3000, 1000]);
    expect(h.server.seen).toHaveLength(3);
  });

  it('gives up after maxRetries with the last error', async () => {
    const h = await harness((_req, res) => sendJson(res, 500, errorBody('boom', 'server_error', null)), {
      retry: { ...(await import('../../src/api/index.js')).defaultRetryPolicy, maxRetries: 2 },
    });
    const error = await failure(h.client.retrieve('video_abc123'));
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(500);
    expect(h.server.seen).toHaveLength(3);
    expect(h.sleeps).toEqual([500, 1000]);
  });

  it.each([
    [400, ApiError, 'invalid_request_error', 'invalid_value'],
    [404, NotFoundError, 'invalid_request_error', null],
    [401, AuthError, 'invalid_request_error', 'invalid_api_key'],
  ])('does not retry %i', async (status, type, errType, code) => {
    const h = await harness((_req, res) => sendJson(res, status, errorBody('nope', errType, code, 'size'), { 'x-request-id': 'req_42' }));
    const error = (await failure(h.client.retrieve('video_abc123'))) as ApiError;
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ status, serverMessage: 'nope', type: errType, param: 'size', serverCode: code, requestId: 'req_42' });
    expect(error.message).toMatch(new RegExp(`^GET /v1/videos/video_abc123: HTTP ${status}: nope`));
    expect(h.server.seen).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
  });

  it('retries a DELETE answered 409 (vLLM-Omni cancellation in progress)', async () => {
    const h = await harness((_req, res, _s, n) =>
      n === 0
        ? sendJson(res, 409, errorBody('Cancellation in progress. Please try again later.', 'Conflict', 409))
        : sendJson(res, 200, { id: 'video_abc123', object: 'video.deleted', deleted: true }),
    );
    await h.client.delete('video_abc123');
    expect(h.server.seen.map((s) => s.method)).toEqual(['DELETE', 'DELETE']);
  });

  it('rejects a 200 that is not JSON, or too large, without retrying', async () => {
    const h = await harness((_req, res, _s, n) => {
      if (n === 0) {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>login</html>');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`);
      }
    });
    const html = await failure(h.client.retrieve('video_abc123'));
    expect(html).toBeInstanceOf(ResponseFormatError);
    expect(html.message).toMatch(/expected JSON, got content-type text\/html/);
    const huge = await failure(h.client.retrieve('video_abc123'));
    expect(huge).toBeInstanceOf(ResponseFormatError);
    expect(huge.message).toMatch(/larger than 1048576 bytes/);
    expect(h.server.seen).toHaveLength(2);
  });

  it('times out a GET that never answers, then retries it', async () => {
    const h = await harness((_req, res, _s, n) => (n === 0 ? undefined : sendJson(res, 200, wireVideo())), { timeoutMs: 200 });
    await h.client.retrieve('video_abc123');
    expect(h.server.seen).toHaveLength(2);
    expect(h.retries[0]?.reason).toMatch(/no complete answer within 200 ms/);
  });
});

describe('creates are never resent once they may have reached the server', () => {
  const req = { prompt: 'a mug', model: 'sora-2', size: '1280x720', seconds: '8' } as const;

  async function unknownOutcome(handler: Handler, opts: Partial<VideosClientOptions> = {}): Promise<{ h: Harness; error: CreateOutcomeUnknownError }> {
    const h = await harness(handler, opts);
    const before = Date.now();
    const error = await failure(h.client.create(req));
    expect(error).toBeInstanceOf(CreateOutcomeUnknownError);
    const unknown = error as CreateOutcomeUnknownError;
    expect(unknown.code).toBe('create-outcome-unknown');
    expect(unknown.request).toEqual({ kind: 'create', prompt: 'a mug', model: 'sora-2', size: '1280x720', seconds: '8', remixOf: null, inputReference: null });
    expect(unknown.attemptStartedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(unknown.attemptStartedAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(h.server.seen).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
    return { h, error: unknown };
  }

  it('after a 500', async () => {
    const { error } = await unknownOutcome((_req, res) => sendJson(res, 500, errorBody('internal', 'server_error', null)));
    expect(error.cause).toBeInstanceOf(ApiError);
    expect(error.message).toMatch(/^POST \/v1\/videos: outcome unknown \(HTTP 500: internal/);
  });

  it('after the connection is reset once the server has the request', async () => {
    const { error } = await unknownOutcome((req) => {
      req.socket.destroy();
    });
    expect(error.message).toMatch(/connection lost/);
  });

  it('after a timeout', async () => {
    const { error } = await unknownOutcome(() => undefined, { timeoutMs: 150 });
    expect(error.cause).toBeInstanceOf(TimeoutError);
  });

  it('after a 408', async () => {
    await unknownOutcome((_req, res) => sendJson(res, 408, errorBody('timeout', 'server_error', null)));
  });

  it('after a 2xx that is not a Video', async () => {
    const { error } = await unknownOutcome((_req, res) => sendJson(res, 200, { object: 'video', status: 'queued' }));
    expect(error.cause).toBeInstanceOf(ResponseFormatError);
  });

  it('after an abort while the request is in flight', async () => {
    const controller = new AbortController();
    const h = await harness(() => controller.abort(new Error('user pressed Ctrl-C')));
    const error = await failure(h.client.create(req, { signal: controller.signal }));
    expect(error).toBeInstanceOf(CreateOutcomeUnknownError);
    expect((error.cause as Error).message).toBe('user pressed Ctrl-C');
    expect(h.server.seen).toHaveLength(1);
  });

  it('is retried after a 429, which created nothing', async () => {
    const h = await harness((_req, res, _s, n) =>
      n === 0
        ? sendJson(res, 429, errorBody('Too many jobs in flight', 'requests', 'rate_limit_exceeded'), { 'retry-after': '2' })
        : sendJson(res, 200, wireVideo()),
    );
    const video = await h.client.create(req);
    expect(video.status).toBe('queued');
    expect(h.server.seen).toHaveLength(2);
    expect(h.sleeps).toEqual([2000]);
  });

  it('is not retried after insufficient_quota', async () => {
    const h = await harness((_req, res) =>
      sendJson(res, 429, errorBody('You exceeded your current quota', 'insufficient_quota', 'insufficient_quota'), { 'retry-after': '1' }),
    );
    const error = await failure(h.client.create(req));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ insufficientQuota: true, code: 'insufficient-quota', status: 429 });
    expect(h.server.seen).toHaveLength(1);
  });

  it('throws a plain ApiError for a 400, which is a definite refusal', async () => {
    const h = await harness((_req, res) => sendJson(res, 400, errorBody("Invalid value: '10'.", 'invalid_request_error', 'invalid_value', 'seconds')));
    const error = await failure(h.client.create(req));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).not.toBeInstanceOf(CreateOutcomeUnknownError);
    expect(h.server.seen).toHaveLength(1);
  });

  it('is retried when the connection was refused, before anything was sent', async () => {
    const port = await freePort();
    let late: TestServer | undefined;
    const client = createVideosClient({
      profile: emulatorProfile,
      baseUrl: `http://127.0.0.1:${port}/v1`,
      apiKey: KEY,
      random: () => 0,
      sleep: async () => {
        late ??= await startServer((_req, res) => sendJson(res, 200, wireVideo()), port);
      },
    });
    clients.push(client);
    try {
      expect((await client.create(req)).id).toBe('video_abc123');
      expect(late?.seen).toHaveLength(1);
    } finally {
      await late?.close();
    }
  });

  it('rejects with the abort reason when aborted during a 429 backoff', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const h = await harness((_req, res) => sendJson(res, 429, errorBody('slow down', 'requests', 'rate_limit_exceeded'), { 'retry-after': '30' }), {
      sleep: abortableSleep,
      onRetry: () => setTimeout(() => controller.abort(reason), 20),
    });
    const started = Date.now();
    const error = await failure(h.client.create(req, { signal: controller.signal }));
    expect(error).toBe(reason);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(h.server.seen).toHaveLength(1);
  });
});

describe('statuses and polling', () => {
  it("maps profile aliases and clamps openai-poll-after-ms to the profile's floor and 60 s", async () => {
    const pollAfter = ['5000', '10', '600000', 'soon'];
    const h = await harness(
      (_req, res, _s, n) => sendJson(res, 200, wireVideo({ status: 'processing', progress: 33 }), { 'openai-poll-after-ms': pollAfter[n] ?? '' }),
      { profile: { ...multipartProfile, limits: { ...multipartProfile.limits, minPollMs: 1000 } } },
    );
    const results = [];
    for (let i = 0; i < pollAfter.length; i++) results.push(await h.client.retrieve('video_abc123'));
    expect(results.map((r) => r.pollAfterMs)).toEqual([5000, 1000, 60_000, null]);
    expect(results[0]?.video).toMatchObject({ status: 'in_progress', serverStatus: 'processing', progress: 33 });

    // A floor other than the client's former fixed 1 s, so the clamp is seen to read the profile.
    const low = await harness((_req, res) => sendJson(res, 200, wireVideo(), { 'openai-poll-after-ms': '10' }), {
      profile: { ...multipartProfile, limits: { ...multipartProfile.limits, minPollMs: 250 } },
    });
    expect((await low.client.retrieve('video_abc123')).pollAfterMs).toBe(250);
  });

  it('treats an unknown status as a terminal failure', async () => {
    const h = await harness((_req, res) => sendJson(res, 200, wireVideo({ status: 'cancelled' })));
    expect((await h.client.retrieve('video_abc123')).video).toMatchObject({ status: 'failed', serverStatus: 'cancelled' });
  });

  it('reads a failed job sent with a 500 (vLLM-Omni) as a failed Video, without retrying', async () => {
    const id = 'video_gen_0123456789abcdef0123456789abcdef';
    const h = await harness((_req, res) =>
      sendJson(res, 500, {
        id,
        object: 'video',
        status: 'failed',
        created_at: 1,
        size: null,
        seconds: '4',
        error: { code: 500, message: 'CUDA out of memory' },
        peak_memory_mb: 1,
      }),
    );
    const { video } = await h.client.retrieve(id);
    expect(video).toMatchObject({ id, status: 'failed', error: { code: '500', message: 'CUDA out of memory' } });
    expect(h.server.seen).toHaveLength(1);
  });

  it('still treats a 500 with an error envelope as an error', async () => {
    const h = await harness((_req, res) => sendJson(res, 500, errorBody('boom', 'server_error', null)), {
      retry: { ...(await import('../../src/api/index.js')).defaultRetryPolicy, maxRetries: 0 },
    });
    expect(await failure(h.client.retrieve('video_abc123'))).toBeInstanceOf(ApiError);
  });
});

describe('listing', () => {
  const page = (ids: string[], hasMore: boolean, createdAt = 100) => ({
    object: 'list',
    data: ids.map((id, i) => wireVideo({ id, created_at: createdAt - i })),
    first_id: ids[0] ?? null,
    last_id: ids.at(-1) ?? null,
    has_more: hasMore,
  });

  it('follows after / has_more / last_id', async () => {
    const pages = [page(['video_1', 'video_2'], true), page(['video_3'], true), page([], false)];
    const h = await harness((_req, res, _s, n) => sendJson(res, 200, pages[n]));
    const ids: string[] = [];
    for await (const v of h.client.listAll({ pageSize: 2 })) ids.push(v.id);
    expect(ids).toEqual(['video_1', 'video_2', 'video_3']);
    expect(h.server.seen.map((s) => s.url)).toEqual([
      '/v1/videos?limit=2&order=desc',
      '/v1/videos?limit=2&order=desc&after=video_2',
      '/v1/videos?limit=2&order=desc&after=video_3',
    ]);
  });

  it('stops at createdAfter when newest come first', async () => {
    const h = await harness((_req, res) => sendJson(res, 200, page(['video_new', 'video_mid', 'video_old'], true, 100)));
    const ids: string[] = [];
    for await (const v of h.client.listAll({ createdAfter: 99 })) ids.push(v.id);
    expect(ids).toEqual(['video_new', 'video_mid']);
    expect(h.server.seen).toHaveLength(1);
  });

  it('stops when a server repeats its cursor', async () => {
    const h = await harness((_req, res) => sendJson(res, 200, page(['video_1'], true)));
    const ids: string[] = [];
    for await (const v of h.client.listAll()) ids.push(v.id);
    expect(ids).toEqual(['video_1', 'video_1']);
    expect(h.server.seen).toHaveLength(2);
  });
});

describe('safety', () => {
  it('never puts the key in an error, its string form, or a retry report', async () => {
    const echo: Handler = (req, res, _s, n) => {
      const heard = String(req.headers['authorization']);
      if (n === 0) sendJson(res, 503, errorBody(`overloaded for ${heard}`, 'server_error', heard));
      else sendJson(res, 401, errorBody(`Incorrect API key provided: ${heard}`, 'invalid_request_error', 'invalid_api_key', heard));
    };
    const h = await harness(echo);
    const error = await failure(h.client.retrieve('video_abc123'));
    expect(error).toBeInstanceOf(AuthError);
    const texts = [error.message, String(error), inspect(error, { depth: 10 }), JSON.stringify(error), JSON.stringify(h.retries)];
    for (const text of texts) expect(text).not.toContain(KEY);
    expect(error.message).toContain('[redacted]');
    expect(h.retries[0]?.reason).toContain('[redacted]');

    const h2 = await harness((req, res) => sendJson(res, 500, errorBody(String(req.headers['authorization']), 'server_error', null)));
    const unknown = await failure(h2.client.create({ prompt: 'p' }));
    expect(unknown).toBeInstanceOf(CreateOutcomeUnknownError);
    expect(inspect(unknown, { depth: 10 })).not.toContain(KEY);
  });

  it('refuses plain HTTP to another machine unless opted in', () => {
    const make = (baseUrl: string, allowInsecureHttp?: boolean) =>
      createVideosClient({ profile: emulatorProfile, baseUrl, apiKey: KEY, ...(allowInsecureHttp === undefined ? {} : { allowInsecureHttp }) });
    expect(() => make('http://gpu-box.lan:8091/v1')).toThrow(InsecureHttpError);
    expect(() => make('http://gpu-box.lan:8091/v1')).toThrow(
      expect.objectContaining({ code: 'insecure-http', hint: expect.stringMatching(/--allow-insecure-http/) }),
    );
    for (const ok of ['http://127.0.0.1:1/v1', 'http://localhost:1/v1', 'http://[::1]:1/v1', 'https://api.openai.com/v1']) {
      clients.push(make(ok));
    }
    clients.push(make('http://gpu-box.lan:8091/v1', true));
  });

  it('rejects a call whose signal is already aborted without sending anything', async () => {
    const h = await harness((_req, res) => sendJson(res, 200, wireVideo()));
    const reason = new Error('already');
    await expect(h.client.retrieve('video_abc123', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await expect(h.client.create({ prompt: 'p' }, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(h.server.seen).toHaveLength(0);
  });

  it('refuses endpoints the profile says the server lacks, before sending anything', async () => {
    const bare: ProviderProfile = {
      ...emulatorProfile,
      name: 'bare',
      features: { remix: false, delete: false, list: false, contentVariants: ['video'], inputReference: false },
    };
    const h = await harness((_req, res) => sendJson(res, 200, wireVideo()), { profile: bare });
    const refusals = [
      [h.client.remix('video_1', 'p'), /provider "bare" does not support remix/],
      [h.client.delete('video_1'), /deleting videos/],
      [h.client.list(), /listing videos/],
      [h.client.download('video_1', 'thumbnail', '/nonexistent/x'), /the thumbnail variant \(its profile sets features.contentVariants: \[video\]\)/],
    ] as const;
    for (const [call, message] of refusals) {
      const error = await failure(call);
      expect(error).toBeInstanceOf(UnsupportedFeatureError);
      expect(error.message).toMatch(message);
    }
    expect(h.server.seen).toHaveLength(0);
  });

  it("leaves no listener on the caller's signal once a call is done", async () => {
    const h = await harness((_req, res, _s, n) => (n === 1 ? sendJson(res, 200, wireVideo()) : sendJson(res, 503, errorBody('busy', 'server_error', null))));
    const controller = new AbortController();
    await h.client.retrieve('video_abc123', { signal: controller.signal });
    await failure(h.client.create({ prompt: 'p' }, { signal: controller.signal })); // the next 503: outcome unknown
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('cuts a backoff wait short on abort', async () => {
    const controller = new AbortController();
    const h = await harness((_req, res) => sendJson(res, 503, errorBody('busy', 'server_error', null), { 'retry-after': '30' }), {
      sleep: abortableSleep,
      onRetry: () => setTimeout(() => controller.abort(new Error('bye')), 20),
    });
    const started = Date.now();
    await expect(h.client.retrieve('video_abc123', { signal: controller.signal })).rejects.toThrow('bye');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(h.server.seen).toHaveLength(1);
  });
});
