import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProtocolClient, type VideoProtocolClient } from '../../src/api/index.js';
import { builtinProfiles } from '../../src/providers/builtin.js';
import { startTestEmulator } from '../emulator/helpers.js';
import { startRecordingProxy, type RecordedRequest } from '../providers/recording-proxy.js';

/**
 * What each protocol's client sends, compared with the documented examples of the references
 * (shared/reference/gemini-veo.md §2–§3, fal-queue.md §1–§2, replicate.md §1–§2), so that the
 * client and the emulator cannot agree on a mistake unnoticed: paths, auth headers, bodies.
 */

const KEY = 'shape-test-key-0123456789';

async function recorded(
  flavor: 'gemini' | 'fal' | 'replicate',
  profile: string,
  run: (client: VideoProtocolClient) => Promise<void>,
  onTestFinished: (fn: () => Promise<void>) => void,
): Promise<RecordedRequest[]> {
  const emu = await startTestEmulator({ flavor, apiKey: KEY, createsPerMinute: null });
  onTestFinished(() => emu.close());
  const proxy = await startRecordingProxy(emu.url);
  onTestFinished(() => proxy.close());
  const prefix = new URL(emu.url).pathname.replace(/\/$/, '');
  const client = createProtocolClient({ profile: builtinProfiles[profile]!, baseUrl: `${proxy.origin}${prefix}`, apiKey: KEY });
  onTestFinished(() => client.close());
  await run(client);
  return proxy.requests;
}

function json(request: RecordedRequest): unknown {
  return JSON.parse(request.body.toString('utf8'));
}

async function untilDone(client: VideoProtocolClient, id: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { video } = await client.retrieve(id);
    if (video.status === 'completed' || video.status === 'failed') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${id} never finished`);
}

describe('requests as the references document them', () => {
  it('gemini: POST /v1beta/models/{model}:predictLongRunning with x-goog-api-key, instances and parameters; GET /v1beta/{operation name}', async ({
    onTestFinished,
  }) => {
    let id = '';
    const requests = await recorded(
      'gemini',
      'veo',
      async (client) => {
        const video = await client.create({
          prompt: 'A lighthouse at dusk',
          model: 'veo-3.1-fast-generate-preview',
          size: '1280x720',
          seconds: '4',
          extra: { negative_prompt: 'fog' },
        });
        id = video.id;
        await untilDone(client, id);
      },
      onTestFinished,
    );
    const [create, poll] = requests;
    expect(create!.method).toBe('POST');
    expect(create!.url).toBe('/v1beta/models/veo-3.1-fast-generate-preview:predictLongRunning');
    expect(create!.headers['x-goog-api-key']).toBe(KEY);
    expect(create!.url).not.toContain('key=');
    // §3: one instance; the parameters under their REST names; durationSeconds a number.
    expect(json(create!)).toEqual({
      instances: [{ prompt: 'A lighthouse at dusk' }],
      parameters: { aspectRatio: '16:9', resolution: '720p', durationSeconds: 4, negativePrompt: 'fog' },
    });
    expect(id).toMatch(/^models\/veo-3\.1-fast-generate-preview\/operations\/[a-z0-9]+$/);
    expect([poll!.method, poll!.url]).toEqual(['GET', `/v1beta/${id}`]);
  });

  it('fal: POST to the full endpoint id with Authorization: Key and the bare input; status and result under {owner}/{alias} only', async ({
    onTestFinished,
  }) => {
    let id = '';
    const requests = await recorded(
      'fal',
      'fal',
      async (client) => {
        const video = await client.create({ prompt: 'A harbor', model: 'fal-ai/kling-video/v2.1/master/text-to-video', size: '1920x1080', seconds: '5' });
        id = video.id;
        await untilDone(client, id);
      },
      onTestFinished,
    );
    const [submit, ...rest] = requests;
    expect([submit!.method, submit!.url]).toEqual(['POST', '/fal-ai/kling-video/v2.1/master/text-to-video']);
    expect(submit!.headers['authorization']).toBe(`Key ${KEY}`);
    // §1: the model's input as a bare object; Kling's duration is the string "5" (§12).
    expect(json(submit!)).toEqual({ prompt: 'A harbor', aspect_ratio: '16:9', duration: '5' });
    const requestId = id.split('/').at(-1)!;
    expect(id).toBe(`fal-ai/kling-video/requests/${requestId}`);
    expect(rest.map((r) => `${r.method} ${r.url}`)).toContain(`GET /fal-ai/kling-video/requests/${requestId}/status`);
    expect(rest.map((r) => `${r.method} ${r.url}`).at(-1)).toBe(`GET /fal-ai/kling-video/requests/${requestId}`);
  });

  it('fal: a silent Veo job sends generate_audio: false as a JSON boolean (§12: generate_audio bool, default true)', async ({ onTestFinished }) => {
    const requests = await recorded(
      'fal',
      'fal',
      async (client) => {
        const video = await client.create({
          prompt: 'A quiet pond',
          model: 'fal-ai/veo3.1',
          size: '720x1280',
          seconds: '8',
          extra: { generate_audio: false, seed: 3 },
        });
        await untilDone(client, video.id);
      },
      onTestFinished,
    );
    const [submit] = requests;
    expect([submit!.method, submit!.url]).toEqual(['POST', '/fal-ai/veo3.1']);
    expect(json(submit!)).toEqual({ prompt: 'A quiet pond', aspect_ratio: '9:16', resolution: '720p', duration: '8s', generate_audio: false, seed: 3 });
  });

  it('replicate: POST /v1/models/{owner}/{name}/predictions with a bearer token and {input}, duration an integer; GET /v1/predictions/{id}', async ({
    onTestFinished,
  }) => {
    let id = '';
    const requests = await recorded(
      'replicate',
      'replicate',
      async (client) => {
        const video = await client.create({ prompt: 'A market', model: 'google/veo-3.1', size: '1280x720', seconds: '6' });
        id = video.id;
        await untilDone(client, id);
      },
      onTestFinished,
    );
    const [create, poll] = requests;
    expect([create!.method, create!.url]).toEqual(['POST', '/v1/models/google/veo-3.1/predictions']);
    expect(create!.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(json(create!)).toEqual({ input: { prompt: 'A market', aspect_ratio: '16:9', resolution: '720p', duration: 6 } });
    expect([poll!.method, poll!.url]).toEqual(['GET', `/v1/predictions/${id}`]);
  });

  it('downloads each result as a real MP4 within the byte limit', async ({ onTestFinished }) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-shape-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await recorded(
      'replicate',
      'replicate',
      async (client) => {
        const video = await client.create({ prompt: 'A quay', model: 'google/veo-3.1', size: '1280x720', seconds: '4' });
        await untilDone(client, video.id);
        await expect(client.download(video.id, 'video', path.join(dir, 'small.mp4'), { maxBytes: 100 })).rejects.toThrow(/more than the 100 allowed|100/);
        const saved = await client.download(video.id, 'video', path.join(dir, 'out.mp4'));
        expect(saved.bytes).toBeGreaterThan(1000);
        expect(saved.contentType).toBe('video/mp4');
      },
      onTestFinished,
    );
  });
});

/** A Replicate-shaped server that answers what a hostile one would: the key echoed back, output URLs elsewhere, ids that steer paths. */
async function hostileReplicate(
  answer: (url: string) => { status: number; body: unknown },
  onTestFinished: (fn: () => Promise<void>) => void,
): Promise<string> {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const { status, body } = answer(req.url ?? '/');
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
}

describe('what a server says is untrusted', () => {
  const prediction = (extra: Record<string, unknown>) => ({
    id: 'abc123',
    model: 'google/veo-3.1',
    status: 'succeeded',
    input: {},
    created_at: '2026-01-01T00:00:00Z',
    completed_at: '2026-01-01T00:01:00Z',
    ...extra,
  });

  it('refuses an output URL that is not https (or this machine, for a local server), before fetching it', async ({ onTestFinished }) => {
    const base = await hostileReplicate(() => ({ status: 200, body: prediction({ output: 'http://169.254.169.254/latest/meta-data' }) }), onTestFinished);
    const client = createProtocolClient({ profile: builtinProfiles['replicate']!, baseUrl: base, apiKey: KEY });
    onTestFinished(() => client.close());
    await expect(client.download('abc123', 'video', path.join(os.tmpdir(), 'never.mp4'))).rejects.toThrow(/is not an https URL/);
  });

  it('never quotes the key back from an error or a failed job', async ({ onTestFinished }) => {
    const base = await hostileReplicate(
      (url) =>
        url.includes('/predictions/')
          ? { status: 200, body: prediction({ status: 'failed', error: `bad token ${KEY}` }) }
          : { status: 422, body: { detail: `invalid input; your key is ${KEY}` } },
      onTestFinished,
    );
    const client = createProtocolClient({ profile: builtinProfiles['replicate']!, baseUrl: base, apiKey: KEY });
    onTestFinished(() => client.close());
    const refused = await client.create({ prompt: 'x', model: 'google/veo-3.1', size: '1280x720', seconds: '4' }).catch((error: Error) => error);
    expect(String((refused as Error).message)).not.toContain(KEY);
    expect(String((refused as Error).message)).toContain('invalid input');
    const { video } = await client.retrieve('abc123');
    expect(video.status).toBe('failed');
    expect(video.error?.message).not.toContain(KEY);
  });

  it('refuses a job id that could steer a path', async ({ onTestFinished }) => {
    const base = await hostileReplicate(() => ({ status: 201, body: prediction({ id: '../../admin', status: 'starting' }) }), onTestFinished);
    const client = createProtocolClient({ profile: builtinProfiles['replicate']!, baseUrl: base, apiKey: KEY });
    onTestFinished(() => client.close());
    await expect(client.retrieve('../../admin')).rejects.toThrow(/is not a video id/);
    // A create answered with such an id may have made a job: the outcome is unknown, never an id taken as is.
    await expect(client.create({ prompt: 'x', model: 'google/veo-3.1', size: '1280x720', seconds: '4' })).rejects.toMatchObject({
      code: 'create-outcome-unknown',
    });
  });
});
