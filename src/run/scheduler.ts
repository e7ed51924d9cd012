import { InternalError } from '../errors.js';
import type { Clock } from './clock.js';
import { createRateWindow, type RateWindow } from './rate-window.js';
import { createReadyQueue, type ReadyQueue } from './ready-queue.js';

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
  /**
   * A continuation: starts from its parent's downloaded file (its last frame), so it waits for
   * the parent's `finish`, not only its serve; a parent whose finish fails skips it.
   */
  readonly waitsForFile?: boolean;
  /**
   * The server of the pool this job must run on: the one holding its video (a resume) or its
   * parent's (a remix of a video made before this run). A remix of a parent served in this run
   * follows its parent wherever that went. Absent or null: any server with a free slot.
   */
  readonly server?: string | null;
}

/** One server of a pool, as the scheduler sees it: a name and its own cap of jobs in flight. */
export interface ServerSlots {
  readonly name: string;
  readonly inFlight: number;
}

export interface ServeContext<R> {
  /** The parent's `serve` result for a remix whose parent ran in this schedule; otherwise null. */
  readonly parent: R | null;
  /** Call before every create attempt: waits until the creates-per-minute window has room. */
  readonly permit: () => Promise<void>;
  readonly signal: AbortSignal;
  /** The server this job runs on (a name from `SchedulerOptions.servers`). */
  readonly server: string;
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
  /** Hard cap on concurrently running `serve` calls (Sora: 2), over all servers. */
  readonly inFlight: number;
  /**
   * The pool: each server with its own hard cap. Default one server named `''` capped by
   * `inFlight`. A job without a pin goes to the least busy server.
   */
  readonly servers?: readonly ServerSlots[];
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
    validateJobs(jobs, serversOf(options));
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
function startRun<R>(
  jobs: readonly ScheduledJob[],
  effects: SchedulerEffects<R>,
  options: SchedulerOptions,
  resolve: (outcomes: Map<string, JobOutcome<R>>) => void,
): void {
  const { clock, signal } = options;
  const byId = new Map(jobs.map((job) => [job.id, job]));
  const childrenOf = new Map<string, ScheduledJob[]>(jobs.map((job) => [job.id, []]));
  for (const job of jobs) if (job.parentId !== null) childrenOf.get(job.parentId)?.push(job);

  const outcomes = new Map<string, JobOutcome<R>>();
  const served = new Map<string, R>();
  const parentResult = (parentId: string): R | null => (served.has(parentId) ? served.get(parentId)! : null);
  /** Each server of the pool: its cap, its serves running, and the ready jobs bound to it. */
  const lanes: readonly Lane[] = serversOf(options).map((server) => ({ ...server, running: 0, ready: createReadyQueue<ScheduledJob>(runsBefore) }));
  const laneOf = new Map(lanes.map((lane) => [lane.name, lane]));
  /** Where each job served (or serves) in this run: its remixes must go to the same server. */
  const servedOn = new Map<string, string>();
  // Ready jobs that may go to any server.
  const readyAnywhere = createReadyQueue<ScheduledJob>(runsBefore);
  const pushReady = (job: ScheduledJob): void => {
    const pin = (job.parentId !== null ? servedOn.get(job.parentId) : undefined) ?? job.server ?? null;
    (pin === null ? readyAnywhere : laneOf.get(pin)!.ready).push(job);
  };
  const serving = (): number => lanes.reduce((sum, lane) => sum + lane.running, 0);
  const readyToServe = (): number => lanes.reduce((sum, lane) => sum + lane.ready.size, readyAnywhere.size);
  /** The best ready job that has a free slot, the server it goes to, and the queue it waits in. */
  const nextToServe = (): { job: ScheduledJob; lane: Lane; queue: ReadyQueue<ScheduledJob> } | null => {
    let best: { job: ScheduledJob; lane: Lane; queue: ReadyQueue<ScheduledJob> } | null = null;
    for (const lane of lanes) {
      if (lane.running >= lane.inFlight) continue;
      for (const queue of [lane.ready, readyAnywhere]) {
        const job = queue.peek();
        if (job === undefined) continue;
        if (!best || (job === best.job ? roomier(lane, best.lane) : runsBefore(job, best.job))) best = { job, lane, queue };
      }
    }
    return best;
  };
  // Downloads go first come, first served: the server job that completed first has waited longest.
  const readyToFinish: Finishing<R>[] = [];
  let finishHead = 0;
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
      if (child.waitsForFile === true && child.needsServer) continue;
      if (child.needsServer) pushReady(child);
      else readyToFinish.push({ job: child, result: null });
    }
    if (job.needsServer) readyToFinish.push({ job, result });
  };

  const skipDescendants = (failed: ScheduledJob, only: (child: ScheduledJob) => boolean = () => true): void => {
    const stack = childrenOf.get(failed.id)!.filter(only);
    for (let child = stack.pop(); child !== undefined; child = stack.pop()) {
      settle(child.id, { status: 'skipped', because: failed.id });
      emit({ type: 'skipped', id: child.id, because: failed.id, at: clock.now() });
      stack.push(...childrenOf.get(child.id)!);
    }
  };

  const startServe = (job: ScheduledJob, lane: Lane): void => {
    lane.running++;
    servedOn.set(job.id, lane.name);
    emit({ type: 'started', id: job.id, stage: 'serve', at: clock.now() });
    const parent = job.parentId === null ? null : parentResult(job.parentId);
    // Deferred one microtask so a serve that throws synchronously is handled like a rejection.
    void Promise.resolve()
      .then(() => effects.serve(job, { parent, permit, signal, server: lane.name }))
      .then(
        (result) => {
          lane.running--;
          served.set(job.id, result);
          emit({ type: 'served', id: job.id, at: clock.now() });
          // After a stop nothing new starts: the queued finish ends up cancelled with this result.
          release(job, result);
          fill();
        },
        (error: unknown) => {
          lane.running--;
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
          for (const child of childrenOf.get(job.id)!) if (child.waitsForFile === true && child.needsServer) pushReady(child);
          fill();
        },
        (error: unknown) => {
          finishing--;
          if (signal.aborted) settle(job.id, { status: 'cancelled', result });
          else {
            settle(job.id, { status: 'failed', stage: 'finish', error });
            emit({ type: 'failed', id: job.id, stage: 'finish', error, at: clock.now() });
            // A continuation has no file to start from; the other children's video exists on the server.
            skipDescendants(job, (child) => child.waitsForFile === true && child.needsServer);
          }
          fill();
        },
      );
  };

  const fill = (): void => {
    if (done) return;
    const draining = options.drain?.aborted === true;
    if (!signal.aborted) {
      while (!draining && serving() < options.inFlight) {
        const next = nextToServe();
        if (!next) break;
        next.queue.pop();
        startServe(next.job, next.lane);
      }
      while (finishing < options.downloads && finishHead < readyToFinish.length) startFinish(readyToFinish[finishHead++]!);
    }
    if (serving() > 0 || finishing > 0) return;
    if (!signal.aborted && ((!draining && readyToServe() > 0) || finishHead < readyToFinish.length)) return;
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
    // Its parent only downloads here: it starts once that file is saved.
    if (parent !== undefined && job.waitsForFile === true && job.needsServer) continue;
    if (job.needsServer) pushReady(job);
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
  const names = new Set<string>();
  for (const server of serversOf(options)) {
    positive(`inFlight of server ${server.name}`, server.inFlight);
    if (names.has(server.name)) throw new RangeError(`server ${server.name} is listed twice`);
    names.add(server.name);
  }
  if (names.size === 0) throw new RangeError('servers must list at least one server');
}

/** A server of the pool during a run. */
interface Lane extends ServerSlots {
  running: number;
  readonly ready: ReadyQueue<ScheduledJob>;
}

/** A job any server could take goes to the least busy one, then the one with most room. */
function roomier(a: Lane, b: Lane): boolean {
  return a.running < b.running || (a.running === b.running && a.inFlight > b.inFlight);
}

function serversOf(options: SchedulerOptions): readonly ServerSlots[] {
  return options.servers ?? [{ name: '', inFlight: options.inFlight }];
}

/** The plan guarantees these; a violation here is a bug upstream, and would otherwise hang the run. */
function validateJobs(jobs: readonly ScheduledJob[], servers: readonly ServerSlots[]): void {
  const byId = new Map<string, ScheduledJob>();
  const names = new Set(servers.map((server) => server.name));
  for (const job of jobs) {
    if (byId.has(job.id)) throw new InternalError(`scheduler: duplicate job id ${job.id}`);
    if (job.server != null && !names.has(job.server))
      throw new InternalError(`scheduler: job ${job.id} is bound to ${job.server}, which is not among the servers`);
    byId.set(job.id, job);
  }
  const state = new Map<string, 'visiting' | 'ok'>();
  for (const start of jobs) {
    const path: string[] = [];
    for (
      let job: ScheduledJob | undefined = start;
      job !== undefined && state.get(job.id) !== 'ok';
      job = job.parentId === null ? undefined : byId.get(job.parentId)
    ) {
      if (state.get(job.id) === 'visiting') throw new InternalError(`scheduler: remix cycle through ${job.id}`);
      state.set(job.id, 'visiting');
      path.push(job.id);
    }
    for (const id of path) state.set(id, 'ok');
  }
}
