import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, inject } from 'vitest';
import type { FaultOptions } from '../../src/emulator/faults.js';
import { startEmulator, type EmulatorOptions, type EmulatorStats, type RunningEmulator } from '../../src/emulator/index.js';
import type { Lockfile } from '../../src/lockfile/lockfile.js';
import { hasStackTrace, REPO } from '../helpers/cli.js';
import { checkOutputs, setFaults } from '../render/helpers.js';

/**
 * The crash harness: `node bin/shotlist.js` as a real child process against an emulator that
 * lives in the test process (so it outlives the child's SIGKILL), a watcher that parses the
 * lockfile every few milliseconds while the child runs, and the end-state checks every crash
 * scenario shares: every job rendered once, every file whole, nothing paid twice, nothing lost.
 */

const BIN = path.join(REPO, 'bin/shotlist.js');

// ---------------------------------------------------------------------------------------------
// dist/ and the emulator

/**
 * Where scenarios keep their projects and emulator state: a RAM disk where there is one. Every
 * write of a run is fsynced (lockfile, downloads, the emulator's jobs); dozens of runs side by
 * side on a real disk spend their time waiting on the journal, not running. A kill -9 tests the
 * process dying, not the machine, so the RAM disk proves the same.
 */
export const SCRATCH = (() => {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
})();

import { userEnv } from '../helpers/dist.js';

export { userEnv };

/**
 * Encodes are the slow part of a scenario (ffmpeg, ~0.5 s each); the emulator caches media by
 * request on disk, so every scenario links the run's one media directory as its emulator's:
 * a request encoded once serves every emulator after it. Each emulator keeps its own jobs. The
 * directory is made by test/setup/global.ts, which also builds dist/ before any file starts.
 */
export function useMediaCache(): { readonly dir: string } {
  return { dir: inject('mediaCache') };
}

export interface CrashEmulator extends RunningEmulator {
  setFaults(faults: FaultOptions): Promise<void>;
}

export async function startCrashEmulator(mediaCache: string, options: EmulatorOptions = {}): Promise<CrashEmulator> {
  const stateDir = await mkdtemp(path.join(SCRATCH, 'shotlist-crash-emu-'));
  await symlink(mediaCache, path.join(stateDir, 'media'), 'dir');
  const emu = await startEmulator({ speed: 1000, fps: 2, stateDir, ...options });
  return {
    ...emu,
    setFaults: (faults) => setFaults(emu, faults),
    async close() {
      await emu.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// storyboards

export interface Board {
  readonly name: string;
  readonly file: string;
  /** Every job id the storyboard expands to. */
  readonly jobs: readonly string[];
  /** Job ids that are remixes. */
  readonly remixes: readonly string[];
  /** Writes the storyboard (and what it reads) into `dir`. */
  setUp(dir: string): Promise<void>;
}

/** examples/quickstart.yaml as shipped: two products, a remix of each. */
export const QUICKSTART: Board = {
  name: 'quickstart',
  file: 'quickstart.yaml',
  jobs: ['hero-dusk[product=mug]', 'hero-dusk[product=teapot]', 'hero[product=mug]', 'hero[product=teapot]'],
  remixes: ['hero-dusk[product=mug]', 'hero-dusk[product=teapot]'],
  setUp: (dir) => cp(path.join(REPO, 'examples/quickstart.yaml'), path.join(dir, 'quickstart.yaml')),
};

/** A small campaign: a remix chain (hero → dusk → grade) that fans out in two grades, beside an independent shot. */
export const CHAIN: Board = {
  name: 'chain',
  file: 'chain.yaml',
  jobs: ['dusk', 'grade[grade=cool]', 'grade[grade=warm]', 'gull', 'hero'],
  remixes: ['dusk', 'grade[grade=cool]', 'grade[grade=warm]'],
  setUp: (dir) =>
    writeFile(
      path.join(dir, 'chain.yaml'),
      [
        'version: 1',
        'name: chain',
        'provider: emulator',
        'defaults: { model: sora-2, size: 1280x720, seconds: 4 }',
        'shots:',
        '  - id: hero',
        '    prompt: A white lighthouse on a cliff at noon, waves below.',
        '  - id: dusk',
        '    remix: hero',
        '    prompt: The same lighthouse at dusk, its lamp starting to turn.',
        '  - id: grade',
        '    remix: dusk',
        '    prompt: Grade the lighthouse shot {{grade}}.',
        '    variants:',
        '      grade: [warm, cool]',
        '  - id: gull',
        '    prompt: A gull hangs in the wind over grey water.',
        '',
      ].join('\n'),
    ),
};

/** The prompt of independent job `n` in the many-jobs and soak storyboards: shared, so their media is encoded once. */
const STILL_PROMPT = 'Still life number {{n}}: a bowl of fruit on a wooden table, slow push-in.';

function stills(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i + 1);
}

function stillIds(count: number): string[] {
  return stills(count).map((n) => `still[n=${n}]`);
}

/** Many independent jobs, and one remix so a remix create can be caught too. */
export const MANY: Board = {
  name: 'many',
  file: 'many.yaml',
  jobs: [...stillIds(10), 'pan', 'pan-night'].sort(),
  remixes: ['pan-night'],
  setUp: (dir) =>
    writeFile(
      path.join(dir, 'many.yaml'),
      [
        'version: 1',
        'name: many',
        'provider: emulator',
        'defaults: { model: sora-2, size: 1280x720, seconds: 4 }',
        'shots:',
        '  - id: still',
        `    prompt: "${STILL_PROMPT}"`,
        '    variants:',
        `      n: [${stills(10).join(', ')}]`,
        '  - id: pan',
        '    prompt: A slow pan across a city skyline at noon.',
        '  - id: pan-night',
        '    remix: pan',
        '    prompt: The same skyline at night, windows lit.',
        '',
      ].join('\n'),
    ),
};

/**
 * The soak storyboard: `stillCount` independent jobs and `chains` parent/remix pairs. `provider`
 * replaces the provider line (a block with a short job deadline, for jobs stuck in `queued`).
 */
export function soakBoard(stillCount: number, chains: number, provider = 'provider: emulator'): Board {
  const chainIds = Array.from({ length: chains }, (_, i) => i + 1);
  return {
    name: 'soak',
    file: 'soak.yaml',
    jobs: [...stillIds(stillCount), ...chainIds.flatMap((c) => [`scene[c=${c}]`, `scene-remix[c=${c}]`])].sort(),
    remixes: chainIds.map((c) => `scene-remix[c=${c}]`),
    setUp: (dir) =>
      writeFile(
        path.join(dir, 'soak.yaml'),
        [
          'version: 1',
          'name: soak',
          provider,
          'defaults: { model: sora-2, size: 1280x720, seconds: 4 }',
          'shots:',
          '  - id: still',
          `    prompt: "${STILL_PROMPT}"`,
          '    variants:',
          `      n: [${stills(stillCount).join(', ')}]`,
          '  - id: scene',
          '    prompt: Scene {{c}} of a harbour film, boats at their moorings.',
          '    variants:',
          `      c: [${chainIds.join(', ')}]`,
          '  - id: scene-remix',
          '    remix: scene',
          '    prompt: Scene {{c}} of the harbour film again, now in a storm.',
          '',
        ].join('\n'),
      ),
  };
}

export async function boardDir(board: Board): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(SCRATCH, `shotlist-crash-${board.name}-`));
  await board.setUp(dir);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function lockPathOf(dir: string, board: Board): string {
  return path.join(dir, board.file.replace(/\.ya?ml$/, '.lock.json'));
}

export function outDirOf(dir: string, board: Board): string {
  return path.join(dir, 'renders', board.name);
}

// ---------------------------------------------------------------------------------------------
// the child process

export interface JobEvent {
  readonly event: string;
  readonly id?: string;
  readonly state?: string;
  readonly video_id?: string | null;
  readonly status?: string;
  readonly reason?: string;
  readonly [key: string]: unknown;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running `shotlist` process: its NDJSON events as they arrive, its stderr, its exit. */
export class Shotlist {
  readonly events: JobEvent[] = [];
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private exit: Exit | null = null;
  private readonly listeners = new Set<() => void>();
  private readonly child: ChildProcess;

  constructor(args: readonly string[], cwd: string) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      this.stdout += text;
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) if (line.trim().startsWith('{')) this.events.push(JSON.parse(line) as JobEvent);
      this.notify();
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
      this.notify();
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        this.notify();
        resolve(this.exit);
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  get done(): boolean {
    return this.exit !== null;
  }

  /** Events with `event: "job"` in `state`, in order. */
  states(state: string): JobEvent[] {
    return this.events.filter((e) => e.event === 'job' && e.state === state);
  }

  /** Resolves true once `condition` holds (checked on every output and every `pollMs`), false if the process exits first. */
  async until(condition: () => boolean | Promise<boolean>, pollMs = 2): Promise<boolean> {
    for (;;) {
      if (await condition()) return true;
      if (this.exit !== null) return false;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.listeners.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, pollMs);
        this.listeners.add(wake);
      });
    }
  }

  kill(signal: NodeJS.Signals): void {
    if (this.exit === null) this.child.kill(signal);
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

export function render(board: Board, dir: string, emu: CrashEmulator, extra: readonly string[] = []): Shotlist {
  return new Shotlist(['render', board.file, '--base-url', emu.url, '--json', ...extra], dir);
}

// ---------------------------------------------------------------------------------------------
// the lockfile watcher

/**
 * Reads and parses the lockfile every `intervalMs` while processes run. A lockfile that exists
 * must parse at every moment (writes are temp + rename); once it exists it must never vanish.
 * Every video id it ever names is remembered, to prove none is lost later.
 */
export class LockWatcher {
  reads = 0;
  readonly unparseable: string[] = [];
  readonly vanished: number[] = [];
  /** Job id → every video id the lockfile named for it, in order. */
  readonly videoIds = new Map<string, Set<string>>();
  private seen = false;
  private last = '';
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly lockPath: string,
    intervalMs = 5,
  ) {
    this.timer = setInterval(() => this.check(), intervalMs);
  }

  /** One read, also called right after every kill. */
  check(): void {
    let text: string;
    try {
      text = readFileSync(this.lockPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      if (this.seen) this.vanished.push(Date.now());
      return;
    }
    this.seen = true;
    this.reads++;
    if (text === this.last) return;
    try {
      const lock = JSON.parse(text) as Lockfile;
      for (const [id, entry] of Object.entries(lock.jobs)) {
        if (!entry.video_id) continue;
        const ids = this.videoIds.get(id) ?? new Set<string>();
        ids.add(entry.video_id);
        this.videoIds.set(id, ids);
      }
      this.last = text;
    } catch {
      this.unparseable.push(text.slice(0, 200));
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.check();
  }
}

// ---------------------------------------------------------------------------------------------
// the end state

export interface Tally {
  /** Kill point × storyboard runs that converged. */
  scenarios: number;
  /** Kills that stopped a process still at work. */
  killsLanded: number;
  faultProfiles: number;
  duplicateServerJobs: number;
  lostVideoIds: number;
  unparseableReads: number;
  lockfileReads: number;
  stackTraces: number;
}

export function newTally(): Tally {
  return { scenarios: 0, killsLanded: 0, faultProfiles: 0, duplicateServerJobs: 0, lostVideoIds: 0, unparseableReads: 0, lockfileReads: 0, stackTraces: 0 };
}

export interface EndState {
  readonly lock: Lockfile;
  readonly stats: EmulatorStats;
}

/**
 * What every converged run must leave: each job completed, its files whole under their final
 * names, no temp or partial file left, exactly one server job per job, and every video the
 * server made named by the lockfile (none lost, none paid twice).
 */
export async function checkEndState(
  board: Board,
  dir: string,
  emu: CrashEmulator,
  watcher: LockWatcher,
  runs: readonly Shotlist[],
  tally: Tally,
  label: string,
): Promise<EndState> {
  const stats = emu.stats();
  const lock = JSON.parse(await readFile(lockPathOf(dir, board), 'utf8')) as Lockfile;
  const duplicates = Object.values(stats.jobsPerRequest)
    .filter((n) => n > 1)
    .reduce((sum, n) => sum + n - 1, 0);
  const named = new Set(Object.values(lock.jobs).map((entry) => entry.video_id));
  const lost = stats.jobs.filter((job) => !named.has(job.id)).map((job) => job.id);
  // A video id the lockfile once held for a job must be the one it holds now: a job never trades its video for another.
  const traded = [...watcher.videoIds].filter(([id, ids]) => ids.size > 1 || (lock.jobs[id] !== undefined && !ids.has(lock.jobs[id]!.video_id!)));
  const traces = runs.filter((child) => hasStackTrace(child.stderr + child.stdout)).length;
  tally.duplicateServerJobs += duplicates;
  tally.lostVideoIds += lost.length + traded.length;
  tally.unparseableReads += watcher.unparseable.length;
  tally.lockfileReads += watcher.reads;
  tally.stackTraces += traces;

  expect(watcher.unparseable, `${label}: lockfile unparseable while read`).toEqual([]);
  expect(watcher.vanished, `${label}: lockfile vanished while read`).toEqual([]);
  expect(traces, `${label}: stack traces`).toBe(0);
  expect(Object.keys(lock.jobs).sort(), label).toEqual([...board.jobs].sort());
  for (const [id, entry] of Object.entries(lock.jobs)) {
    expect(entry.status, `${label}: ${id}`).toBe('completed');
    await checkOutputs(dir, entry);
    if (entry.request.remix_of) expect(entry.remixed_from, `${label}: ${id} remixes its parent's video`).toBe(lock.jobs[entry.request.remix_of.job]!.video_id);
  }
  expect(duplicates, `${label}: server jobs beyond one per request ${JSON.stringify(stats.jobsPerRequest)}`).toBe(0);
  expect(lost, `${label}: server jobs no lockfile entry names`).toEqual([]);
  expect(
    traded.map(([id, ids]) => `${id}: ${[...ids].join(', ')}`),
    `${label}: video ids a job lost`,
  ).toEqual([]);
  expect(stats.createsAccepted, label).toBe(board.jobs.length);
  expect(stats.jobs.filter((job) => job.status !== 'deleted')).toHaveLength(board.jobs.length);
  expect(await leftovers(dir), `${label}: temp or partial files left`).toEqual([]);
  return { lock, stats };
}

/** Temp and partial files under the project: downloads (`*.part-*`) and lockfile writes (`*.tmp-*`). */
export async function leftovers(dir: string): Promise<string[]> {
  const files = await readdir(dir, { recursive: true });
  return files.filter((file) => /\.(part|tmp)-/.test(path.basename(file))).sort();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A small seeded generator, for kill delays that replay: the emulator's mulberry32. */
export { mulberry32 as seeded } from '../../src/emulator/prng.js';
