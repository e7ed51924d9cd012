import { watch, type FSWatcher } from 'chokidar';
import { OutputHashCache } from '../plan/read-outputs.js';
import { planStoryboard, type PlanOptions, type StoryboardPlan } from '../plan/plan-storyboard.js';
import type { Issue } from '../storyboard/issue.js';
import { loadStoryboard, type LoadedStoryboard, type LoadOptions } from '../storyboard/load-storyboard.js';
import { diffPlans, type PlanDiff } from './plan-diff.js';

/**
 * Watch mode: re-validate and re-plan, through the same code path as `plan`, whenever any file
 * the storyboard read changes (the storyboard, its imports, partial files, input images).
 * A save that breaks the storyboard reports its problems and keeps the last good plan; the
 * set of watched files follows what the storyboard reads now.
 */

export type WatchUpdate =
  | { readonly kind: 'invalid'; readonly issues: readonly Issue[]; readonly texts: ReadonlyMap<string, string>; readonly hasLastGood: boolean; readonly elapsedMs: number }
  | {
      readonly kind: 'planned';
      readonly loaded: LoadedStoryboard;
      readonly planned: StoryboardPlan;
      /** Against the last good plan; `null` for the first. */
      readonly diff: PlanDiff | null;
      /** Warnings, if any. */
      readonly issues: readonly Issue[];
      readonly texts: ReadonlyMap<string, string>;
      readonly elapsedMs: number;
    }
  /** Loading failed for a reason that is not the storyboard's (a lockfile that cannot be read, say). */
  | { readonly kind: 'error'; readonly error: unknown; readonly elapsedMs: number };

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

export async function startWatch(options: WatchOptions): Promise<WatchSession> {
  const hashCache = new OutputHashCache();
  // Created with the first plan's files: chokidar never reports `ready` for an empty list.
  let watcher: FSWatcher | null = null;
  let watchedFiles = new Set<string>();
  let current: WatchSession['current'] = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  let closed = false;

  const follow = async (dependencies: readonly string[]): Promise<void> => {
    const next = new Set(dependencies);
    if (closed) return;
    if (!watcher) {
      watcher = watch([...next], { ignoreInitial: true, atomic: true });
      watcher.on('all', onChange);
      await new Promise<void>((resolve) => watcher!.once('ready', () => resolve()));
    } else {
      const added = [...next].filter((file) => !watchedFiles.has(file));
      const removed = [...watchedFiles].filter((file) => !next.has(file));
      if (added.length > 0) watcher.add(added);
      if (removed.length > 0) watcher.unwatch(removed);
    }
    watchedFiles = next;
  };

  const replan = async (): Promise<void> => {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    try {
      await replanOnce(elapsed);
    } catch (error) {
      // A watch session outlives any one failure: report it and wait for the next change.
      await options.onUpdate({ kind: 'error', error, elapsedMs: elapsed() });
    }
  };

  const replanOnce = async (elapsed: () => number): Promise<void> => {
    const result = await loadStoryboard(options.file, options.load);
    await follow(result.dependencies);
    if (!result.loaded) {
      await options.onUpdate({ kind: 'invalid', issues: result.issues, texts: result.texts, hasLastGood: current !== null, elapsedMs: elapsed() });
      return;
    }
    const planned = await planStoryboard(result.loaded, { ...options.plan, now: Math.floor(options.now() / 1000), hashCache });
    const diff = current ? diffPlans(current.planned.plan, planned.plan) : null;
    current = { loaded: result.loaded, planned };
    await options.onUpdate({ kind: 'planned', loaded: result.loaded, planned, diff, issues: result.issues, texts: result.texts, elapsedMs: elapsed() });
  };

  // Re-plans never overlap: a change during a re-plan queues one more after it.
  const enqueue = (): Promise<void> => (running = running.then(replan, replan));

  function onChange(): void {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void enqueue();
    }, options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
  }
  await enqueue();

  return {
    get current() {
      return current;
    },
    refresh: enqueue,
    watched: () => [...watchedFiles],
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await running;
      await watcher?.close();
    },
  };
}
