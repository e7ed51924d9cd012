import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVideosClient, type Video } from '../../src/api/index.js';
import { main, type CliIO } from '../../src/cli/main.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { missingGcFeatures, planGc, referencedVideoIds } from '../../src/gc/plan-gc.js';
import { emulatorProfile } from '../../src/providers/builtin.js';
import { startServer } from '../api/server.js';
import { copyExamples, hasStackTrace, runCli, type CliRun } from '../helpers/cli.js';
import { events, readLock, renderWith, startRenderEmulator } from '../render/helpers.js';

/**
 * `shotlist gc` against a real emulator holding the videos of two rendered projects (A and B)
 * and one job stuck in the queue: gc with A's lockfile sees B's videos as unreferenced.
 */

const STUCK_PROMPT = 'a job that stays queued forever';

describe('shotlist gc', () => {
  let emu: RunningEmulator;
  let a: string;
  let b: string;
  let stuckId: string;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    emu = await startRenderEmulator({ faults: { stuckPattern: STUCK_PROMPT } });
    for (const target of ['a', 'b'] as const) {
      const { dir, cleanup } = await copyExamples();
      cleanups.push(cleanup);
      const run = await renderWith(emu, dir, 'quickstart.yaml');
      expect(run.code, run.stderr).toBe(0);
      if (target === 'a') a = dir;
      else b = dir;
    }
    const created = await fetch(`${emu.url}/videos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: STUCK_PROMPT, model: 'sora-2', size: '1280x720', seconds: '4' }),
    });
    stuckId = ((await created.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await emu?.close();
    await Promise.all(cleanups.map((cleanup) => cleanup()));
  });

  /** What the server lists now, through the real client (and its pagination). */
  async function listed(): Promise<Video[]> {
    const client = createVideosClient({ profile: emulatorProfile, baseUrl: emu.url, apiKey: null });
    try {
      const all: Video[] = [];
      for await (const video of client.listAll({ pageSize: 3 })) all.push(video);
      return all;
    } finally {
      await client.close();
    }
  }

  async function idsOf(dir: string): Promise<string[]> {
    return Object.values((await readLock(dir, 'quickstart.yaml')).jobs).map((entry) => entry.video_id!);
  }

  function gc(dirs: readonly string[], extra: readonly string[]): Promise<CliRun> {
    const files = dirs.map((dir) => `${dir}/quickstart.yaml`);
    return runCli(['gc', ...files, '--base-url', emu.url, ...extra], { cwd: a, now: () => Date.now() });
  }

  /** `gc` as on a terminal: stdin is a TTY that types `answer`. */
  async function gcOnTerminal(dirs: readonly string[], answer: string): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIO = {
      stdout: { write: (text: string) => (stdout += text), isTTY: true },
      stderr: { write: (text: string) => (stderr += text), isTTY: true },
      env: { NO_COLOR: '1' },
      cwd: a,
      now: () => Date.now(),
      signal: new AbortController().signal,
      stdin: Object.assign(Readable.from([`${answer}\n`]), { isTTY: true }),
    };
    const code = await main(['gc', ...dirs.map((dir) => `${dir}/quickstart.yaml`), '--base-url', emu.url], io);
    return { code, stdout, stderr };
  }

  it('--dry-run lists the videos no given lockfile references and deletes nothing; a job in flight is kept', async () => {
    const before = await listed();
    expect(before).toHaveLength(9);
    const run = await gc([a], ['--dry-run', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const listedIds = events(run, 'gc.video')
      .filter((e) => e['action'] === 'listed')
      .map((e) => e['id']);
    expect(listedIds.sort()).toEqual((await idsOf(b)).sort());
    expect(events(run, 'gc.video').find((e) => e['id'] === stuckId)).toMatchObject({ action: 'kept', reason: 'in flight' });
    expect(events(run, 'gc.total')[0]).toMatchObject({ listed: 9, kept: 5, unreferenced: 4, deleted: 0, dry_run: true, confirmed: false });
    expect((await listed()).map((v) => v.id).sort()).toEqual(before.map((v) => v.id).sort());
  });

  it('without a terminal and without --yes it lists and deletes nothing; on a terminal, "n" deletes nothing', async () => {
    const piped = await gc([a], []);
    expect(piped.code).toBe(0);
    for (const id of await idsOf(b)) expect(piped.stdout).toContain(id);
    expect(piped.stdout).toContain('4 unreferenced videos');
    expect(piped.stderr).toContain('not deleted: no terminal to confirm on; run again with --yes');
    const no = await gcOnTerminal([a], 'n');
    expect(no.code).toBe(0);
    expect(no.stderr).toMatch(/Delete 4 videos from .*\? \[y\/N\] nothing deleted/);
    expect(await listed()).toHaveLength(9);
  });

  it('with both lockfiles given, every finished video is referenced: nothing to delete, even with --yes', async () => {
    const run = await gc([a, b], ['--yes']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('nothing to delete');
    expect(await listed()).toHaveLength(9);
  });

  it('answering "y" on a terminal deletes exactly the unreferenced videos: A and the job in flight stay, and A is still in order', async () => {
    const run = await gcOnTerminal([a], 'y');
    expect(run.code, run.stderr).toBe(0);
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(run.stdout).toContain('deleted 4 videos; kept 5');
    const left = (await listed()).map((v) => v.id).sort();
    expect(left).toEqual([...(await idsOf(a)), stuckId].sort());
    const status = await runCli(['status', 'quickstart.yaml', '--base-url', emu.url], { cwd: a, now: () => Date.now() });
    expect(status.code, status.stdout).toBe(0);
    // B's files are still on disk, but its videos are gone from the server.
    const statusB = await runCli(['status', 'quickstart.yaml', '--base-url', emu.url, '--json'], { cwd: b, now: () => Date.now() });
    expect(events(statusB, 'status.total')[0]).toMatchObject({ server: { gone: 4 }, attention: 0 });
  });
});

describe('shotlist gc against a scripted server', () => {
  it('pages through the list, deletes with --yes, and reports a refused delete (400) without stopping: exit 1', async () => {
    const video = (id: string, status: string) => ({
      id,
      object: 'video',
      status,
      model: 'sora-2',
      progress: 100,
      created_at: 1_795_000_000,
      completed_at: null,
      expires_at: null,
      prompt: `p ${id}`,
      size: '1280x720',
      seconds: '4',
      remixed_from_video_id: null,
      error: null,
    });
    const deletes: string[] = [];
    const server = await startServer((req, res, seen) => {
      const url = new URL(seen.url, 'http://x');
      res.setHeader('content-type', 'application/json');
      if (seen.method === 'GET' && url.pathname === '/v1/videos') {
        const page =
          url.searchParams.get('after') === null
            ? { data: [video('video_one', 'completed')], has_more: true, first_id: 'video_one', last_id: 'video_one' }
            : { data: [video('video_two', 'completed'), video('video_busy', 'in_progress')], has_more: false, first_id: 'video_two', last_id: 'video_busy' };
        res.end(JSON.stringify({ object: 'list', ...page }));
        return;
      }
      if (seen.method === 'DELETE') {
        const id = url.pathname.split('/').at(-1)!;
        deletes.push(id);
        if (id === 'video_two') {
          res.statusCode = 400;
          res.end(
            JSON.stringify({
              error: { message: 'Video is still being processed and cannot be deleted.', type: 'invalid_request_error', param: null, code: null },
            }),
          );
          return;
        }
        res.end(JSON.stringify({ id, object: 'video.deleted', deleted: true }));
        return;
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { message: 'no route', type: 'invalid_request_error', param: null, code: null } }));
    });
    const { dir, cleanup } = await copyExamples();
    try {
      const run = await runCli(['gc', 'quickstart.yaml', '--base-url', server.baseUrl, '--yes', '--json'], { cwd: dir, now: () => Date.now() });
      expect(run.code, run.stderr).toBe(1);
      expect(server.seen.filter((s) => s.method === 'GET').map((s) => new URL(s.url, 'http://x').searchParams.get('after'))).toEqual([null, 'video_one']);
      expect(deletes).toEqual(['video_one', 'video_two']);
      const byId = new Map(events(run, 'gc.video').map((e) => [e['id'], e]));
      expect(byId.get('video_one')).toMatchObject({ action: 'deleted' });
      expect(byId.get('video_two')).toMatchObject({ action: 'refused', reason: 'the server refused: Video is still being processed and cannot be deleted.' });
      expect(byId.get('video_busy')).toMatchObject({ action: 'kept', reason: 'in flight' });
      expect(events(run, 'gc.total')[0]).toMatchObject({ listed: 3, unreferenced: 2, deleted: 1, refused: 1, confirmed: true });
    } finally {
      await server.close();
      await cleanup();
    }
  });
});

describe('gc planning', () => {
  const video = (id: string, status: Video['status']): Video => ({
    id,
    status,
    serverStatus: status,
    model: null,
    progress: null,
    createdAt: null,
    completedAt: null,
    expiresAt: null,
    prompt: null,
    size: null,
    seconds: null,
    remixedFromVideoId: null,
    error: null,
  });

  it('a video named anywhere in a lockfile (its own, remixed_from, the request parent) is kept; in-flight jobs are kept', () => {
    const entry = (videoId: string, remixedFrom: string | null, parent: string | null) => ({
      fingerprint: 'sha256:x',
      request: {
        provider: 'emulator',
        model: 'sora-2',
        size: '1280x720',
        seconds: '4',
        prompt: 'p',
        ...(parent ? { remix_of: { job: 'p', video_id: parent } } : {}),
      },
      video_id: videoId,
      remixed_from: remixedFrom,
      status: 'completed' as const,
      created_at: 1,
      expires_at: 2,
      cost_usd: null,
      error: null,
      outputs: {},
    });
    const refs = referencedVideoIds([{ lockfileVersion: 1, name: 'n', jobs: { x: entry('v_own', 'v_src', null), y: entry('v_child', null, 'v_parent') } }]);
    expect([...refs].sort()).toEqual(['v_child', 'v_own', 'v_parent', 'v_src']);
    const plan = planGc(
      [
        video('v_own', 'completed'),
        video('v_src', 'completed'),
        video('v_parent', 'failed'),
        video('v_q', 'queued'),
        video('v_run', 'in_progress'),
        video('v_old', 'completed'),
        video('v_bad', 'failed'),
      ],
      refs,
    );
    expect(plan.unreferenced.map((v) => v.id)).toEqual(['v_old', 'v_bad']);
    expect(plan.kept.map((k) => `${k.video.id}:${k.reason}`)).toEqual([
      'v_own:referenced',
      'v_src:referenced',
      'v_parent:referenced',
      'v_q:in_flight',
      'v_run:in_flight',
    ]);
  });

  it('a provider without list or delete is named with the feature it lacks; --dry-run needs only list', () => {
    const features = (list: boolean, del: boolean) => ({ ...emulatorProfile, features: { ...emulatorProfile.features, list, delete: del } });
    expect(missingGcFeatures(features(true, true), false)).toEqual([]);
    expect(missingGcFeatures(features(true, false), false)).toEqual(['delete']);
    expect(missingGcFeatures(features(true, false), true)).toEqual([]);
    expect(missingGcFeatures(features(false, false), true)).toEqual(['list']);
    expect(missingGcFeatures(features(false, false), false)).toEqual(['list', 'delete']);
  });
});
