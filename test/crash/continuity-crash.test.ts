import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RouteClass } from '../../src/emulator/faults.js';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { boardDir, checkEndState, LockWatcher, lockPathOf, newTally, render, startCrashEmulator, type Board, type Shotlist, useMediaCache } from './harness.js';

/**
 * Killed (SIGKILL) or interrupted (SIGINT) across a continuation and an extension, then run
 * again: every job rendered once, one server job per job, nothing lost, no temp file left (the
 * end-state checks of the crash matrix). The board: a shot, its continuation (a create from the
 * parent's last frame), and two extensions of that.
 */

const SCENE: Board = {
  name: 'scene',
  file: 'scene.yaml',
  jobs: ['dusk', 'enter', 'linger', 'sit'],
  remixes: [],
  setUp: (dir) =>
    writeFile(
      path.join(dir, 'scene.yaml'),
      [
        'version: 1',
        'name: scene',
        'provider: emulator',
        'defaults: { model: sora-2, size: 1280x720, seconds: 4 }',
        'shots:',
        '  - id: enter',
        '    prompt: A fox slips into the kitchen at dawn.',
        '  - id: sit',
        '    continue: enter',
        '    prompt: The fox sits by the window.',
        '  - id: linger',
        '    extend: sit',
        '    prompt: The light turns golden.',
        '  - id: dusk',
        '    extend: linger',
        '    prompt: Dusk falls over the garden.',
        '',
      ].join('\n'),
    ),
};

type Trigger = (child: Shotlist, emu: Awaited<ReturnType<typeof startCrashEmulator>>) => Promise<boolean>;

const routeHit =
  (name: string, n = 1): Trigger =>
  (child, emu) =>
    child.until(() => (emu.stats().requestsByRoute[name] ?? 0) >= n);
const committed =
  (n: number): Trigger =>
  (child, emu) =>
    child.until(() => emu.stats().createsAccepted >= n);
const jobState =
  (id: string, state: string): Trigger =>
  (child) =>
    child.until(() => child.events.some((e) => e.event === 'job' && e.id === id && e.state === state));

interface Point {
  readonly name: string;
  readonly at: Trigger;
  readonly signal: 'SIGKILL' | 'SIGINT';
  readonly faults?: Parameters<Awaited<ReturnType<typeof startCrashEmulator>>['setFaults']>[0];
  readonly speed?: number;
  /** The job whose create the kill cut off: left `creating` in the lockfile, found on the server by the next run. */
  readonly cutOff?: string;
}

/** Answers held back after the server committed the job: a kill then leaves a create whose outcome the run never heard. */
const slow = (routes: RouteClass[]) => ({ slowBody: { rate: 1, delayMs: 4000, phase: 'before' as const, routes } });

const POINTS: readonly Point[] = [
  { name: "the continuation's create committed, its answer not yet sent", at: committed(2), signal: 'SIGKILL', faults: slow(['create']), cutOff: 'sit' },
  { name: 'the first extension committed, its answer not yet sent', at: committed(3), signal: 'SIGKILL', faults: slow(['extension']), cutOff: 'linger' },
  { name: 'the continuation in flight', at: jobState('sit', 'in_progress'), signal: 'SIGKILL', speed: 60 },
  { name: 'Ctrl-C while the continuation is created', at: routeHit('POST /v1/videos', 2), signal: 'SIGINT', faults: slow(['create']) },
  { name: 'Ctrl-C while the second extension is in flight', at: jobState('dusk', 'in_progress'), signal: 'SIGINT', speed: 60 },
];

const media = useMediaCache();
const tally = newTally();

afterAll(() => {
  console.log(`continuity crashes: ${JSON.stringify(tally)}`);
});

describe.concurrent('killed across a continuation and an extension, run again: nothing created twice', () => {
  for (const point of POINTS) {
    it(`${point.signal}: ${point.name}`, async ({ onTestFinished }) => {
      const { dir, cleanup } = await boardDir(SCENE);
      const emu = await startCrashEmulator(media.dir, {
        ...(point.speed ? { speed: point.speed } : {}),
        ...(point.faults ? { faults: { seed: 1, ...point.faults } } : {}),
      });
      const watcher = new LockWatcher(lockPathOf(dir, SCENE));
      onTestFinished(async () => {
        watcher.stop();
        await emu.close();
        await cleanup();
      });
      const first = render(SCENE, dir, emu);
      const hit = await point.at(first, emu);
      expect(hit, `the moment never came: ${first.stderr}`).toBe(true);
      first.kill(point.signal);
      const exit = await first.exited;
      watcher.check();
      expect(exit, first.stderr).toEqual(point.signal === 'SIGKILL' ? { code: null, signal: 'SIGKILL' } : { code: 130, signal: null });
      tally.killsLanded++;
      if (point.cutOff) {
        const killed = JSON.parse(await readFile(lockPathOf(dir, SCENE), 'utf8')) as Lockfile;
        expect(killed.jobs[point.cutOff]?.status, 'the create was cut off after its intent was recorded').toBe('creating');
        expect(
          emu.stats().jobs.some((job) => job.prompt === killed.jobs[point.cutOff!]!.request.prompt),
          'and the server made its video',
        ).toBe(true);
      }

      await emu.setFaults({});
      const last = render(SCENE, dir, emu);
      const end = await last.exited;
      expect(end, last.stderr).toEqual({ code: 0, signal: null });
      watcher.stop();
      const { lock, stats } = await checkEndState(SCENE, dir, emu, watcher, [first, last], tally, point.name);
      expect(stats.requestsByRoute['POST /v1/videos/extensions'] ?? 0, 'extensions sent').toBeGreaterThanOrEqual(2);
      expect(stats.jobs.filter((job) => job.source?.kind === 'extension')).toHaveLength(2);
      expect(lock.jobs['sit']!.request.parent?.video_id).toBe(lock.jobs['enter']!.video_id);
      expect(lock.jobs['dusk']!.request.parent?.video_id).toBe(lock.jobs['linger']!.video_id);
      tally.scenarios++;
    }, 120_000);
  }
});
