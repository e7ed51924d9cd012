import { stat } from 'node:fs/promises';
import { watch, type FSWatcher } from 'chokidar';
import { OutputHashCache } from '../plan/read-outputs.js';
import { planStoryboard, type PlanOptions, type StoryboardPlan } from '../plan/plan-storyboard.js';
import type { Issue } from '../source/issue.js';
import { loadStoryboard, type LoadedStoryboard, type LoadOptions } from '../storyboard/load-storyboard.js';
import { diffCuts, diffPlans, type CutDiff, type PlanDiff } from './plan-diff.js';

/**
 * Watch mode: re-validate and re-plan, through the same code path as `plan`, whenever any file
 * the storyboard read changes (the storyboard, its imports, partial files, input images).
 * A save that breaks the storyboard reports its problems and keeps the last good plan; the
 * set of watched files follows what the storyboard reads now.
 */

export type WatchUpdate =
  | {
      readonly kind: 'invalid';
      readonly issues: readonly Issue[];
      readonly texts: ReadonlyMap<string, string>;
      readonly hasLastGood: boolean;
      readonly elapsedMs: number;
    }
  | {
      readonly kind: 'planned';
      /** What made this plan: a file that changed (or the first plan), or `refresh()` (a render changed the lockfile). */
      readonly cause: PlanCause;
      readonly loaded: LoadedStoryboard;
      readonly planned: StoryboardPlan;
      /** Against the last good plan; `null` for the first. */
      readonly diff: PlanDiff | null;
      /** The films' changes against the last good plan; `null` for the first. */
      readonly cutDiff: CutDiff | null;
      /** Warnings, if any. */
      readonly issues: readonly Issue[];
      readonly texts: ReadonlyMap<string, string>;
      readonly elapsedMs: number;
    }
  /** Loading failed for a reason that is not the storyboard's (a lockfile that cannot be read, say). */
  | { readonly kind: 'error'; readonly error: unknown; readonly elapsedMs: number };

export type PlanCause = 'change' | 'refresh';

export interface WatchOptions {
  readonly file: string;
  readonly load: LoadOptions;
  readonly plan: Omit<PlanOptions, 'now' | 'hashCache'>;
  /** Unix milliseconds. */
  readonly now: () => number;
  /** Quiet time after the last change before re-planning; editors write a file in several steps. */
  readonly debounceMs?: number;
  readonly onUpdate: (update: WatchUpdate) => void | Promise<void>;
}

export interface WatchSession {
  /** The last good plan, if any. */
  readonly current: { readonly loaded: LoadedStoryboard; readonly planned: StoryboardPlan } | null;
  /** Re-plans now (after a render changed the lockfile, say). */
  refresh(): Promise<void>;
  /** Files being watched (absolute). */
  watched(): readonly string[];
  close(): Promise<void>;
}

const DEFAULT_DEBOUNCE_MS = 25;

/**
 * chokidar drops every further change to a file for 50 ms after it reports one, with no trailing
 * event, so a second save inside that window would leave watch showing the plan of the first.
 * This long after the last event, the files are checked against what the last plan read.
 */
const SETTLE_MS = 100;

/** What identifies a file's version without reading it; `null` when it does not exist. */
async function stampOf(file: string): Promise<string | null> {
  try {
    const s = await stat(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return null;
  }
}

async function stampsOf(files: Iterable<string>): Promise<Map<string, string | null>> {
  const list = [...files];
  const stamps = await Promise.all(list.map(stampOf));
  return new Map(list.map((file, i) => [file, stamps[i] ?? null]));
}

export async function startWatch(options: WatchOptions): Promise<WatchSession> {
  // The project's, loaded with the first plan (which names the project) and kept in memory after:
  // a session starts without hashing again every video a `plan` already hashed.
  let hashCache: OutputHashCache | null = null;
  // Created with the first plan's files: chokidar never reports `ready` for an empty list.
  let watcher: FSWatcher | null = null;
  let watchedFiles = new Set<string>();
  let current: WatchSession['current'] = null;
  let timer: NodeJS.Timeout | null = null;
  let settleTimer: NodeJS.Timeout | null = null;
  /** The version of every file the last plan read, taken before reading it. */
  let stamps = new Map<string, string | null>();
  let running: Promise<void> = Promise.resolve();
  let closed = false;

  const follow = async (dependencies: readonly string[]): Promise<void> => {
    const next = new Set(dependencies);
    if (closed) return;
    if (!watcher) {
      watcher = watch([...next], { ignoreInitial: true, atomic: true });
      watcher.on('all', onChange);
      await new Promise<void>((resolve) => watcher!.once('ready', () => resolve()));
      // A save between reading the files and watching them has no event of its own.
      scheduleSettle();
    } else {
      const added = [...next].filter((file) => !watchedFiles.has(file));
      const removed = [...watchedFiles].filter((file) => !next.has(file));
      if (added.length > 0) watcher.add(added);
      if (removed.length > 0) watcher.unwatch(removed);
      // A save between reading a new file and watching it has no event of its own.
      if (added.length > 0) scheduleSettle();
    }
    watchedFiles = next;
  };

  const replan = async (cause: PlanCause): Promise<void> => {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    try {
      await replanOnce(cause, elapsed);
    } catch (error) {
      // A watch session outlives any one failure: report it and wait for the next change.
      await options.onUpdate({ kind: 'error', error, elapsedMs: elapsed() });
    }
  };

  const replanOnce = async (cause: PlanCause, elapsed: () => number): Promise<void> => {
    // Taken before reading: a write racing the read then shows as a difference, never as none.
    const before = await stampsOf(watchedFiles);
    const result = await loadStoryboard(options.file, options.load);
    const firstSeen = result.dependencies.filter((file) => !before.has(file));
    const after = await stampsOf(firstSeen);
    stamps = new Map(result.dependencies.map((file) => [file, before.get(file) ?? after.get(file) ?? null]));
    await follow(result.dependencies);
    if (!result.loaded) {
      await options.onUpdate({ kind: 'invalid', issues: result.issues, texts: result.texts, hasLastGood: current !== null, elapsedMs: elapsed() });
      return;
    }
    hashCache ??= await OutputHashCache.loadForProject(result.loaded.projectRoot);
    const planned = await planStoryboard(result.loaded, { ...options.plan, now: Math.floor(options.now() / 1000), hashCache });
    const diff = current ? diffPlans(current.planned.plan, planned.plan) : null;
    const cutDiff = current ? diffCuts(current.planned.cuts, planned.cuts) : null;
    current = { loaded: result.loaded, planned };
    await options.onUpdate({
      kind: 'planned',
      cause,
      loaded: result.loaded,
      planned,
      diff,
      cutDiff,
      issues: result.issues,
      texts: result.texts,
      elapsedMs: elapsed(),
    });
  };

  // Re-plans never overlap: a change during a re-plan queues one more after it.
  const enqueue = (cause: PlanCause): Promise<void> => {
    const next = () => replan(cause);
    return (running = running.then(next, next));
  };

  /** Re-plans if any file changed since the last plan read it (see SETTLE_MS). */
  const settle = async (): Promise<void> => {
    if (closed) return;
    const now = await stampsOf(stamps.keys());
    if ([...now].some(([file, stamp]) => stamps.get(file) !== stamp)) await replan('change');
  };

  function onChange(): void {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void enqueue('change');
    }, options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
    scheduleSettle();
  }

  function scheduleSettle(): void {
    if (settleTimer) clearTimeout(settleTimer);
    settleTimer = setTimeout(() => {
      settleTimer = null;
      running = running.then(settle, settle);
    }, SETTLE_MS);
  }
  await enqueue('change');

  return {
    get current() {
      return current;
    },
    refresh: () => enqueue('refresh'),
    watched: () => [...watchedFiles],
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (settleTimer) clearTimeout(settleTimer);
      await running;
      await watcher?.close();
    },
  };
}
