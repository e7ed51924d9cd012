import { getEventListeners } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { abortableSleep, defaultRetryPolicy, type VideosClient } from '../../src/api/index.js';
import { systemClock } from '../../src/run/clock.js';
import { createFixtures, errorBody, failure, sendJson, wireVideo, type Handler } from './server.js';

/**
 * A render hands one root signal to every call of every job: a listener a call leaves on it is
 * a leak (the root lives as long as a watch session), and listeners calls add side by side must
 * not pile up either (Node warns past 10: `MaxListenersExceededWarning`).
 */

const fixtures = createFixtures('sk-test-listeners');
afterEach(() => fixtures.closeAll());

const MP4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42isom'), Buffer.from('the rest of a movie')]);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shotlist-listeners-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Real waits (1 ms backoff), so the retry loop's sleep listens to the signal as in a render. */
const quick = { retry: { ...defaultRetryPolicy, baseDelayMs: 1, maxDelayMs: 1, maxRetries: 2 }, sleep: abortableSleep, timeoutMs: 5_000 } as const;
/** For the servers that never finish an answer: each call ends at this deadline. */
const SHORT_TIMEOUT_MS = 60;
const endsByTimeout = new Set(['a body cut short', 'a server that never answers']);

const listeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

function truncated(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': 500 });
  res.end('{"id":');
}

/** Each answer a server can give, and the call that meets it. */
const cases: ReadonlyArray<readonly [string, Handler, (client: VideosClient, signal: AbortSignal) => Promise<unknown>]> = [
  ['a retrieve answered', (_q, res) => sendJson(res, 200, wireVideo()), (c, signal) => c.retrieve('video_abc123', { signal })],
  [
    'a retrieve retried through 503s',
    (_q, res) => sendJson(res, 503, errorBody('busy', 'server_error', null)),
    (c, signal) => failure(c.retrieve('video_abc123', { signal })),
  ],
  [
    'a create whose outcome is unknown',
    (_q, res) => sendJson(res, 500, errorBody('boom', 'server_error', null)),
    (c, signal) => failure(c.create({ prompt: 'p' }, { signal })),
  ],
  ['a 404', (_q, res) => sendJson(res, 404, errorBody('no', 'invalid_request_error', null)), (c, signal) => failure(c.retrieve('video_abc123', { signal }))],
  ['a body cut short', (_q, res) => truncated(res), (c, signal) => failure(c.retrieve('video_abc123', { signal }))],
  ['a server that never answers', () => undefined, (c, signal) => failure(c.retrieve('video_abc123', { signal }))],
  [
    'a listing',
    (_q, res) => sendJson(res, 200, { object: 'list', data: [wireVideo()], has_more: false }),
    async (c, signal) => {
      for await (const _video of c.listAll({}, { signal })) void _video;
    },
  ],
  [
    'a download',
    (_q, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': MP4.length });
      res.end(MP4);
    },
    (c, signal) => c.download('video_abc123', 'video', join(dir, 'a.mp4'), { signal }),
  ],
  [
    'a download that is not an MP4',
    (_q, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': 5 });
      res.end('hello');
    },
    (c, signal) => failure(c.download('video_abc123', 'video', join(dir, 'b.mp4'), { signal })),
  ],
];

describe("abort listeners on the caller's signal", () => {
  it.each(cases)('none are left after %s, however many calls share the signal', async (what, handler, call) => {
    const h = await fixtures.harness(handler, { ...quick, ...(endsByTimeout.has(what) ? { timeoutMs: SHORT_TIMEOUT_MS } : {}) });
    const signal = new AbortController().signal;
    for (let i = 0; i < 12; i++) {
      await call(h.client, signal);
      expect(listeners(signal)).toBe(0);
    }
  });

  it.each(cases)('calls side by side add at most one listener: %s', async (what, handler, call) => {
    const h = await fixtures.harness(handler, { ...quick, ...(endsByTimeout.has(what) ? { timeoutMs: SHORT_TIMEOUT_MS * 5 } : {}) });
    const signal = new AbortController().signal;
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, listeners(signal))), 1);
    try {
      await Promise.all(Array.from({ length: 25 }, () => call(h.client, signal)));
    } finally {
      clearInterval(watch);
    }
    most = Math.max(most, listeners(signal));
    expect(most).toBeLessThanOrEqual(1);
    expect(listeners(signal)).toBe(0);
  });

  it('an abort still reaches every call waiting side by side', async () => {
    const h = await fixtures.harness(() => undefined, { ...quick, timeoutMs: 30_000 });
    const controller = new AbortController();
    const calls = Array.from({ length: 25 }, () => failure(h.client.retrieve('video_abc123', { signal: controller.signal })));
    const sleeps = Array.from({ length: 25 }, () => failure(systemClock.sleep(60_000, controller.signal)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new Error('stop'));
    const errors = await Promise.all([...calls, ...sleeps]);
    expect(errors.map((e) => e.message)).toEqual(Array(50).fill('stop'));
    expect(listeners(controller.signal)).toBe(0);
  });

  it("the run's clock: sleeps side by side add at most one listener, and none stay", async () => {
    const signal = new AbortController().signal;
    const sleeping = Array.from({ length: 25 }, (_, i) => systemClock.sleep(5 + i, signal));
    expect(listeners(signal)).toBeLessThanOrEqual(1);
    await Promise.all(sleeping);
    expect(listeners(signal)).toBe(0);
  });
});
