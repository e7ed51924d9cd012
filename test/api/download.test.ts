import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasSignature, NotFoundError, ResponseFormatError, TruncatedBodyError } from '../../src/api/index.js';
import { azureProfile, emulatorProfile } from '../../src/providers/builtin.js';
import { measurePeakRss, sendGeneratedMp4 } from '../../bench/download-memory.js';
import { createFixtures, errorBody, failure, sendJson, startServer } from './server.js';

const KEY = 'sk-test-download-KEY-42';
const MP4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42isom'), Buffer.from('the rest of a movie')]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x20, 0, 0, 0]), Buffer.from('WEBPVP8 '), Buffer.alloc(24, 7)]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(40, 1)]);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let dir: string;
const fixtures = createFixtures(KEY);
const { servers, harness } = fixtures;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shotlist-dl-'));
});
afterEach(async () => {
  await fixtures.closeAll();
  await rm(dir, { recursive: true, force: true });
});

function sendFile(res: ServerResponse, bytes: Buffer, contentType: string): void {
  res.writeHead(200, { 'content-type': contentType, 'content-length': bytes.length });
  res.end(bytes);
}

/** Announces all of `bytes`, sends `sent` of them, then drops the connection. */
function sendTruncated(res: ServerResponse, bytes: Buffer, sent: number): void {
  res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': bytes.length });
  res.write(bytes.subarray(0, sent), () => res.socket?.destroy());
}

describe('download', () => {
  it('streams the video to the destination and hashes it', async () => {
    const h = await harness((_req, res) => sendFile(res, MP4, 'video/mp4'), { profile: { ...emulatorProfile, videoIdForm: 'video-base64' } });
    const dest = join(dir, 'hero.mp4');
    const result = await h.client.download('video_a/b', 'video', dest);
    expect(result).toEqual({ sha256: sha(MP4), bytes: MP4.length, contentType: 'video/mp4' });
    expect(await readFile(dest)).toEqual(MP4);
    expect(await readdir(dir)).toEqual(['hero.mp4']);
    expect(h.server.seen[0]?.url).toBe('/v1/videos/video_a%2Fb/content?variant=video');
    expect(h.server.seen[0]?.headers['authorization']).toBe(`Bearer ${KEY}`);
  });

  it.each([
    ['thumbnail', WEBP, 'image/webp'],
    ['spritesheet', JPEG, 'image/jpeg'],
  ] as const)('checks the %s variant against its own type and signature', async (variant, bytes, type) => {
    const h = await harness((_req, res) => sendFile(res, bytes, type));
    const result = await h.client.download('video_1', variant, join(dir, variant));
    expect(result.sha256).toBe(sha(bytes));
    expect(h.server.seen[0]?.url).toBe(`/v1/videos/video_1/content?variant=${variant}`);
  });

  it('retries a truncated body with a fresh temp file and leaves no .part behind', async () => {
    const h = await harness((_req, res, _s, n) => (n === 0 ? sendTruncated(res, MP4, 10) : sendFile(res, MP4, 'video/mp4')));
    const dest = join(dir, 'hero.mp4');
    const result = await h.client.download('video_1', 'video', dest);
    expect(result.sha256).toBe(sha(MP4));
    expect(h.server.seen).toHaveLength(2);
    expect(h.retries[0]?.reason).toMatch(/body ended after \d+ bytes, expected 35 bytes/);
    expect(await readdir(dir)).toEqual(['hero.mp4']);
  });

  it('gives up on a body that is always truncated, with nothing left on disk', async () => {
    const h = await harness((_req, res) => sendTruncated(res, MP4, 10), {
      retry: { ...(await import('../../src/api/index.js')).defaultRetryPolicy, maxRetries: 2 },
    });
    const error = await failure(h.client.download('video_1', 'video', join(dir, 'hero.mp4')));
    expect(error).toBeInstanceOf(TruncatedBodyError);
    expect(h.server.seen).toHaveLength(3);
    expect(await readdir(dir)).toEqual([]);
  });

  it('retries a 5xx, and does not retry a 404', async () => {
    const h = await harness((req, res, _s, n) => {
      if (req.url?.startsWith('/v1/videos/video_gone')) sendJson(res, 404, errorBody('Video not found', 'invalid_request_error', null));
      else if (n === 0) sendJson(res, 502, errorBody('bad gateway', 'server_error', null));
      else sendFile(res, MP4, 'video/mp4');
    });
    await h.client.download('video_1', 'video', join(dir, 'a.mp4'));
    expect(await failure(h.client.download('video_gone', 'video', join(dir, 'b.mp4')))).toBeInstanceOf(NotFoundError);
    expect(h.server.seen).toHaveLength(3);
    expect(await readdir(dir)).toEqual(['a.mp4']);
  });

  it.each([
    ['a wrong content type', (res: ServerResponse) => sendFile(res, MP4, 'text/html'), /expected content-type video\/mp4, got text\/html/],
    [
      'bytes that are not an MP4',
      (res: ServerResponse) => sendFile(res, Buffer.from('<html>this is not a movie</html>'), 'video/mp4'),
      /does not start like a mp4 file/,
    ],
    ['an empty body', (res: ServerResponse) => sendFile(res, Buffer.alloc(0), 'video/mp4'), /empty body/],
    ['a body too short to hold a signature', (res: ServerResponse) => sendFile(res, Buffer.from([0, 0, 0]), 'video/mp4'), /does not start like a mp4/],
  ])('rejects %s without retrying or leaving files', async (_name, respond, message) => {
    const h = await harness((_req, res) => respond(res));
    const error = await failure(h.client.download('video_1', 'video', join(dir, 'hero.mp4')));
    expect(error).toBeInstanceOf(ResponseFormatError);
    expect(error.message).toMatch(message);
    expect(h.server.seen).toHaveLength(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('follows a redirect to another origin without sending the credentials there', async () => {
    const storage = await startServer((_req, res) => sendFile(res, MP4, 'video/mp4'));
    servers.push(storage);
    for (const profile of [emulatorProfile, azureProfile]) {
      const h = await harness(
        (req, res) => {
          if (req.url?.includes('/content')) {
            res.writeHead(302, { location: '/v1/same-origin-hop' });
            res.end();
          } else {
            res.writeHead(307, { location: `${storage.origin}/signed/video.mp4?sig=abc` });
            res.end();
          }
        },
        { profile },
      );
      const result = await h.client.download('video_1', 'video', join(dir, `${profile.name}.mp4`));
      expect(result.sha256).toBe(sha(MP4));
      const [first, hop] = h.server.seen;
      const keyHeader = profile.auth.style === 'api-key' ? 'api-key' : 'authorization';
      expect(first?.headers[keyHeader]).toContain(KEY);
      expect(hop?.headers[keyHeader]).toContain(KEY);
      const atStorage = storage.seen.at(-1);
      expect(atStorage?.url).toBe('/signed/video.mp4?sig=abc');
      expect(atStorage?.headers['authorization']).toBeUndefined();
      expect(atStorage?.headers['api-key']).toBeUndefined();
      expect(JSON.stringify(atStorage?.headers)).not.toContain(KEY);
    }
  });

  it('removes the temp file when aborted mid-body', async () => {
    const controller = new AbortController();
    const h = await harness((_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': MP4.length * 100 });
      res.write(MP4, () => setTimeout(() => controller.abort(new Error('cancelled')), 20));
    });
    await expect(h.client.download('video_1', 'video', join(dir, 'hero.mp4'), { signal: controller.signal })).rejects.toThrow('cancelled');
    expect(await readdir(dir)).toEqual([]);
    expect(h.server.seen).toHaveLength(1);
  });

  it('streams 200 MB with bounded memory', async () => {
    const total = 200 * 1024 * 1024;
    const expected = createHash('sha256');
    const h = await harness((_req, res) => sendGeneratedMp4(res, total, (piece) => expected.update(piece)));
    const { result, peakGrowthBytes } = await measurePeakRss(() => h.client.download('video_big', 'video', join(dir, 'big.mp4')));
    expect(result.bytes).toBe(total);
    expect(result.sha256).toBe(expected.digest('hex'));
    // Holding the body would cost its 200 MB. Streaming still leaves the socket's spent chunks to
    // the garbage collector, which V8 runs after about 64 MB of such external memory: so the bound
    // sits between the two, and measured growth is 60–75 MB.
    expect(peakGrowthBytes).toBeLessThan(100 * 1024 * 1024);
  });
});

describe('hasSignature', () => {
  it.each([
    ['mp4', MP4, true],
    ['mp4', WEBP, false],
    ['webp', WEBP, true],
    ['webp', Buffer.from('RIFF\0\0\0\0WAVE'), false],
    ['jpeg', JPEG, true],
    ['jpeg', Buffer.from([0xff, 0xd8]), false],
  ] as const)('%s on %#', (kind, bytes, expected) => {
    expect(hasSignature(kind, bytes)).toBe(expected);
  });
});
