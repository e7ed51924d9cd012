import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ALL_FORMATS, BufferSource, Input } from 'mediabunny';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { runCli } from '../helpers/cli.js';
import { encodeClip } from '../storyboard/clips.js';
import { writeProject } from '../storyboard/helpers.js';
import { checkOutputs, editStoryboard, events, readLock, renderWith, routeDelta, sha256, startRenderEmulator } from './helpers.js';
import { frameRgb, meanDifference, SCENE } from './continuity-helpers.js';

/**
 * The runner side of continuity, edits, extensions and characters, end to end: a real emulator on
 * 127.0.0.1:0, a real temp project, real MP4s decoded. The tests build on each other in order.
 */

const FILE = 'scene.yaml';
const JOBS = ['dusk', 'enter', 'linger', 'look', 'sit', 'snowy'];
const SIZE = '1280x720';
/**
 * Mean absolute difference (0–255 per channel) allowed between a parent's last frame and its
 * continuation's first: both pass through H.264 at the emulator's settings and the PNG is scaled
 * with lanczos, so they are close, not equal. Two unrelated frames of the emulator differ by far
 * more (checked below, so the bound means something).
 */
const SAME_FRAME = 6;

async function durationOf(file: string): Promise<number> {
  const input = new Input({ source: new BufferSource(await readFile(file)), formats: ALL_FORMATS });
  try {
    return await input.computeDuration();
  } finally {
    input.dispose();
  }
}

// Six jobs in a chain, each waiting for its parent, and ffmpeg decodes: slow on a loaded machine.
describe('a scene with continuity, an extension chain, an edit and a character, rendered on the emulator', { timeout: 120_000 }, () => {
  let emu: RunningEmulator;
  let dir: string;
  let cleanup: () => Promise<void>;
  let first: Lockfile;
  const video = (job: string) => path.join(dir, 'renders/scene', `${job}.mp4`);

  beforeAll(async () => {
    // Casting characters on a create is the March-2026 guide's field: guide-2026 mode.
    emu = await startRenderEmulator({ guide2026: true });
    ({ dir, cleanup } = await writeProject({ [FILE]: SCENE, 'assets/mossy.mp4': await encodeClip(3) }));
  });
  afterAll(async () => {
    await emu?.close();
    await cleanup?.();
  });

  it('renders every job through its own endpoint, each once, parents first', async () => {
    const run = await renderWith(emu, dir, FILE);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(
      events(run, 'job.result')
        .map((r) => [r['id'], r['status']])
        .sort(),
    ).toEqual(JOBS.map((id) => [id, 'completed']));
    const stats = emu.stats();
    expect(stats.requestsByRoute['POST /v1/videos']).toBe(3);
    expect(stats.requestsByRoute['POST /v1/videos/extensions']).toBe(2);
    expect(stats.requestsByRoute['POST /v1/videos/edits']).toBe(1);
    expect(stats.requestsByRoute['POST /v1/videos/characters']).toBe(1);
    expect(stats.createsAccepted).toBe(JOBS.length);
    // Each child is created after its parent completed; a continuation after its parent's download.
    const created = (id: string) => run.events().findIndex((e) => e['event'] === 'job' && e['id'] === id && e['state'] === 'creating');
    const done = (id: string) => run.events().findIndex((e) => e['event'] === 'job' && e['id'] === id && e['state'] === 'done');
    expect(created('sit')).toBeGreaterThan(done('enter'));
    expect(created('look')).toBeGreaterThan(done('sit'));
    first = await readLock(dir, FILE);
    for (const id of JOBS) await checkOutputs(dir, first.jobs[id]!);
    // The contact sheet says what each child does to which job.
    const sheet = await readFile(path.join(dir, 'renders/scene/report.html'), 'utf8');
    for (const verb of ['continues', 'extends', 'edits']) expect(sheet).toContain(`<dt>${verb}</dt>`);
  });

  it('records each child against its parent video, and each continuation with its frame', async () => {
    const { jobs } = first;
    expect(jobs['sit']!.request.parent).toEqual({
      kind: 'continue',
      job: 'enter',
      video_id: jobs['enter']!.video_id,
      frame: { path: 'renders/scene/frames/sit.last.png', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(jobs['look']!.request.parent?.video_id).toBe(jobs['sit']!.video_id);
    expect(jobs['linger']!.request.parent).toEqual({ kind: 'extend', job: 'look', video_id: jobs['look']!.video_id, total_seconds: '8' });
    expect(jobs['dusk']!.request.parent).toEqual({ kind: 'extend', job: 'linger', video_id: jobs['linger']!.video_id, total_seconds: '16' });
    expect(jobs['snowy']!.request.parent).toEqual({ kind: 'edit', job: 'enter', video_id: jobs['enter']!.video_id });
    expect(jobs['snowy']!.remixed_from).toBe(jobs['enter']!.video_id);
    for (const id of ['sit', 'look']) {
      const frame = jobs[id]!.request.parent!.frame!;
      expect(sha256(await readFile(path.join(dir, frame.path))), id).toBe(frame.sha256);
    }
    // What the server got: the edit and the extensions name their source; the continuations an image.
    const server = new Map(emu.stats().jobs.map((job) => [job.id, job]));
    expect(server.get(jobs['dusk']!.video_id!)!.seconds).toBe('16');
    expect(server.get(jobs['linger']!.video_id!)!.source).toEqual({ kind: 'extension', video_id: jobs['look']!.video_id });
    expect(server.get(jobs['snowy']!.video_id!)!.source).toEqual({ kind: 'edit', video_id: jobs['enter']!.video_id });
    expect(server.get(jobs['enter']!.video_id!)!.characters).toEqual([first.characters![0]!.id]);
  });

  it("starts each continuation on its parent's last frame (decoded pixels)", async () => {
    for (const [parent, child] of [
      ['enter', 'sit'],
      ['sit', 'look'],
    ] as const) {
      const last = await frameRgb(video(parent), 'last', SIZE);
      const start = await frameRgb(video(child), 'first', SIZE);
      expect(meanDifference(last, start), `${child} starts where ${parent} ends`).toBeLessThan(SAME_FRAME);
    }
    // The bound tells frames apart: the edit's first frame is not enter's last.
    expect(meanDifference(await frameRgb(video('enter'), 'last', SIZE), await frameRgb(video('snowy'), 'first', SIZE))).toBeGreaterThan(4 * SAME_FRAME);
  });

  it('makes an extension chain whose final MP4 lasts the sum of its parts', async () => {
    expect(await durationOf(video('look'))).toBeCloseTo(4, 1);
    expect(await durationOf(video('linger'))).toBeCloseTo(8, 1);
    expect(await durationOf(video('dusk'))).toBeCloseTo(16, 1);
  });

  it('records the character once, by clip and provider, and casts it by id', () => {
    expect(first.characters).toEqual([
      {
        name: 'Mossy',
        clip_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        provider: 'emulator',
        id: expect.stringMatching(/^char_/),
        created_at: expect.any(Number),
      },
    ]);
    const id = first.characters![0]!.id;
    expect(first.jobs['enter']!.request.characters).toEqual([{ name: 'Mossy', id }]);
    expect(first.jobs['sit']!.request.characters).toEqual([{ name: 'Mossy', id }]);
    expect(first.jobs['look']!.request.characters).toBeUndefined();
  });

  it('sends nothing on a second run: the character and every video are reused', async () => {
    const before = emu.stats().requestsByRoute;
    const run = await renderWith(emu, dir, FILE);
    expect(run.code, run.stderr).toBe(0);
    expect(Object.keys(routeDelta(before, emu.stats().requestsByRoute)).filter((route) => route.startsWith('POST'))).toEqual([]);
    expect(await readLock(dir, FILE)).toEqual(first);
  });

  it('moves a renamed continuation (and the extension of it) instead of rendering it again, and back', async () => {
    const before = emu.stats().requestsByRoute;
    const rename = async (from: string, to: string) => {
      await editStoryboard(dir, FILE, `  - id: ${from}\n`, `  - id: ${to}\n`);
      await editStoryboard(dir, FILE, `extend: ${from}\n`, `extend: ${to}\n`);
    };
    await rename('look', 'gaze');
    const plan = await runCli(['plan', FILE, '--json'], { cwd: dir });
    expect(plan.events().find((e) => e['event'] === 'plan.job' && e['id'] === 'gaze')).toMatchObject({
      action: 'move',
      reason_code: 'moved',
      moved_from: 'look',
    });
    const run = await renderWith(emu, dir, FILE);
    expect(run.code, run.stderr).toBe(0);
    let lock = await readLock(dir, FILE);
    expect(lock.jobs['gaze']!.video_id).toBe(first.jobs['look']!.video_id);
    expect(lock.jobs['look']).toBeUndefined();
    await rename('gaze', 'look');
    expect((await renderWith(emu, dir, FILE)).code).toBe(0);
    lock = await readLock(dir, FILE);
    for (const id of Object.keys(first.jobs)) expect(lock.jobs[id]!.video_id, id).toBe(first.jobs[id]!.video_id);
    expect(Object.keys(routeDelta(before, emu.stats().requestsByRoute)).filter((route) => route.startsWith('POST'))).toEqual([]);
  });

  it("renders a continuation again when its parent's prompt changes, and only what follows from it", async () => {
    await editStoryboard(dir, FILE, 'Mossy sits by the window.', 'Mossy curls up by the stove.');
    const plan = await runCli(['plan', FILE, '--json'], { cwd: dir });
    const reasons = Object.fromEntries(
      plan
        .events()
        .filter((e) => e['event'] === 'plan.job')
        .map((e) => [e['id'], [e['action'], e['reason_code']]]),
    );
    expect(reasons).toEqual({
      enter: ['reuse', 'up-to-date'],
      snowy: ['reuse', 'up-to-date'],
      sit: ['render', 'request-changed'],
      look: ['render', 'parent-renders'],
      linger: ['render', 'parent-renders'],
      dusk: ['render', 'parent-renders'],
    });
    const before = emu.stats().requestsByRoute;
    const run = await renderWith(emu, dir, FILE);
    expect(run.code, run.stderr).toBe(0);
    const delta = routeDelta(before, emu.stats().requestsByRoute);
    // sit (its prompt), look (continues sit), linger and dusk (extend look): nothing else, no new character.
    expect(delta['POST /v1/videos']).toBe(2);
    expect(delta['POST /v1/videos/extensions']).toBe(2);
    expect(delta['POST /v1/videos/edits']).toBeUndefined();
    expect(delta['POST /v1/videos/characters']).toBeUndefined();
    const after = await readLock(dir, FILE);
    expect(after.jobs['enter']).toEqual(first.jobs['enter']);
    expect(after.jobs['snowy']).toEqual(first.jobs['snowy']);
    expect(after.jobs['look']!.request.parent!.frame!.sha256).not.toBe(first.jobs['look']!.request.parent!.frame!.sha256);
    const last = await frameRgb(video('sit'), 'last', SIZE);
    expect(meanDifference(last, await frameRgb(video('look'), 'first', SIZE))).toBeLessThan(SAME_FRAME);
  });

  it('makes a new character from a changed clip, and renders again the shots that cast it', async () => {
    const before = emu.stats().requestsByRoute;
    const was = await readLock(dir, FILE);
    await writeFile(path.join(dir, 'assets/mossy.mp4'), await encodeClip(2));
    const plan = await runCli(['plan', FILE, '--json'], { cwd: dir });
    const planned = plan.events().filter((e) => e['event'] === 'plan.job');
    expect(planned.find((e) => e['id'] === 'enter')).toMatchObject({ action: 'render', changed: ['characters'] });
    const run = await renderWith(emu, dir, FILE);
    expect(run.code, run.stderr).toBe(0);
    const delta = routeDelta(before, emu.stats().requestsByRoute);
    expect(delta['POST /v1/videos/characters']).toBe(1);
    const after = await readLock(dir, FILE);
    expect(after.characters).toHaveLength(1);
    expect(after.characters![0]!.id).not.toBe(was.characters![0]!.id);
    expect(after.jobs['enter']!.request.characters).toEqual([{ name: 'Mossy', id: after.characters![0]!.id }]);
    // Every job descends from enter: all six render again, each once.
    expect(delta['POST /v1/videos']).toBe(3);
    expect(delta['POST /v1/videos/extensions']).toBe(2);
    expect(delta['POST /v1/videos/edits']).toBe(1);
  });

  it('blocks a continuation selected alone whose parent has no file to take the frame from, sending nothing', async () => {
    await rm(video('enter'));
    await editStoryboard(dir, FILE, 'Mossy curls up by the stove.', 'Mossy naps by the stove.');
    const before = emu.stats().requestsByRoute;
    const plan = await runCli(['plan', FILE, '--only', 'sit', '--json'], { cwd: dir });
    expect(plan.events().find((e) => e['event'] === 'plan.job' && e['id'] === 'sit')).toMatchObject({
      action: 'blocked',
      reason_code: 'parent-not-selected',
      reason: expect.stringContaining('has no file to take the last frame from; select it too to download it'),
    });
    const run = await renderWith(emu, dir, FILE, ['--only', 'sit']);
    expect(events(run, 'run.summary')[0]).toMatchObject({ blocked: 1, completed: 0 });
    expect(Object.keys(routeDelta(before, emu.stats().requestsByRoute)).filter((route) => route.startsWith('POST'))).toEqual([]);
  });
});

describe('a character cast by jobs that start together', { timeout: 120_000 }, () => {
  it('is made once, and every job casts the same id', async ({ onTestFinished }) => {
    const emu = await startRenderEmulator({ guide2026: true });
    const { dir, cleanup } = await writeProject({
      [FILE]: [
        'version: 1',
        'name: pair',
        'provider: emulator',
        'defaults: { model: sora-2, size: 1280x720, seconds: 4 }',
        'characters:',
        '  - { name: Mossy, clip: assets/mossy.mp4 }',
        'shots:',
        '  - id: walk',
        '    prompt: Mossy walks through the {{place}}.',
        '    characters: [Mossy]',
        '    variants:',
        '      place: [wood, field, town]',
        '',
      ].join('\n'),
      'assets/mossy.mp4': await encodeClip(3),
    });
    onTestFinished(async () => {
      await emu.close();
      await cleanup();
    });
    const run = await renderWith(emu, dir, FILE);
    expect(run.code, run.stderr).toBe(0);
    expect(emu.stats().requestsByRoute['POST /v1/videos/characters']).toBe(1);
    expect(emu.stats().maxInFlight).toBeGreaterThan(1);
    const lock = await readLock(dir, FILE);
    const id = lock.characters![0]!.id;
    expect(emu.stats().jobs.map((job) => job.characters)).toEqual([[id], [id], [id]]);
  });
});
