import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { runCli } from '../helpers/cli.js';
import { checkOutputs, editStoryboard, events, readLock, renderProject, renderWith, startRenderEmulator, waitForEntry } from './helpers.js';

/**
 * The server no longer has what the lockfile points at (restarted without its state, or its
 * retention ran out early). That run fails those jobs, and records why, so that the next run
 * renders them anew instead of failing the same way forever.
 */

const FILE = 'quickstart.yaml';

function plan(emu: RunningEmulator, dir: string) {
  return runCli(['plan', FILE, '--base-url', emu.url, '--json'], { cwd: dir, now: () => Date.now() });
}

describe.concurrent('the server lost what the lockfile points at', () => {
  it('jobs in flight on a server that restarted without its state: failed as video_gone, rendered anew by the next run', async ({ onTestFinished }) => {
    const { emu: first, dir } = await renderProject(onTestFinished, { speed: 20 });
    const controller = new AbortController();
    const running = renderWith(first, dir, FILE, [], { signal: controller.signal });
    await waitForEntry(dir, FILE, (entry) => entry.status === 'queued' || entry.status === 'in_progress', 'in flight on the server');
    controller.abort();
    expect((await running).code).toBe(130);
    const port = Number(new URL(first.url).port);
    await first.close();

    // The same address, a server that never heard of those videos.
    const second = await startRenderEmulator({ port });
    onTestFinished(() => second.close());
    const failing = await renderWith(second, dir, FILE);
    expect(failing.code).toBe(1);
    const gone = Object.entries((await readLock(dir, FILE)).jobs).filter(([, entry]) => entry.error?.code === 'video_gone');
    expect(gone.length).toBeGreaterThan(0);
    for (const [id, entry] of gone) {
      expect(entry.status, id).toBe('failed');
      expect(events(await plan(second, dir), 'plan.job').find((event) => event['id'] === id)).toMatchObject({
        action: 'render',
        reason: 'the last attempt failed (video_gone)',
      });
    }

    const recovered = await renderWith(second, dir, FILE);
    expect(recovered.code, recovered.stderr).toBe(0);
    const lock = await readLock(dir, FILE);
    for (const entry of Object.values(lock.jobs)) {
      expect(entry.status).toBe('completed');
      await checkOutputs(dir, entry);
    }
    expect(Object.values(second.stats().jobsPerRequest)).toEqual([1, 1, 1, 1]);
  });

  it('content gone before the lockfile expected it (a deleted file cannot be downloaded): rendered anew by the next run, with its remix', async ({
    onTestFinished,
  }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    expect((await renderWith(emu, dir, FILE)).code).toBe(0);
    const before = await readLock(dir, FILE);
    const mug = before.jobs['hero[product=mug]']!;
    await rm(path.join(dir, mug.outputs.video!.path));
    // The server's retention ran out early: its content now answers 404.
    emu.advanceClock(25 * 3600);

    const failing = await renderWith(emu, dir, FILE);
    expect(failing.code).toBe(1);
    expect(events(failing, 'job.result').find((event) => event['id'] === 'hero[product=mug]')).toMatchObject({ status: 'failed' });
    const planned = new Map(events(await plan(emu, dir), 'plan.job').map((event) => [event['id'], event]));
    expect(planned.get('hero[product=mug]')).toMatchObject({ action: 'render' });
    expect(planned.get('hero-dusk[product=mug]')).toMatchObject({ action: 'render', reason_code: 'parent-renders' });

    const recovered = await renderWith(emu, dir, FILE);
    expect(recovered.code, recovered.stderr).toBe(0);
    const after = await readLock(dir, FILE);
    expect(after.jobs['hero[product=mug]']!.video_id).not.toBe(mug.video_id);
    expect(after.jobs['hero-dusk[product=mug]']!.remixed_from).toBe(after.jobs['hero[product=mug]']!.video_id);
    await checkOutputs(dir, after.jobs['hero[product=mug]']!);
    expect(after.jobs['hero[product=teapot]']).toEqual(before.jobs['hero[product=teapot]']);
  });

  it('a remix whose parent video is gone from the server: the parent is rendered anew by the next run, and remixed', async ({ onTestFinished }) => {
    const { emu, dir } = await renderProject(onTestFinished);
    expect((await renderWith(emu, dir, FILE)).code).toBe(0);
    const before = await readLock(dir, FILE);
    await editStoryboard(dir, FILE, 'The same scene at dusk', 'The same scene at night');
    emu.advanceClock(25 * 3600);

    const failing = await renderWith(emu, dir, FILE);
    expect(failing.code).toBe(1);
    const planned = new Map(events(await plan(emu, dir), 'plan.job').map((event) => [event['id'], event]));
    expect(planned.get('hero[product=mug]')).toMatchObject({ action: 'render' });
    expect(planned.get('hero[product=mug]')!['reason']).toContain('expired');

    const recovered = await renderWith(emu, dir, FILE);
    expect(recovered.code, recovered.stderr).toBe(0);
    const after = await readLock(dir, FILE);
    for (const product of ['mug', 'teapot']) {
      const parent = after.jobs[`hero[product=${product}]`]!;
      const remix = after.jobs[`hero-dusk[product=${product}]`]!;
      expect(parent.video_id).not.toBe(before.jobs[`hero[product=${product}]`]!.video_id);
      expect(remix.remixed_from).toBe(parent.video_id);
      expect(remix.request.prompt).toContain('at night');
      await checkOutputs(dir, remix);
    }
  });
});
