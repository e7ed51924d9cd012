import { InternalError } from '../errors.js';
import type { Clock } from './clock.js';
import { createRateWindow, type RateWindow } from './rate-window.js';
import { createReadyQueue } from './ready-queue.js';

/** One unit of work as the scheduler sees it: no prompts, no files, just the graph and the order. */
export interface ScheduledJob {
  readonly id: string;
  /** A remix: may start only once its parent's server job completed. A parent not among the jobs counts as done. */
  readonly parentId: string | null;
  /** Work on the longest remaining chain from this job (`JobGraph.remaining`); bigger first. */
  readonly priority: number;
  /** Storyboard order, the tie-breaker. */
  readonly index: number;
  /** Already on the server (in flight in the lockfile): takes a slot, needs no create permit, goes first. */
  readonly resume: boolean;
  /** False for jobs that only download: no slot, no permit. */
  readonly needsServer: boolean;
}

export interface ServeContext<R> {
  /** The parent's `serve` result for a remix whose parent ran in this schedule; otherwise null. */
  readonly parent: R | null;
  /** Call before every create attempt: waits until the creates-per-minute window has room. */
  readonly permit: () => Promise<void>;
  readonly signal: AbortSignal;
}

export interface SchedulerEffects<R> {
  /**
   * The job's whole server-side life: create (or resume) and poll until terminal. Holds one
   * in-flight slot while it runs. Throws to fail the job, which skips its descendants.
   */
  serve(job: ScheduledJob, ctx: ServeContext<R>): Promise<R>;
  /**
   * After the server job completed (or at once for a job that only downloads): download and
   * record. Holds no server slot. Throwing fails the job but does not skip its children: their
   * parent video exists on the server.
   */
  finish(job: ScheduledJob, result: R | null, signal: AbortSignal): Promise<void>;
  onEvent?(event: SchedulerEvent): void;
}

export type Stage = 'serve' | 'finish';

export type SchedulerEvent =
  | { readonly type: 'started'; readonly id: string; readonly stage: Stage; readonly at: number }
  | { readonly type: 'served'; readonly id: string; readonly at: number }
  | { readonly type: 'finished'; readonly id: string; readonly at: number }
  | { readonly type: 'failed'; readonly id: string; readonly stage: Stage; readonly error: unknown; readonly at: number }
  | { readonly type: 'skipped'; readonly id: string; readonly because: string; readonly at: number }
  | { readonly type: 'cancelled'; readonly id: string; readonly at: number };

export type JobOutcome<R> =
  /** `result` is null for a job that only downloaded. */
  | { readonly status: 'completed'; readonly result: R | null }
  | { readonly status: 'failed'; readonly stage: Stage; readonly error: unknown }
  /** `because`: the ancestor whose serve failed. */
  | { readonly status: 'skipped'; readonly because: string }
  /**
   * Stopped by the signal: never started, or interrupted (a serve or finish that settled after
   * the abort with an error). `result` is the serve's result when the server job completed but
   * its finish never ran, so the caller knows a download is still due; otherwise null.
   */
  | { readonly status: 'cancelled'; readonly result: R | null };

export interface SchedulerOptions {
  /** Hard cap on concurrently running `serve` calls (Sora: 2). */
  readonly inFlight: number;
  /** Hard cap on permits granted in any rolling 60 s window; null for none. Ignored when `rateWindow` is given. */
  readonly createsPerMinute: number | null;
  /** A window shared with earlier runs (a watch session), so back-to-back runs cannot burst past the limit. */
  readonly rateWindow?: RateWindow;
  /** Cap on concurrent `finish` calls (e.g. 4). */
  readonly downloads: number;
  readonly clock: Clock;
  /** Ctrl-C: stops starting work at once; running calls get it too; the run resolves when they settle. */
  readonly signal: AbortSignal;
  /**
   * A gentler stop (watch mode, when the storyboard changed): no new server job starts, but
   * running ones go on to the end and their downloads still run, so they are recorded. Jobs
   * never started end `cancelled`.
   */
  readonly drain?: AbortSignal;
}

/**
 * Runs every job within the limits and resolves with one outcome per job, in input order.
 * Never rejects for a job's failure; rejects only on an invalid job list.
 */
export function runSchedule<R>(jobs: readonly ScheduledJob[], effects: SchedulerEffects<R>, options: SchedulerOptions): Promise<Map<string, JobOutcome<R>>> {
  try {
    validateOptions(options);
    validateJobs(jobs);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve) => startRun(jobs, effects, options, resolve));
}

/** Among ready jobs: resumes first (they hold server state already), then the longest chain, then storyboard order. */
export function runsBefore(a: ScheduledJob, b: ScheduledJob): boolean {
  if (a.resume !== b.resume) return a.resume;
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.index !== b.index) return a.index < b.index;
  return a.id < b.id;
}

interface Finishing<R> {
  readonly job: ScheduledJob;
  readonly result: R | null;
}

/**
 * The run is event-driven: every settle of a `serve` or `finish` updates the state and calls
 * `fill`, which starts ready work while slots are free. No polling, no timers of its own.
 */
function startRun<R>(jobs: readonly ScheduledJob[], effects: SchedulerEffects<R>, options: SchedulerOptions, resolve: (outcomes: Map<string, JobOutcome<R>>) => void): void {
  const { clock, signal } = options;
  const byId = new Map(jobs.map((job) => [job.id, job]));
  const childrenOf = new Map<string, ScheduledJob[]>(jobs.map((job) => [job.id, []]));
  for (const job of jobs) if (job.parentId !== null) childrenOf.get(job.parentId)?.push(job);

  const outcomes = new Map<string, JobOutcome<R>>();
  const served = new Map<string, R>();
  const parentResult = (parentId: string): R | null => (served.has(parentId) ? served.get(parentId)! : null);
  const readyToServe = createReadyQueue<ScheduledJob>(runsBefore);
  // Downloads go first come, first served: the server job that completed first has waited longest.
  const readyToFinish: Finishing<R>[] = [];
  let finishHead = 0;
  let serving = 0;
  let finishing = 0;
  let done = false;

  const rateWindow = options.rateWindow ?? createRateWindow({ limit: options.createsPerMinute, clock });
  const permit = (): Promise<void> => rateWindow.acquire(signal);
  const emit = (event: SchedulerEvent): void => effects.onEvent?.(event);
  const settle = (id: string, outcome: JobOutcome<R>): void => {
    outcomes.set(id, outcome);
    if (outcome.status === 'cancelled') emit({ type: 'cancelled', id, at: clock.now() });
  };

  /** Called once `job` no longer blocks its children: its serve resolved, or it never needed one. */
  const release = (job: ScheduledJob, result: R | null): void => {
    for (const child of childrenOf.get(job.id)!) {
      if (child.needsServer) readyToServe.push(child);
      else readyToFinish.push({ job: child, result: null });
    }
    if (job.needsServer) readyToFinish.push({ job, result });
  };

  const skipDescendants = (failed: ScheduledJob): void => {
    const stack = [...childrenOf.get(failed.id)!];
    for (let child = stack.pop(); child !== undefined; child = stack.pop()) {
      settle(child.id, { status: 'skipped', because: failed.id });
      emit({ type: 'skipped', id: child.id, because: failed.id, at: clock.now() });
      stack.push(...childrenOf.get(child.id)!);
    }
  };

  const startServe = (job: ScheduledJob): void => {
    serving++;
    emit({ type: 'started', id: job.id, stage: 'serve', at: clock.now() });
    const parent = job.parentId === null ? null : parentResult(job.parentId);
    // Deferred one microtask so a serve that throws synchronously is handled like a rejection.
    void Promise.resolve()
      .then(() => effects.serve(job, { parent, permit, signal }))
      .then(
        (result) => {
          serving--;
          served.set(job.id, result);
          emit({ type: 'served', id: job.id, at: clock.now() });
          // After a stop nothing new starts: the queued finish ends up cancelled with this result.
          release(job, result);
          fill();
        },
        (error: unknown) => {
          serving--;
          if (signal.aborted) {
            // Most likely the caller stopped polling on Ctrl-C; the lockfile still has the job in flight, the next run resumes it.
            settle(job.id, { status: 'cancelled', result: null });
          } else {
            settle(job.id, { status: 'failed', stage: 'serve', error });
            emit({ type: 'failed', id: job.id, stage: 'serve', error, at: clock.now() });
            skipDescendants(job);
          }
          fill();
        },
      );
  };

  const startFinish = ({ job, result }: Finishing<R>): void => {
    finishing++;
    emit({ type: 'started', id: job.id, stage: 'finish', at: clock.now() });
    void Promise.resolve()
      .then(() => effects.finish(job, result, signal))
      .then(
        () => {
          finishing--;
          settle(job.id, { status: 'completed', result });
          emit({ type: 'finished', id: job.id, at: clock.now() });
          fill();
        },
        (error: unknown) => {
          finishing--;
          if (signal.aborted) settle(job.id, { status: 'cancelled', result });
          else {
            settle(job.id, { status: 'failed', stage: 'finish', error });
            emit({ type: 'failed', id: job.id, stage: 'finish', error, at: clock.now() });
          }
          fill();
        },
      );
  };

  const fill = (): void => {
    if (done) return;
    const draining = options.drain?.aborted === true;
    if (!signal.aborted) {
      while (!draining && serving < options.inFlight && readyToServe.size > 0) startServe(readyToServe.pop()!);
      while (finishing < options.downloads && finishHead < readyToFinish.length) startFinish(readyToFinish[finishHead++]!);
    }
    if (serving > 0 || finishing > 0) return;
    if (!signal.aborted && ((!draining && readyToServe.size > 0) || finishHead < readyToFinish.length)) return;
    finishRun();
  };

  const finishRun = (): void => {
    done = true;
    signal.removeEventListener('abort', fill);
    options.drain?.removeEventListener('abort', fill);
    // Served but never finished (the stop came first): the result says a download is still due.
    for (let i = finishHead; i < readyToFinish.length; i++) {
      const { job, result } = readyToFinish[i]!;
      if (!outcomes.has(job.id)) settle(job.id, { status: 'cancelled', result });
    }
    for (const job of jobs) if (!outcomes.has(job.id)) settle(job.id, { status: 'cancelled', result: null });
    resolve(new Map(jobs.map((job) => [job.id, outcomes.get(job.id)!])));
  };

  // Ready at once: jobs whose parent is outside this run, or only downloads here (its video
  // already exists on the server, so a remix of it need not wait for the download).
  for (const job of [...jobs].sort((a, b) => a.index - b.index)) {
    const parent = job.parentId === null ? undefined : byId.get(job.parentId);
    if (parent?.needsServer === true) continue;
    if (job.needsServer) readyToServe.push(job);
    else readyToFinish.push({ job, result: null });
  }
  signal.addEventListener('abort', fill, { once: true });
  options.drain?.addEventListener('abort', fill, { once: true });
  fill();
}

function validateOptions(options: SchedulerOptions): void {
  const positive = (name: string, value: number): void => {
    if (!(Number.isInteger(value) && value >= 1)) throw new RangeError(`${name} must be a positive integer, found ${value}`);
  };
  positive('inFlight', options.inFlight);
  positive('downloads', options.downloads);
}

/** The plan guarantees these; a violation here is a bug upstream, and would otherwise hang the run. */
function validateJobs(jobs: readonly ScheduledJob[]): void {
  const byId = new Map<string, ScheduledJob>();
  for (const job of jobs) {
    if (byId.has(job.id)) throw new InternalError(`scheduler: duplicate job id ${job.id}`);
    byId.set(job.id, job);
  }
  const state = new Map<string, 'visiting' | 'ok'>();
  for (const start of jobs) {
    const path: string[] = [];
    for (let job: ScheduledJob | undefined = start; job !== undefined && state.get(job.id) !== 'ok'; job = job.parentId === null ? undefined : byId.get(job.parentId)) {
      if (state.get(job.id) === 'visiting') throw new InternalError(`scheduler: remix cycle through ${job.id}`);
      state.set(job.id, 'visiting');
      path.push(job.id);
    }
    for (const id of path) state.set(id, 'ok');
  }
}
