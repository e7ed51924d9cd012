import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { serializeLockfile } from '../../src/lockfile/parse-lockfile.js';
import { acquireLock } from '../../src/run/advisory-lock.js';
import { systemClock } from '../../src/run/clock.js';
import { sendJson, startServer, wireVideo } from '../api/server.js';
import { copyExamples, hasStackTrace, runCli } from '../helpers/cli.js';
import { lockPathOf, readLock, renderWith, startRenderEmulator, waitUntil } from '../render/helpers.js';

/**
 * gc reads the lockfiles, lists the server (slowly: every page of every video), then deletes.
 * A render that records a video in between must not see it deleted: the delete phase holds the
 * lock renders take, reads the lockfiles again under it, and checks each video just before its
 * DELETE. A server that lists a video twice gets one DELETE for it.
 */

const FILE = 'quickstart.yaml';

/** A proxy to `target` that holds every list request until `open()` is called, and says when one arrived. */
async function gatedListProxy(target: string) {
  const origin = new URL(target).origin;
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let listed = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const forward = () => {
      const upstream = httpRequest(`${origin}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    };
    if (req.method === 'GET' && /^\/v1\/videos(\?|$)/.test(req.url ?? '')) {
      listed++;
      void gate.then(forward);
    } else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    listed: () => listed,
    open: () => open(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A video on the server that no lockfile references (yet). */
async function createLoose(emuUrl: string): Promise<string> {
  const created = await fetch(`${emuUrl}/videos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'a loose take', model: 'sora-2', size: '1280x720', seconds: '4' }),
  });
  return ((await created.json()) as { id: string }).id;
}

/** As a render records a video: under the storyboard's lock, the lockfile rewritten to reference `videoId`. */
async function recordUnderLock(dir: string, videoId: string): Promise<void> {
  const lock = await acquireLock(lockPathOf(dir, FILE), { wait: true, clock: systemClock, signal: new AbortController().signal });
  try {
    const current = await readLock(dir, FILE);
    const [id, entry] = Object.entries(current.jobs)[0]!;
    const next: Lockfile = { ...current, jobs: { ...current.jobs, [id]: { ...entry, video_id: videoId, remixed_from: null } } };
    await writeFile(lockPathOf(dir, FILE), serializeLockfile(next));
  } finally {
    await lock.release();
  }
}

describe('gc and a render at the same time', () => {
  it('a video a render records while gc lists is not deleted: gc re-reads the lockfile under its lock before any DELETE', async ({ onTestFinished }) => {
    const emu = await startRenderEmulator();
    onTestFinished(() => emu.close());
    const { dir, cleanup } = await copyExamples();
    onTestFinished(cleanup);
    expect((await renderWith(emu, dir, FILE)).code).toBe(0);
    const loose = await createLoose(emu.url);
    const other = await createLoose(emu.url);
    await waitUntil(() => emu.stats().jobs.every((job) => job.status === 'completed'), 'every job to finish');
    const proxy = await gatedListProxy(emu.url);
    onTestFinished(proxy.close);

    const gc = runCli(['gc', FILE, '--base-url', proxy.url, '--yes', '--json'], { cwd: dir, now: () => Date.now() });
    // gc has read the lockfile and is listing: a render records `loose` now, and releases its lock.
    await waitUntil(() => proxy.listed() > 0, 'gc to start listing');
    await recordUnderLock(dir, loose);
    proxy.open();
    const run = await gc;
    expect(run.code, run.stderr).toBe(0);
    const byId = new Map(
      run
        .events()
        .filter((e) => e['event'] === 'gc.video')
        .map((e) => [e['id'], e]),
    );
    expect(byId.get(loose)).toMatchObject({ action: 'kept', reason: 'referenced since listed' });
    expect(byId.get(other)).toMatchObject({ action: 'deleted' });
    const status = new Map(emu.stats().jobs.map((job) => [job.id, job.status]));
    expect(status.get(loose), 'the video the lockfile now references is still on the server').toBe('completed');
    expect(status.get(other)).toBe('deleted');
  }, 60_000);

  it('a render holding the lock when gc would delete: gc deletes nothing and exits 4 naming it; with --wait it waits, then re-reads', async ({
    onTestFinished,
  }) => {
    const emu = await startRenderEmulator();
    onTestFinished(() => emu.close());
    const { dir, cleanup } = await copyExamples();
    onTestFinished(cleanup);
    expect((await renderWith(emu, dir, FILE)).code).toBe(0);
    const loose = await createLoose(emu.url);
    await waitUntil(() => emu.stats().jobs.every((job) => job.status === 'completed'), 'every job to finish');

    const held = await acquireLock(lockPathOf(dir, FILE), { wait: false, clock: systemClock, signal: new AbortController().signal });
    const busy = await runCli(['gc', FILE, '--base-url', emu.url, '--yes'], { cwd: dir, env: { NO_COLOR: '1' }, now: () => Date.now() });
    expect(busy.code, busy.stderr).toBe(4);
    expect(busy.stderr).toContain(`nothing deleted: ${lockPathOf(dir, FILE)} is locked by pid ${process.pid}`);
    expect(hasStackTrace(busy.stderr)).toBe(false);
    expect(emu.stats().requestsByRoute['DELETE /v1/videos/{id}'] ?? 0).toBe(0);

    let said = '';
    const waiting = runCli(['gc', FILE, '--base-url', emu.url, '--yes', '--wait'], {
      cwd: dir,
      env: { NO_COLOR: '1' },
      now: () => Date.now(),
      onOutput: ({ stderr }) => (said = stderr),
    });
    await waitUntil(() => said.includes(`waiting for pid ${process.pid}`), 'gc to wait for the lock');
    // The "render" records the loose video before it releases: gc, once it holds the lock, keeps it.
    const current = await readLock(dir, FILE);
    const [id, entry] = Object.entries(current.jobs)[0]!;
    await writeFile(
      lockPathOf(dir, FILE),
      serializeLockfile({ ...current, jobs: { ...current.jobs, [id]: { ...entry, video_id: loose, remixed_from: null } } }),
    );
    await held.release();
    const run = await waiting;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`kept ${loose}: a lockfile references it since it was listed`);
    expect(new Map(emu.stats().jobs.map((job) => [job.id, job.status])).get(loose)).toBe('completed');
    expect(await readFile(`${lockPathOf(dir, FILE)}.lock`).catch(() => null), 'gc released the lock').toBeNull();
  }, 60_000);
});

describe('a server that lists a video twice', () => {
  it('a repeated cursor (the same video on two pages): one DELETE per id', async ({ onTestFinished }) => {
    const { dir, cleanup } = await copyExamples();
    onTestFinished(cleanup);
    const [a, b, c] = ['video_aaa111', 'video_bbb222', 'video_ccc333'];
    const done = (id: string) => wireVideo({ id, status: 'completed', progress: 100 });
    const server = await startServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'DELETE') return sendJson(res, 200, { id: url.pathname.split('/').at(-1), object: 'video.deleted', deleted: true });
      // Page 2 repeats b and hands back the same cursor: a server that repeats itself.
      if (url.searchParams.get('after') === b) return sendJson(res, 200, { object: 'list', data: [done(b), done(c)], first_id: b, last_id: b, has_more: true });
      return sendJson(res, 200, { object: 'list', data: [done(a), done(b)], first_id: a, last_id: b, has_more: true });
    });
    onTestFinished(server.close);
    const run = await runCli(['gc', FILE, '--base-url', server.baseUrl, '--yes', '--json'], { cwd: dir, now: () => Date.now() });
    expect(run.code, run.stderr).toBe(0);
    const deletes = server.seen.filter((s) => s.method === 'DELETE').map((s) => s.url.split('/').at(-1));
    expect(deletes.sort()).toEqual([a, b, c]);
    expect(run.events().find((e) => e['event'] === 'gc.total')).toMatchObject({ listed: 3, deleted: 3 });
  });
});
