import { mkdtemp, readdir, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DOWNLOAD_LIMITS, ListingTooLongError, ProviderError, ResponseFormatError, TimeoutError, videoByteLimit } from '../../src/api/index.js';
import { FUZZ_SEED } from '../hostile/helpers.js';
import { createFixtures, failure, sendJson, wireVideo } from './server.js';

/**
 * What a hostile server can make a download or a listing do: nothing unbounded. A body larger
 * than the job allows is refused (announced or not) and leaves no file; a body that trickles
 * ends at the download's deadline, one that stalls at the idle timeout; a list that always says
 * `has_more` ends at the page or video limit with `ListingTooLongError`.
 */

const KEY = 'sk-test-limits';
const HEAD = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42isom')]);

let dir: string;
const fixtures = createFixtures(KEY);
const { harness } = fixtures;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shotlist-limits-'));
});
afterEach(async () => {
  await fixtures.closeAll();
  await rm(dir, { recursive: true, force: true });
});

/** An MP4 head, then `total - head` zero bytes in 64 KiB chunks, with or without a Content-Length. */
function sendLarge(res: ServerResponse, total: number, announce: boolean): void {
  res.writeHead(200, { 'content-type': 'video/mp4', ...(announce ? { 'content-length': total } : {}) });
  let sent = 0;
  const chunk = Buffer.alloc(64 * 1024);
  const pump = (): void => {
    while (sent < total) {
      const piece = sent === 0 ? HEAD : chunk.subarray(0, Math.min(chunk.length, total - sent));
      sent += piece.length;
      if (!res.write(piece)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  res.on('error', () => undefined);
  pump();
}

/** Headers, the MP4 head, then one byte every `everyMs` until the client leaves. */
function trickle(res: ServerResponse, everyMs: number): void {
  res.writeHead(200, { 'content-type': 'video/mp4' });
  res.write(HEAD);
  const timer = setInterval(() => res.write(Buffer.from([0])), everyMs);
  res.on('close', () => clearInterval(timer));
  res.on('error', () => undefined);
}

describe('download limits', () => {
  it("a job's limit is its seconds at 100 Mbit/s, never under 64 MiB; 1 GiB when its length is unknown", () => {
    expect(videoByteLimit(4)).toBe(64 * 1024 * 1024);
    expect(videoByteLimit(8)).toBe(100_000_000);
    expect(videoByteLimit(20)).toBe(250_000_000);
    expect(videoByteLimit(Number('abc'))).toBe(1024 * 1024 * 1024);
    expect(DOWNLOAD_LIMITS.deadlineMs).toBe(30 * 60_000);
  });

  it.each([
    ['announced by its Content-Length', true],
    ['sent without announcing it', false],
  ])('a body over the limit, %s, is refused once, and leaves no file', async (_name, announce) => {
    const limit = 1024 * 1024;
    const h = await harness((_req, res) => sendLarge(res, 3 * limit, announce));
    const error = await failure(h.client.download('video_1', 'video', join(dir, 'hero.mp4'), { maxBytes: limit }));
    expect(error).toBeInstanceOf(ResponseFormatError);
    expect(error.message).toMatch(
      announce ? /announces 3145728 bytes, more than the 1048576 allowed for this mp4/ : /larger than the 1048576 bytes allowed for this mp4/,
    );
    expect(h.server.seen).toHaveLength(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a body at the limit is kept', async () => {
    const h = await harness((_req, res) => sendLarge(res, 1024 * 1024, false));
    const result = await h.client.download('video_1', 'video', join(dir, 'hero.mp4'), { maxBytes: 1024 * 1024 });
    expect(result.bytes).toBe(1024 * 1024);
    expect(await readdir(dir)).toEqual(['hero.mp4']);
  });

  it('a thumbnail is held to 32 MiB unless told otherwise', async () => {
    const h = await harness((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/webp', 'content-length': 40 * 1024 * 1024 });
      res.end();
    });
    const error = await failure(h.client.download('video_1', 'thumbnail', join(dir, 'hero.webp')));
    expect(error.message).toMatch(/announces 41943040 bytes, more than the 33554432 allowed for this webp/);
  });

  it('a body trickling a byte every 50 ms ends at the download deadline, retries included, leaving no file', async () => {
    const h = await harness((_req, res) => trickle(res, 50), { timeoutMs: 5_000, downloadDeadlineMs: 800 });
    const started = performance.now();
    const error = await failure(h.client.download('video_1', 'video', join(dir, 'hero.mp4')));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toContain('within 800 ms');
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(h.server.seen).toHaveLength(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a body that stalls ends at the idle timeout; it is retried, and each try leaves nothing', async () => {
    const h = await harness(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'video/mp4' });
        res.write(HEAD);
      },
      { timeoutMs: 300, retry: { ...(await import('../../src/api/index.js')).defaultRetryPolicy, maxRetries: 1 } },
    );
    const error = await failure(h.client.download('video_1', 'video', join(dir, 'hero.mp4')));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(h.server.seen).toHaveLength(2);
    expect(await readdir(dir)).toEqual([]);
  });

  it('100 hostile content servers (sizes around the limit, lying lengths, trickles, stalls): the bytes, or a typed error in bounded time, never a file left', async () => {
    const behaviourArb = fc.record({
      size: fc.integer({ min: 0, max: 300_000 }),
      announced: fc.option(fc.integer({ min: 0, max: 300_000 }), { nil: null }),
      chunk: fc.integer({ min: 1, max: 65_536 }),
      gapMs: fc.constantFrom(0, 0, 0, 5, 40),
      stallAfter: fc.option(fc.integer({ min: 0, max: 300_000 }), { nil: null }),
      mp4: fc.boolean(),
    });
    const limit = 200_000;
    await fc.assert(
      fc.asyncProperty(behaviourArb, async (b) => {
        const body = Buffer.alloc(b.size, 1);
        if (b.mp4) HEAD.copy(body, 0, 0, Math.min(HEAD.length, body.length));
        const h = await harness(
          (_req, res) => {
            res.on('error', () => undefined);
            res.writeHead(200, { 'content-type': 'video/mp4', ...(b.announced !== null ? { 'content-length': b.announced } : {}) });
            let at = 0;
            const next = (): void => {
              if (res.destroyed) return;
              const end = Math.min(body.length, b.announced ?? body.length, at + b.chunk);
              if (b.stallAfter !== null && at >= b.stallAfter) return; // stalls: never ends
              if (at >= end) {
                if (b.announced !== null && b.announced > at) res.destroy();
                else res.end();
                return;
              }
              res.write(body.subarray(at, end));
              at = end;
              setTimeout(next, b.gapMs);
            };
            next();
          },
          { timeoutMs: 250, downloadDeadlineMs: 1_500, retry: { ...(await import('../../src/api/index.js')).defaultRetryPolicy, maxRetries: 1 } },
        );
        const started = performance.now();
        try {
          const result = await h.client.download('video_1', 'video', join(dir, 'v.mp4'), { maxBytes: limit });
          expect(result.bytes).toBeLessThanOrEqual(limit);
          expect(await readdir(dir)).toEqual(['v.mp4']);
        } catch (error) {
          expect(error).toBeInstanceOf(ProviderError);
          expect(await readdir(dir)).toEqual([]);
        }
        // The deadline (1.5 s) bounds every case, whatever the server does; the rest is slack for a loaded machine.
        expect(performance.now() - started).toBeLessThan(6_000);
        await rm(join(dir, 'v.mp4'), { force: true });
        await fixtures.closeAll();
      }),
      { numRuns: 100, seed: FUZZ_SEED },
    );
  }, 600_000);
});

describe('listing limits', () => {
  /** A list whose every page has one new video and says there is more, with a new cursor. */
  const endless = (n: number) => ({
    object: 'list',
    data: [wireVideo({ id: `video_${n}`, created_at: 2_000_000_000 })],
    first_id: `video_${n}`,
    last_id: `video_${n}`,
    has_more: true,
  });

  it('a list that always has more, with a new cursor each page, ends at the page limit with ListingTooLongError', async () => {
    const h = await harness((_req, res, _s, n) => sendJson(res, 200, endless(n)));
    const listed: string[] = [];
    const error = await failure(
      (async () => {
        for await (const video of h.client.listAll({ maxPages: 50 })) listed.push(video.id);
      })(),
    );
    expect(error).toBeInstanceOf(ListingTooLongError);
    expect(error.message).toBe(
      'GET /v1/videos: the list of videos goes on past 50 pages or 100000 videos, the most shotlist follows; the server keeps answering has_more',
    );
    expect(h.server.seen).toHaveLength(50);
    expect(listed).toHaveLength(50);
  });

  it('pages of 100 videos end at the video limit', async () => {
    const h = await harness((_req, res, _s, n) => {
      const data = Array.from({ length: 100 }, (_, i) => wireVideo({ id: `video_${n}_${i}` }));
      sendJson(res, 200, { object: 'list', data, last_id: `video_${n}_99`, has_more: true });
    });
    let listed = 0;
    const error = await failure(
      (async () => {
        for await (const _video of h.client.listAll({ maxVideos: 1_000 })) listed++;
      })(),
    );
    expect(error).toBeInstanceOf(ListingTooLongError);
    expect(h.server.seen).toHaveLength(11);
    expect(listed).toBe(1_000);
  });

  it('100 hostile list servers (endless, repeating cursors, empty pages, huge pages): every listing ends within its limits', async () => {
    const serverArb = fc.record({
      pageSize: fc.integer({ min: 0, max: 120 }),
      cursor: fc.constantFrom('new', 'same', 'none', 'cycle'),
      hasMore: fc.constantFrom(true, true, false),
      endAfter: fc.option(fc.integer({ min: 1, max: 40 }), { nil: null }),
    });
    await fc.assert(
      fc.asyncProperty(serverArb, async (s) => {
        const h = await harness((_req, res, _seen, n) => {
          const data = Array.from({ length: s.pageSize }, (_, i) => wireVideo({ id: `video_${n}_${i}` }));
          const last = s.cursor === 'new' ? `video_${n}_x` : s.cursor === 'same' ? 'video_same' : s.cursor === 'cycle' ? `video_${n % 3}` : null;
          sendJson(res, 200, { object: 'list', data, last_id: last, has_more: s.hasMore && (s.endAfter === null || n < s.endAfter) });
        });
        let listed = 0;
        try {
          for await (const _video of h.client.listAll({ maxPages: 30, maxVideos: 2_000 })) listed++;
        } catch (error) {
          expect(error).toBeInstanceOf(ListingTooLongError);
        }
        expect(h.server.seen.length).toBeLessThanOrEqual(30);
        expect(listed).toBeLessThanOrEqual(2_000);
        await fixtures.closeAll();
      }),
      { numRuns: 100, seed: FUZZ_SEED },
    );
  }, 300_000);
});
