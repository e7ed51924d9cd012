import { access, link, lstat, mkdtemp, readdir, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { runCli } from '../helpers/cli.js';
import { checkOutputs, editStoryboard, events, readLock, readLockBytes, renderWith, sha256, startRenderEmulator } from './helpers.js';

/**
 * Renaming a variant label or a shot makes new job ids with the very requests the lockfile
 * already holds: the orphans are adopted (`moved`), their video ids kept and their files
 * renamed, and nothing reaches the server (SPEC §4, "nothing is paid for twice that exists").
 */

const FILE = 'takes.yaml';
const STORYBOARD = `version: 1
name: takes
defaults:
  model: sora-2
  size: 1280x720
  seconds: 4
shots:
  - id: hero
    prompt: A {{product.name}} on a kitchen counter.
    variants:
      product:
        - {id: mug, name: stoneware mug}
        - {id: pot, name: cast-iron teapot}
  - id: dusk
    remix: hero
    prompt: The {{product.name}} at dusk.
`;

async function renderedProject(onTestFinished: (fn: () => Promise<void>) => void): Promise<{ emu: RunningEmulator; dir: string }> {
  const emu = await startRenderEmulator();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shotlist-moved-'));
  onTestFinished(() => emu.close());
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, FILE), STORYBOARD);
  const first = await renderWith(emu, dir, FILE);
  expect(first.code, first.stderr).toBe(0);
  expect(emu.stats().createsAccepted).toBe(4);
  return { emu, dir };
}

/** Renames the mug's label to cup and the dusk shot to evening: three of the four job ids change, no request does. */
async function rename(dir: string): Promise<void> {
  await editStoryboard(dir, FILE, '{id: mug, name: stoneware mug}', '{id: cup, name: stoneware mug}');
  await editStoryboard(dir, FILE, '  - id: dusk\n', '  - id: evening\n');
}

const MOVES = {
  'hero[product=cup]': 'hero[product=mug]',
  'evening[product=cup]': 'dusk[product=mug]',
  'evening[product=pot]': 'dusk[product=pot]',
};

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

describe.concurrent('moved: renamed labels and shots adopt their orphans', () => {
  it('a renamed label and shot: plan says moved, render sends nothing, video ids kept, files renamed, lockfile settled', async ({ onTestFinished }) => {
    const { emu, dir } = await renderedProject(onTestFinished);
    const before = await readLock(dir, FILE);
    await rename(dir);

    const plan = await runCli(['plan', FILE, '--base-url', emu.url, '--json'], { cwd: dir, now: () => Date.now() });
    const planned = Object.fromEntries(events(plan, 'plan.job').map((event) => [event['id'], event]));
    for (const [to, from] of Object.entries(MOVES)) expect(planned[to], to).toMatchObject({ action: 'move', moved_from: from, cost_usd: 0 });
    expect(planned['hero[product=pot]']).toMatchObject({ action: 'reuse' });
    expect(events(plan, 'plan.orphan')).toEqual([]);
    expect(events(plan, 'plan.total')[0]).toMatchObject({ render: 0, move: 3, orphan: 0, cost_usd: 0 });
    const text = await runCli(['plan', FILE, '--base-url', emu.url], { cwd: dir, now: () => Date.now() });
    expect(text.stdout).toMatch(/→ moved\s+evening\[product=cup\]\s.*\smoved from dusk\[product=mug\]/);

    // status agrees: the lockfile is not in order until render moves them.
    const status = await runCli(['status', FILE, '--base-url', emu.url, '--json'], { cwd: dir, now: () => Date.now() });
    expect(status.code).toBe(1);
    const rows = Object.fromEntries(events(status, 'status.job').map((event) => [event['id'], event]));
    expect(rows['evening[product=cup]']).toMatchObject({ state: 'moved', action: 'move', video_id: before.jobs['dusk[product=mug]']!.video_id });
    expect(rows['dusk[product=mug]']).toBeUndefined();

    const requests = emu.stats().requestsByRoute;
    const run = await renderWith(emu, dir, FILE);
    expect(run.code, run.stderr).toBe(0);
    // Nothing reached the server: not a create, not a download.
    expect(emu.stats().requestsByRoute).toEqual(requests);
    expect(emu.stats().createsAccepted).toBe(4);

    const after = await readLock(dir, FILE);
    expect(Object.keys(after.jobs)).toEqual(['evening[product=cup]', 'evening[product=pot]', 'hero[product=cup]', 'hero[product=pot]']);
    for (const [to, from] of Object.entries(MOVES)) {
      const entry = after.jobs[to]!;
      expect(entry.video_id).toBe(before.jobs[from]!.video_id);
      expect(entry.fingerprint).toBe(before.jobs[from]!.fingerprint);
      expect(entry.outputs.video!.path).toBe(`renders/takes/${to}.mp4`);
      expect(entry.outputs.thumbnail!.path).toBe(`renders/takes/${to}.webp`);
      expect(entry.outputs.video!.sha256).toBe(before.jobs[from]!.outputs.video!.sha256);
      await checkOutputs(dir, entry);
      expect(await exists(path.join(dir, before.jobs[from]!.outputs.video!.path)), from).toBe(false);
    }
    // The remix's request names its parent by the new id; its parent video is the same.
    expect(after.jobs['evening[product=cup]']!.request.remix_of).toEqual({ job: 'hero[product=cup]', video_id: before.jobs['hero[product=mug]']!.video_id });
    expect((await readdir(path.join(dir, 'renders/takes'))).filter((name) => name.includes('.tmp-'))).toEqual([]);

    // Settled: the next run has nothing to do and leaves the lockfile byte-identical.
    const bytes = await readLockBytes(dir, FILE);
    const again = await renderWith(emu, dir, FILE);
    expect(again.code).toBe(0);
    expect(events(again, 'job.result')).toEqual([]);
    expect(await readLockBytes(dir, FILE)).toEqual(bytes);
  });

  it('a renamed parent shot: the parents move, their remixes keep their entries and now name the new parent ids', async ({ onTestFinished }) => {
    const { emu, dir } = await renderedProject(onTestFinished);
    const before = await readLock(dir, FILE);
    await editStoryboard(dir, FILE, '  - id: hero\n', '  - id: lead\n');
    await editStoryboard(dir, FILE, 'remix: hero', 'remix: lead');
    const run = await renderWith(emu, dir, FILE);
    expect(run.code, run.stderr).toBe(0);
    expect(emu.stats().createsAccepted).toBe(4);
    const after = await readLock(dir, FILE);
    expect(Object.keys(after.jobs)).toEqual(['dusk[product=mug]', 'dusk[product=pot]', 'lead[product=mug]', 'lead[product=pot]']);
    for (const product of ['mug', 'pot']) {
      expect(after.jobs[`lead[product=${product}]`]!.video_id).toBe(before.jobs[`hero[product=${product}]`]!.video_id);
      expect(after.jobs[`dusk[product=${product}]`]).toEqual({
        ...before.jobs[`dusk[product=${product}]`]!,
        request: {
          ...before.jobs[`dusk[product=${product}]`]!.request,
          remix_of: { job: `lead[product=${product}]`, video_id: before.jobs[`hero[product=${product}]`]!.video_id },
        },
      });
    }
    const bytes = await readLockBytes(dir, FILE);
    expect((await renderWith(emu, dir, FILE)).code).toBe(0);
    expect(await readLockBytes(dir, FILE)).toEqual(bytes);
  });

  it('a crash mid-move loses nothing: the next run finds the files by their old names and finishes the move', async ({ onTestFinished }) => {
    const { emu, dir } = await renderedProject(onTestFinished);
    const before = await readLock(dir, FILE);
    await rename(dir);
    // What a run killed after placing one file, before the lockfile write, leaves: the new name
    // (here with other bytes), a temp file, and the lockfile as it was.
    const renders = path.join(dir, 'renders/takes');
    await writeFile(path.join(renders, 'hero[product=cup].mp4'), 'half a move');
    await link(path.join(renders, 'hero[product=mug].webp'), path.join(renders, 'hero[product=cup].webp.tmp-999-abcd1234'));

    const run = await renderWith(emu, dir, FILE);
    expect(run.code, run.stderr).toBe(0);
    expect(emu.stats().createsAccepted).toBe(4);
    const entry = (await readLock(dir, FILE)).jobs['hero[product=cup]']!;
    expect(entry.video_id).toBe(before.jobs['hero[product=mug]']!.video_id);
    const { video } = await checkOutputs(dir, entry);
    expect(sha256(video)).toBe(before.jobs['hero[product=mug]']!.outputs.video!.sha256);
    expect(await readdir(renders)).not.toContain('hero[product=cup].webp.tmp-999-abcd1234');
  });

  it('a recorded file that is a symlink out of the project is not ours to rename, remove or read: the lockfile is refused at its place, the link and its target stay', async ({
    onTestFinished,
  }) => {
    const { emu, dir } = await renderedProject(onTestFinished);
    const outside = await mkdtemp(path.join(os.tmpdir(), 'shotlist-outside-'));
    onTestFinished(() => rm(outside, { recursive: true, force: true }));
    const entry = (await readLock(dir, FILE)).jobs['hero[product=mug]']!;
    const recorded = path.join(dir, entry.outputs.video!.path);
    await link(recorded, path.join(outside, 'kept.mp4'));
    await unlink(recorded);
    await symlink(path.join(outside, 'kept.mp4'), recorded);
    await rename(dir);

    // Output paths must lead inside the project through every symlink (test/hostile/confined-paths.test.ts).
    const run = await renderWith(emu, dir, FILE);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/takes\.lock\.json:\d+:\d+ jobs\["hero\[product=mug\]"\]\.outputs\.video\.path: .* leads outside the project directory/);
    expect(emu.stats().createsAccepted).toBe(4);
    expect((await readLock(dir, FILE)).jobs['hero[product=mug]']).toEqual(entry);
    expect((await lstat(recorded)).isSymbolicLink()).toBe(true);
    expect(await exists(path.join(outside, 'kept.mp4'))).toBe(true);
  });

  it('an orphan whose file is gone but whose video the server has is adopted and downloaded, not rendered', async ({ onTestFinished }) => {
    const { emu, dir } = await renderedProject(onTestFinished);
    await unlink(path.join(dir, 'renders/takes/hero[product=mug].mp4'));
    await rename(dir);
    const run = await renderWith(emu, dir, FILE);
    expect(run.code, run.stderr).toBe(0);
    expect(emu.stats().createsAccepted).toBe(4);
    expect(events(run, 'job.result').map((event) => [event['id'], event['status']])).toEqual([['hero[product=cup]', 'completed']]);
    await checkOutputs(dir, (await readLock(dir, FILE)).jobs['hero[product=cup]']!);
  });

  it('--only on a remix whose parent was renamed too moves the parent with it (the remix builds on its video)', async ({ onTestFinished }) => {
    const { emu, dir } = await renderedProject(onTestFinished);
    const before = await readLock(dir, FILE);
    await rename(dir);
    const run = await renderWith(emu, dir, FILE, ['--only', 'evening[product=cup]']);
    expect(run.code, run.stderr).toBe(0);
    expect(emu.stats().createsAccepted).toBe(4);
    const after = await readLock(dir, FILE);
    expect(after.jobs['evening[product=cup]']!.video_id).toBe(before.jobs['dusk[product=mug]']!.video_id);
    expect(after.jobs['hero[product=cup]']!.video_id).toBe(before.jobs['hero[product=mug]']!.video_id);
    // Not selected and not needed by the selection: left for a full run.
    expect(after.jobs['dusk[product=pot]']).toBeDefined();
  });
});
