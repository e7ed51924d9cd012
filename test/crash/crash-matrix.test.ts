import { spawn } from 'node:child_process';
import { access, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { FaultOptions } from '../../src/emulator/faults.js';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import {
  boardDir,
  CHAIN,
  checkEndState,
  leftovers,
  LockWatcher,
  lockPathOf,
  MANY,
  newTally,
  outDirOf,
  QUICKSTART,
  render,
  seeded,
  sleep,
  startCrashEmulator,
  type Board,
  type CrashEmulator,
  type Shotlist,
  useMediaCache,
} from './harness.js';
import { REPO } from '../helpers/cli.js';

/**
 * The crash matrix: `shotlist render` as a real process, killed with SIGKILL (or interrupted
 * with SIGINT) at a chosen point of its work, then run again to the end. Kill points are
 * driven by what can be observed from outside: the NDJSON events on the child's stdout, the
 * files under renders/, the emulator's own counters. Every kill point runs against three
 * storyboards; after the last run each must hold every job rendered once (one server job per
 * job, none lost), every file whole under its final name, and a lockfile that parsed at every
 * moment it was read (every 5 ms throughout, and after each kill).
 */

interface Scene {
  readonly board: Board;
  readonly dir: string;
  readonly emu: CrashEmulator;
}

/** When to kill: resolves true at the moment, false when the process ended first. */
type Trigger = (child: Shotlist, scene: Scene) => Promise<boolean>;

interface Kill {
  readonly at: Trigger;
  readonly signal?: 'SIGKILL' | 'SIGINT';
  /** The process may end before the moment comes (random moments, a kill after each create). */
  readonly mayMiss?: boolean;
}

interface KillPoint {
  readonly name: string;
  /** Faults during the killed runs; the final run meets a healthy server. */
  readonly faults?: FaultOptions;
  /** Emulator time scale; slower where a state must last long enough to be caught. */
  readonly speed?: number;
  readonly kills: readonly Kill[];
  /** Runs after the kills, before the final run. */
  readonly between?: (scene: Scene, watcher: LockWatcher) => Promise<void>;
}

// -- triggers -------------------------------------------------------------------------------

/** The `n`-th job event in `state` (optionally only for some jobs). */
const onState =
  (state: string, n = 1, only?: (scene: Scene) => readonly string[]): Trigger =>
  (child, scene) =>
    child.until(() => child.states(state).filter((e) => !only || only(scene).includes(e.id!)).length >= n);

/** The `n`-th distinct job whose create returned (an event carrying its video id). */
const onCreated =
  (n: number): Trigger =>
  (child) =>
    child.until(
      () =>
        new Set(child.events.filter((e) => e.event === 'job' && e.video_id && (e.state === 'queued' || e.state === 'in_progress')).map((e) => e.id)).size >= n,
    );

/** The server's own counters say so: a create committed, a route hit. */
const onServer =
  (holds: (scene: Scene) => boolean): Trigger =>
  (child, scene) =>
    child.until(() => holds(scene));

const route = (scene: Scene, name: string): number => scene.emu.stats().requestsByRoute[name] ?? 0;

/** A download streaming into its temp file. */
const onPartFile: Trigger = (child, scene) =>
  child.until(async () => (await filesIn(outDirOf(scene.dir, scene.board))).some((file) => file.includes('.part-')));

/** A video renamed into place whose thumbnail has not arrived yet. */
const betweenVideoAndThumbnail: Trigger = (child, scene) =>
  child.until(async () => {
    const files = await filesIn(outDirOf(scene.dir, scene.board));
    return files.some((file) => file.endsWith('.mp4') && !files.includes(file.replace(/\.mp4$/, '.webp')));
  });

const afterMs =
  (ms: number): Trigger =>
  async (child) => {
    await sleep(ms);
    return !child.done;
  };

const then =
  (first: Trigger, delayMs: number): Trigger =>
  async (child, scene) =>
    (await first(child, scene)) && (await afterMs(delayMs)(child, scene));

async function filesIn(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

// -- the kill points ------------------------------------------------------------------------

const SLOW_CREATE: FaultOptions = { slowBody: { rate: 1, delayMs: 4000, phase: 'before', routes: ['create'] } };

function randomKills(seed: number, count: number): Kill[] {
  const random = seeded(seed);
  // Node starts in ~0.5 s on these machines; a run takes 1–2 s: spread the moments over both.
  return Array.from({ length: count }, () => ({ at: afterMs(300 + Math.floor(random() * 1200)), mayMiss: true }));
}

const KILL_POINTS: readonly KillPoint[] = [
  { name: 'before the first create is sent (its intent just recorded)', kills: [{ at: onState('creating') }] },
  {
    name: 'create committed on the server, its response not yet sent',
    faults: SLOW_CREATE,
    kills: [{ at: onServer((s) => s.emu.stats().createsAccepted >= 1) }],
  },
  { name: 'two creates committed, neither response sent', faults: SLOW_CREATE, kills: [{ at: onServer((s) => s.emu.stats().createsAccepted >= 2) }] },
  {
    name: 'remix committed on the server, its response not yet sent',
    faults: { slowBody: { rate: 1, delayMs: 4000, phase: 'before', routes: ['remix'] } },
    kills: [{ at: onServer((s) => s.emu.stats().jobs.some((job) => job.remixed_from !== null)) }],
  },
  { name: 'right after the first create returned', kills: [{ at: onCreated(1) }] },
  { name: 'after the 2nd create', kills: [{ at: onCreated(2) }] },
  { name: 'while a remix create is in flight', kills: [{ at: onState('creating', 1, (s) => s.board.remixes) }] },
  { name: 'mid-poll (in_progress)', speed: 60, kills: [{ at: onState('in_progress') }] },
  { name: 'right after the server reported completed', kills: [{ at: onState('completed') }] },
  {
    name: 'mid-download (body stalled halfway)',
    faults: { slowBody: { rate: 1, delayMs: 3000, phase: 'during', routes: ['content'] } },
    kills: [{ at: onPartFile }],
  },
  {
    name: 'between the video and its thumbnail',
    faults: { slowBody: { rate: 1, delayMs: 1500, phase: 'before', routes: ['content'] } },
    kills: [{ at: betweenVideoAndThumbnail }],
  },
  { name: 'right after the first job was done', kills: [{ at: onState('done') }] },
  {
    name: 'as the run ends (summary written)',
    kills: [{ at: (child) => child.until(() => child.events.some((e) => e.event === 'run.summary')), mayMiss: true }],
  },
  {
    name: 'reconciling: create dropped after commit, killed during the list',
    faults: { dropConnection: { afterCommit: 1 }, slowBody: { rate: 1, delayMs: 3000, phase: 'before', routes: ['list'] } },
    kills: [{ at: onServer((s) => route(s, 'GET /v1/videos') >= 1) }],
  },
  {
    name: 'reconciling: create dropped before commit, killed during the list',
    faults: { dropConnection: { beforeCommit: 1 }, slowBody: { rate: 1, delayMs: 3000, phase: 'before', routes: ['list'] } },
    kills: [{ at: onServer((s) => route(s, 'GET /v1/videos') >= 1) }],
  },
  {
    name: 'backing off a 429 storm',
    faults: { rateLimit: { rate: 1, retryAfterSeconds: 3 } },
    kills: [{ at: onServer((s) => s.emu.stats().createsRejected429 >= 1) }],
  },
  {
    name: 'backing off after a 5xx create found nothing on the server',
    faults: { serverError: { rate: 1, routes: ['create'] } },
    kills: [
      {
        at: then(
          onServer((s) => route(s, 'GET /v1/videos') >= 1),
          50,
        ),
      },
    ],
  },
  { name: 'twice: after the first create, then mid-resume', speed: 100, kills: [{ at: onCreated(1) }, { at: onState('in_progress') }] },
  { name: 'at two seeded random moments', kills: randomKills(1, 2) },
  { name: 'mid-lockfile-write, 20 seeded kills of its writer', kills: [{ at: onCreated(2) }], between: killWritesAtRandom(20) },
];

/**
 * The lockfile's writer (the real `LockRecorder` from dist/) rewriting the lockfile in a tight
 * loop in a process of its own, SIGKILLed at `count` seeded moments: most land mid-write, between
 * the temp file and the rename. The watcher must never see half a file, and the next render must
 * read the lockfile as it was and clear the temp files those kills left.
 */
function killWritesAtRandom(count: number): (scene: Scene, watcher: LockWatcher) => Promise<void> {
  return async (scene, watcher) => {
    const random = seeded(count);
    const lockPath = lockPathOf(scene.dir, scene.board);
    const before = await readFile(lockPath, 'utf8');
    for (let i = 0; i < count; i++) {
      const writer = spawn(process.execPath, ['--input-type=module', '-e', WRITER, lockPath], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise((resolve) => writer.once('exit', resolve));
      const writing = await Promise.race([new Promise<boolean>((resolve) => writer.stdout.once('data', () => resolve(true))), exited.then(() => false)]);
      expect(writing, 'the writer started').toBe(true);
      await sleep(Math.floor(random() * 20));
      writer.kill('SIGKILL');
      await exited;
      watcher.check();
    }
    expect(await readFile(lockPath, 'utf8'), 'the writer rewrote the same state').toBe(before);
    expect((await leftovers(scene.dir)).filter((file) => file.includes('.lock.json.tmp-')).length, 'some kills landed mid-write').toBeGreaterThan(0);
  };
}

const WRITER = `
import { readFileSync } from 'node:fs';
import { LockRecorder } from ${JSON.stringify(pathToFileURL(path.join(REPO, 'dist/run/lock-recorder.js')).href)};
const lockPath = process.argv.at(-1);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const recorder = new LockRecorder(lockPath, lock);
process.stdout.write('writing\\n');
for (;;) {
  for (const [id, entry] of Object.entries(lock.jobs)) await recorder.record(id, entry);
  await recorder.flush();
}
`;

const SIGINT_POINTS: readonly KillPoint[] = [
  { name: 'SIGINT while a create is in flight', faults: SLOW_CREATE, kills: [{ at: onServer((s) => s.emu.stats().createsAccepted >= 1), signal: 'SIGINT' }] },
  { name: 'SIGINT mid-poll', speed: 60, kills: [{ at: onState('in_progress'), signal: 'SIGINT' }] },
  {
    name: 'SIGINT mid-download',
    faults: { slowBody: { rate: 1, delayMs: 3000, phase: 'during', routes: ['content'] } },
    kills: [{ at: onPartFile, signal: 'SIGINT' }],
  },
  {
    name: 'SIGINT backing off a 429 storm',
    faults: { rateLimit: { rate: 1, retryAfterSeconds: 30 } },
    kills: [{ at: onServer((s) => s.emu.stats().createsRejected429 >= 1), signal: 'SIGINT' }],
  },
];

const BOARDS = [QUICKSTART, CHAIN, MANY];
const tally = newTally();
const media = useMediaCache();
const started = Date.now();

afterAll(() => {
  // The figures the README quotes.
  console.log(`crash matrix: ${JSON.stringify({ ...tally, seconds: Math.round((Date.now() - started) / 1000) })}`);
});

/**
 * Every kill point runs in every run of the suite. Against which storyboards: by default one,
 * taken in turn (so each storyboard meets a third of the points, and every point is run);
 * `SHOTLIST_CRASH_MATRIX=full` runs every point against all three (64 scenarios, about three
 * times as long), as a nightly or pre-release run does.
 */
const FULL = process.env['SHOTLIST_CRASH_MATRIX'] === 'full';
const boardsFor = (index: number): readonly Board[] => (FULL ? BOARDS : [BOARDS[index % BOARDS.length]!]);

describe.concurrent('crash matrix: killed at any point, run again, nothing lost, nothing paid twice', () => {
  const scenarios = [
    ...KILL_POINTS.flatMap((point, i) => boardsFor(i).map((board) => ({ point, board }))),
    ...SIGINT_POINTS.map((point, i) => ({ point, board: BOARDS[i % BOARDS.length]! })),
  ];
  for (const { point, board } of scenarios) {
    it(`${board.name}: ${point.name}`, async ({ onTestFinished }) => {
      const { dir, cleanup } = await boardDir(board);
      const emu = await startCrashEmulator(media.dir, {
        ...(point.speed ? { speed: point.speed } : {}),
        ...(point.faults ? { faults: { seed: 1, ...point.faults } } : {}),
      });
      const watcher = new LockWatcher(lockPathOf(dir, board));
      onTestFinished(async () => {
        watcher.stop();
        await emu.close();
        await cleanup();
      });
      const scene = { board, dir, emu };
      const runs: Shotlist[] = [];
      let landed = 0;
      for (const kill of point.kills) {
        const child = render(board, dir, emu);
        runs.push(child);
        const hit = await kill.at(child, scene);
        const signal = kill.signal ?? 'SIGKILL';
        if (hit) child.kill(signal);
        const exit = await child.exited;
        watcher.check();
        if (!hit) {
          expect(kill.mayMiss, `the kill point never came: ${child.stderr}`).toBe(true);
          expect(exit.code, child.stderr).toBe(0);
          break;
        }
        if (signal === 'SIGINT') await checkInterrupted(child, exit, scene);
        // The moment came as the process ended on its own: the kill found nothing to stop.
        else if (exit.signal === null) expect(exit.code, child.stderr).toBe(0);
        if (exit.signal === 'SIGKILL' || exit.code === 130) landed++;
      }
      // A kill point whose kill never lands tests nothing.
      if (!point.kills.every((kill) => kill.mayMiss)) expect(landed, 'kills that stopped a running process').toBeGreaterThan(0);
      tally.killsLanded += landed;
      await point.between?.(scene, watcher);

      await emu.setFaults({});
      const last = render(board, dir, emu);
      runs.push(last);
      const exit = await last.exited;
      expect(exit, last.stderr).toEqual({ code: 0, signal: null });
      watcher.stop();
      await checkEndState(board, dir, emu, watcher, runs, tally, `${board.name}: ${point.name}`);
      tally.scenarios++;
    }, 120_000);
  }
});

/** Ctrl-C: exit 130 soon, no stack trace, the advisory lock released, every job in flight recorded. */
async function checkInterrupted(child: Shotlist, exit: { code: number | null; signal: NodeJS.Signals | null }, scene: Scene): Promise<void> {
  expect(exit, child.stderr).toEqual({ code: 130, signal: null });
  const summary = child.events.find((e) => e.event === 'run.summary');
  expect(summary?.['interrupted'], child.stdout).toBe(true);
  await expect(access(`${lockPathOf(scene.dir, scene.board)}.lock`), 'the advisory lock is released').rejects.toThrow();
  const lock = JSON.parse(await readFile(lockPathOf(scene.dir, scene.board), 'utf8')) as Lockfile;
  const onServer = new Set(scene.emu.stats().jobs.map((job) => job.id));
  const recorded = new Set(Object.values(lock.jobs).flatMap((entry) => (entry.video_id ? [entry.video_id] : [])));
  // Every job the server has is in the lockfile, or its create is (the outcome was cut off: the next run looks for it).
  const creating = Object.values(lock.jobs).filter((entry) => entry.status === 'creating').length;
  expect([...onServer].filter((id) => !recorded.has(id)).length).toBeLessThanOrEqual(creating);
}
