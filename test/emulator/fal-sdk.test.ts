import { createFalClient, ValidationError, type FalClient } from '@fal-ai/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { readMp4, startTestEmulator } from './helpers.js';
import { originOf } from './protocol-helpers.js';
import { waitUntil } from '../helpers/wait-until.js';

/**
 * fal's own client (@fal-ai/client) against the emulator. The client builds
 * `https://queue.fal.run/...` URLs itself; its documented `requestMiddleware` hook (the one its
 * proxy support is built on) rewrites that origin to the emulator's, and nothing else: paths,
 * headers and bodies are the client's own.
 */
const KEY = 'fal-sdk-key';
const KLING = 'fal-ai/kling-video/v2.1/master/text-to-video';
let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function client(options: { faults?: object } = {}): Promise<{ fal: FalClient; seen: string[] }> {
  emu = await startTestEmulator({ flavor: 'fal', apiKey: KEY, fps: 2, ...options });
  const origin = originOf(emu);
  const seen: string[] = [];
  const fal = createFalClient({
    credentials: KEY,
    requestMiddleware: async (request) => {
      seen.push(`${request.method} ${request.url}`);
      return { ...request, url: request.url.replace(/^https:\/\/queue\.fal\.run/, origin) };
    },
  });
  return { fal, seen };
}

describe('fal flavor with the official @fal-ai/client', () => {
  it('queue.submit → status → result, and subscribe, reach a real MP4', async () => {
    const { fal, seen } = await client();
    const { request_id: requestId } = await fal.queue.submit(KLING, { input: { prompt: 'a kite over a beach', duration: '5', aspect_ratio: '16:9' } });
    expect(seen[0]).toBe(`POST https://queue.fal.run/${KLING}`);
    let status = await fal.queue.status(KLING, { requestId, logs: true });
    expect(seen[1]).toBe(`GET https://queue.fal.run/fal-ai/kling-video/requests/${requestId}/status?logs=1`);
    await waitUntil(
      async () => status.status === 'COMPLETED' || ((status = await fal.queue.status(KLING, { requestId, logs: false })), status.status === 'COMPLETED'),
      'the request to complete',
      30_000,
      25,
    );
    expect(status.status).toBe('COMPLETED');
    const result = await fal.queue.result(KLING, { requestId });
    expect(result.requestId).toBe(requestId);
    const video = (result.data as { video: { url: string; file_size: number } }).video;
    const bytes = Buffer.from(await (await fetch(video.url)).arrayBuffer());
    expect(bytes.length).toBe(video.file_size);
    expect(await readMp4(bytes)).toMatchObject({ width: 1920, height: 1080 });

    const subscribed = await fal.subscribe('fal-ai/veo3.1/fast', { input: { prompt: 'rain on glass', duration: '4s' }, pollInterval: 25 });
    expect((subscribed.data as unknown as { video: { url: string } }).video.url).toContain('/fal-media/files/');
    expect(typeof (subscribed.data as unknown as { seed: number }).seed).toBe('number');
  });

  it('surfaces a refused input as a ValidationError with the field, and cancels a queued request', async () => {
    const { fal } = await client({ faults: { stuckPattern: 'never starts' } });
    const { request_id: requestId } = await fal.queue.submit(KLING, { input: { prompt: 'x', duration: 7 as unknown as '5' } });
    await waitUntil(async () => (await fal.queue.status(KLING, { requestId, logs: false })).status === 'COMPLETED', 'the request to complete', 30_000, 25);
    const error = await fal.queue.result(KLING, { requestId }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(422);
    expect((error as ValidationError).getFieldErrors('duration')[0]).toMatchObject({ type: 'literal_error', msg: "Input should be '5' or '10'" });

    const queued = await fal.queue.submit(KLING, { input: { prompt: 'this never starts' } });
    await fal.queue.cancel(KLING, { requestId: queued.request_id });
    expect((await fal.queue.status(KLING, { requestId: queued.request_id, logs: false })).status).toBe('COMPLETED');
  });
});
