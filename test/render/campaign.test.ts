import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { copyExamples, hasStackTrace } from '../helpers/cli.js';
import { checkOutputs, countRoutes, editStoryboard, events, readLock, readLockBytes, renderWith, routeDelta, startRenderEmulator } from './helpers.js';

/**
 * The full example (18 jobs: a matrix with include/exclude, a 3-level remix chain with fan-out,
 * image-to-video, a sora-2-pro teaser) rendered in-process against a test emulator, then the
 * lockfile's promises checked run after run. The tests build on each other, in order: one
 * render of the campaign is the expensive part, every later step starts from its result.
 */

const FILE = 'campaign.yaml';
const JOBS = 18;
const REMIXES = 12;

describe('the full example against a test emulator', () => {
  let emu: RunningEmulator;
  let dir: string;
  let cleanup: () => Promise<void>;
  let first: Lockfile;

  beforeAll(async () => {
    emu = await startRenderEmulator();
    ({ dir, cleanup } = await copyExamples());
  });
  afterAll(async () => {
    await emu?.close();
    await cleanup?.();
  });

  it('renders all 18 jobs within the limits, never causing a 429, one server job per job', async () => {
    const run = await renderWith(emu, dir, FILE);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const results = events(run, 'job.result');
    expect(results).toHaveLength(JOBS);
    expect(results.every((result) => result['status'] === 'completed')).toBe(true);
    expect(events(run, 'run.summary')).toEqual([
      {
        event: 'run.summary',
        completed: JOBS,
        failed: 0,
        skipped: 0,
        cancelled: 0,
        reused: 0,
        blocked: 0,
        spent_usd: 15.6,
        spent: { USD: 15.6 },
        interrupted: false,
        out: 'renders/spring-launch',
        at: expect.any(String),
      },
    ]);

    const stats = emu.stats();
    expect(stats.maxInFlight).toBeLessThanOrEqual(2);
    expect(stats.createsRejected429).toBe(0);
    expect(stats.createsAccepted).toBe(JOBS);
    expect(stats.requestsByRoute['POST /v1/videos']).toBe(JOBS - REMIXES);
    expect(stats.requestsByRoute['POST /v1/videos/{id}/remix']).toBe(REMIXES);
    expect(Object.values(stats.jobsPerRequest)).toEqual(new Array(JOBS).fill(1));

    first = await readLock(dir, FILE);
    const entries = Object.entries(first.jobs);
    expect(entries).toHaveLength(JOBS);
    expect(Object.keys(first.jobs)).toEqual(Object.keys(first.jobs).sort());
    const serverJobs = new Map(stats.jobs.map((job) => [job.id, job]));
    for (const [id, entry] of entries) {
      expect(entry.status, id).toBe('completed');
      expect(entry.error, id).toBeNull();
      await checkOutputs(dir, entry);
      expect(entry.outputs.video!.path).toBe(`renders/spring-launch/${id}.mp4`);
      const server = serverJobs.get(entry.video_id!);
      expect(server, id).toBeDefined();
      expect(server!.prompt).toBe(entry.request.prompt);
      expect(entry.created_at).toBe(server!.created_at);
    }
    // One server job per lockfile entry: no video claimed twice, none left over.
    expect(new Set(entries.map(([, entry]) => entry.video_id)).size).toBe(JOBS);
  });

  it('records each remix against the video its parent job got, as the server does', () => {
    const remixes = Object.entries(first.jobs).filter(([, entry]) => entry.request.remix_of);
    expect(remixes).toHaveLength(REMIXES);
    const serverJobs = new Map(emu.stats().jobs.map((job) => [job.id, job]));
    for (const [id, entry] of remixes) {
      const parent = first.jobs[entry.request.remix_of!.job]!;
      expect(entry.remixed_from, id).toBe(parent.video_id);
      expect(entry.request.remix_of!.video_id, id).toBe(parent.video_id);
      expect(serverJobs.get(entry.video_id!)!.remixed_from, id).toBe(parent.video_id);
    }
    // The 3-level chain: a grade remixes a dusk shot, which remixes a hero shot.
    const grade = first.jobs['hero-dusk-grade[product=mug,size=720x1280,grade=cool]']!;
    expect(grade.request.remix_of!.job).toBe('hero-dusk[product=mug,size=720x1280]');
    expect(first.jobs['hero-dusk[product=mug,size=720x1280]']!.request.remix_of!.job).toBe('hero[product=mug,size=720x1280]');
  });

  it('a second run sends nothing and leaves the lockfile byte-identical', async () => {
    const lockBefore = await readLockBytes(dir, FILE);
    const before = emu.stats().requestsByRoute;
    const run = await renderWith(emu, dir, FILE);
    expect(run.code).toBe(0);
    expect(routeDelta(before, emu.stats().requestsByRoute)).toEqual({});
    expect((await readLockBytes(dir, FILE)).equals(lockBefore)).toBe(true);
  });

  it('a deleted output is downloaded again, with its thumbnail, and nothing else is sent', async () => {
    const lockBefore = await readLockBytes(dir, FILE);
    const teaser = first.jobs['teaser']!;
    await rm(path.join(dir, teaser.outputs.video!.path));
    const before = emu.stats().requestsByRoute;
    const run = await renderWith(emu, dir, FILE);
    expect(run.code).toBe(0);
    expect(routeDelta(before, emu.stats().requestsByRoute)).toEqual({ 'GET /v1/videos/{id}/content': 2 });
    const restored = await readFile(path.join(dir, teaser.outputs.video!.path));
    expect(restored.length).toBe(teaser.outputs.video!.bytes);
    expect((await readLockBytes(dir, FILE)).equals(lockBefore)).toBe(true);
  });

  it('a changed prompt renders that shot and its remix descendants again, against the new videos, and nothing else', async () => {
    await editStoryboard(dir, FILE, 'The same scene at dusk, warm lamp light', 'The same scene at blue hour, warm lamp light');
    const jobsBefore = new Set(emu.stats().jobs.map((job) => job.id));
    const before = emu.stats().requestsByRoute;
    const run = await renderWith(emu, dir, FILE);
    expect(run.code).toBe(0);
    const delta = routeDelta(before, emu.stats().requestsByRoute);
    // 4 dusk shots and their 8 grades: all remixes; no generation is created again.
    expect(delta['POST /v1/videos']).toBeUndefined();
    expect(delta['POST /v1/videos/{id}/remix']).toBe(4 + 8);
    expect(delta['GET /v1/videos/{id}/content']).toBe(2 * (4 + 8));

    const created = emu.stats().jobs.filter((job) => !jobsBefore.has(job.id));
    expect(created).toHaveLength(12);
    const after = await readLock(dir, FILE);
    const changed = Object.keys(after.jobs).filter((id) => after.jobs[id]!.video_id !== first.jobs[id]!.video_id);
    expect(changed.sort()).toEqual(
      Object.keys(first.jobs)
        .filter((id) => id.startsWith('hero-dusk'))
        .sort(),
    );
    for (const [id, entry] of Object.entries(after.jobs)) {
      if (id.startsWith('hero-dusk')) {
        // Remixed from the parent's video as it is now: the unchanged hero, or the new dusk shot.
        const parent = after.jobs[entry.request.remix_of!.job]!;
        expect(entry.remixed_from, id).toBe(parent.video_id);
        expect(created.find((job) => job.id === entry.video_id)!.remixed_from, id).toBe(parent.video_id);
        await checkOutputs(dir, entry);
      } else {
        expect(entry, id).toEqual(first.jobs[id]);
      }
    }
    expect(after.jobs['hero-dusk[product=mug,size=1280x720]']!.request.prompt).toContain('blue hour');
  });

  it('--frozen on a changed storyboard exits 3 and sends nothing at all', async () => {
    await editStoryboard(dir, FILE, 'arriving soon', 'arriving in spring');
    const lockBefore = await readLockBytes(dir, FILE);
    const before = emu.stats().requestsByRoute;
    const run = await renderWith(emu, dir, FILE, ['--frozen']);
    expect(run.code).toBe(3);
    expect(hasStackTrace(run.stderr + run.stdout)).toBe(false);
    expect(routeDelta(before, emu.stats().requestsByRoute)).toEqual({});
    expect((await readLockBytes(dir, FILE)).equals(lockBefore)).toBe(true);
  });

  it('--max-cost below the plan exits 3 and sends nothing at all; at or above it, renders', async () => {
    const lockBefore = await readLockBytes(dir, FILE);
    const before = emu.stats().requestsByRoute;
    // The changed teaser: 4 s of sora-2-pro at 1792x1024.
    const refused = await renderWith(emu, dir, FILE, ['--max-cost', '0.5']);
    expect(refused.code).toBe(3);
    expect(hasStackTrace(refused.stderr + refused.stdout)).toBe(false);
    expect(routeDelta(before, emu.stats().requestsByRoute)).toEqual({});
    expect((await readLockBytes(dir, FILE)).equals(lockBefore)).toBe(true);

    const allowed = await renderWith(emu, dir, FILE, ['--max-cost', '100']);
    expect(allowed.code).toBe(0);
    expect(routeDelta(before, emu.stats().requestsByRoute)['POST /v1/videos']).toBe(1);
    expect(countRoutes(routeDelta(before, emu.stats().requestsByRoute), /remix/)).toBe(0);
    expect((await readLock(dir, FILE)).jobs['teaser']!.request.prompt).toContain('arriving in spring');
  });

  it('a shot removed from the storyboard: its entry is dropped from the lockfile by the next full render, with nothing sent', async () => {
    const full = path.join(dir, FILE);
    const text = await readFile(full, 'utf8');
    await writeFile(full, text.slice(0, text.indexOf('  - id: teaser')));
    const before = emu.stats().requestsByRoute;
    const onlyRun = await renderWith(emu, dir, FILE, ['--only', 'hero*']);
    expect(onlyRun.code).toBe(0);
    expect((await readLock(dir, FILE)).jobs['teaser']).toBeDefined();

    const run = await renderWith(emu, dir, FILE);
    expect(run.code).toBe(0);
    expect(routeDelta(before, emu.stats().requestsByRoute)).toEqual({});
    const lock = await readLock(dir, FILE);
    expect(lock.jobs['teaser']).toBeUndefined();
    expect(Object.keys(lock.jobs)).toHaveLength(JOBS - 1);
  });
});
