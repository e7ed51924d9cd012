import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMp4 } from '../emulator/helpers.js';
import { checkOutputs, readLock, renderWith, startRenderEmulator } from './helpers.js';

/**
 * A key named like a request field in a map-valued variant sets that field (SPEC §2): a value
 * never silently loses its effect. What reaches the server, and what comes back, has the size
 * and duration the keys say, and each job is paid once.
 */

const STORYBOARD = `version: 1
name: formats
defaults:
  model: sora-2
  size: 1280x720
  seconds: 4
shots:
  - id: hero
    prompt: A mug on a counter, {{format.id}}.
    variants:
      format:
        - {id: landscape, size: 1280x720}
        - {id: portrait, size: 720x1280, seconds: 8}
  - id: dusk
    remix: hero
    prompt: The same mug at dusk.
`;

describe('map-valued variant keys', () => {
  it('size and seconds keys of a map value reach the server, the files and the lockfile', async ({ onTestFinished }) => {
    const emu = await startRenderEmulator();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-map-axis-'));
    onTestFinished(() => emu.close());
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await writeFile(path.join(dir, 'formats.yaml'), STORYBOARD);

    const run = await renderWith(emu, dir, 'formats.yaml');
    expect(run.code, run.stderr).toBe(0);
    // Two creates and two remixes, no more: the portrait job is priced and sent as 8 s at 720x1280.
    expect(emu.stats().createsAccepted).toBe(4);
    const sent = Object.fromEntries(
      emu
        .stats()
        .jobs.filter((job) => job.remixed_from === null)
        .map((job) => [job.prompt, `${job.size} ${job.seconds}s`]),
    );
    expect(sent).toEqual({ 'A mug on a counter, landscape.': '1280x720 4s', 'A mug on a counter, portrait.': '720x1280 8s' });

    const lock = await readLock(dir, 'formats.yaml');
    expect(lock.jobs['hero[format=portrait]']!.request).toMatchObject({ size: '720x1280', seconds: '8' });
    expect(lock.jobs['hero[format=portrait]']!.cost_usd).toBe(0.8);
    // The remix takes its parent's size: the key reached it through the parent's video.
    expect(lock.jobs['dusk[format=portrait]']!.request).toMatchObject({ size: '720x1280', seconds: '8' });
    const { video } = await checkOutputs(dir, lock.jobs['hero[format=portrait]']!);
    expect(await readMp4(video)).toMatchObject({ width: 720, height: 1280 });
  });
});
