import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { copyExamples, runCli } from '../helpers/cli.js';
import { startRenderEmulator } from '../render/helpers.js';
import { waitUntil } from '../helpers/wait-until.js';

/** `watch --render` against a real emulator, with real file edits. */

let dir: string;
let cleanup: () => Promise<void>;
let emu: RunningEmulator;
beforeEach(async () => {
  ({ dir, cleanup } = await copyExamples());
  emu = await startRenderEmulator();
});
afterEach(async () => {
  await emu.close();
  await cleanup();
});

const lockOf = async (): Promise<Lockfile | null> =>
  JSON.parse(await readFile(path.join(dir, 'quickstart.lock.json'), 'utf8').catch(() => 'null')) as Lockfile | null;

const until = <T>(probe: () => Promise<T | null | false>, ms = 15_000) => waitUntil(probe, 'the watched render', ms, 50);

const completed = (lock: Lockfile | null, ids: readonly string[]) =>
  lock !== null && ids.every((id) => lock.jobs[id]?.status === 'completed' && lock.jobs[id]?.outputs.video);

describe('watch --render', () => {
  it('renders what the plan owes, then only the changed job and its remix descendants after an edit', async () => {
    const controller = new AbortController();
    const run = runCli(['watch', 'quickstart.yaml', '--render', '--base-url', emu.url], { cwd: dir, signal: controller.signal, now: () => Date.now() });
    const all = ['hero[product=mug]', 'hero[product=teapot]', 'hero-dusk[product=mug]', 'hero-dusk[product=teapot]'];
    const first = await until(async () => {
      const lock = await lockOf();
      return completed(lock, all) ? lock : null;
    });
    expect(emu.stats().createsAccepted).toBe(4);

    const file = path.join(dir, 'quickstart.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('warm lamp light', 'candle light'));
    await until(async () => {
      const lock = await lockOf();
      return (
        lock &&
        all.every((id) => lock.jobs[id]?.status === 'completed') &&
        lock.jobs['hero-dusk[product=mug]']!.video_id !== first.jobs['hero-dusk[product=mug]']!.video_id &&
        completed(lock, all)
      );
    });
    // Only the two dusk remixes were created again; the hero videos were reused.
    expect(emu.stats().createsAccepted).toBe(6);
    const after = (await lockOf())!;
    expect(after.jobs['hero[product=mug]']!.video_id).toBe(first.jobs['hero[product=mug]']!.video_id);
    expect(after.jobs['hero-dusk[product=mug]']!.request.prompt).toContain('candle light');

    controller.abort();
    const result = await run;
    expect(result.code).toBe(0);
    expect(emu.stats().maxInFlight).toBeLessThanOrEqual(2);
  });

  it('drains on an edit: jobs already on the server finish and are recorded, queued work no longer wanted is never created', async () => {
    await emu.close();
    emu = await startRenderEmulator({ speed: 20 });
    const controller = new AbortController();
    let stderr = '';
    const run = runCli(['watch', 'quickstart.yaml', '--render', '--base-url', emu.url], {
      cwd: dir,
      signal: controller.signal,
      now: () => Date.now(),
      onOutput: (output) => (stderr = output.stderr),
    });
    // Wait until both hero jobs are on the server, then drop the remix shot from the storyboard.
    await until(async () => {
      const lock = await lockOf();
      return lock && ['hero[product=mug]', 'hero[product=teapot]'].every((id) => lock.jobs[id]?.video_id);
    });
    const file = path.join(dir, 'quickstart.yaml');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.slice(0, text.indexOf('  - id: hero-dusk')));
    const done = await until(async () => {
      const lock = await lockOf();
      return lock && completed(lock, ['hero[product=mug]', 'hero[product=teapot]']) && !lock.jobs['hero-dusk[product=mug]'] ? lock : null;
    });
    expect(Object.keys(done.jobs).sort()).toEqual(['hero[product=mug]', 'hero[product=teapot]']);
    // The drained render ends, then one from the edited plan finds nothing to do. Ctrl-C during
    // a render would exit 130, so the test waits for that second render's last word.
    await until(async () => stderr.includes('nothing to do'));
    controller.abort();
    expect((await run).code).toBe(0);
    // The remixes were queued behind their parents when the edit came: never created.
    expect(emu.stats().createsAccepted).toBe(2);
  });
});
