import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateDag, makespanLowerBound, measureMakespan, remainingWork, summarizeMakespan } from '../../bench/makespan.js';
import { InternalError } from '../../src/errors.js';
import { systemClock } from '../../src/run/clock.js';
import { createRateWindow } from '../../src/run/rate-window.js';
import { createReadyQueue } from '../../src/run/ready-queue.js';
import { runSchedule, type JobOutcome, type ScheduledJob, type SchedulerEvent, type SchedulerOptions } from '../../src/run/scheduler.js';
import { createVirtualClock, type VirtualClock } from '../helpers/virtual-clock.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

function job(id: string, index: number, extra: Partial<ScheduledJob> = {}): ScheduledJob {
  return { id, parentId: null, priority: 0, index, resume: false, needsServer: true, ...extra };
}

interface Script {
  /** Server time per job; default 10 s. */
  readonly serveMs?: Readonly<Record<string, number>>;
  /** Download time per job; default 0. */
  readonly finishMs?: Readonly<Record<string, number>>;
  /** Create attempts per job (each takes a permit); default 1, 0 for resumes. */
  readonly creates?: Readonly<Record<string, number>>;
  readonly failServe?: readonly string[];
  readonly failFinish?: readonly string[];
  /** Serve ignores the abort signal and runs to the end (the caller chose to keep polling). */
  readonly ignoreAbort?: boolean;
}

/**
 * Runs a schedule on a virtual clock with scripted effects and records what a limit-checking
 * observer needs: every event, concurrency peaks, permit times, what each serve got as parent.
 */
async function simulate(jobs: readonly ScheduledJob[], script: Script = {}, options: Partial<SchedulerOptions> & { clock?: VirtualClock } = {}) {
  const clock = options.clock ?? createVirtualClock();
  const signal = options.signal ?? new AbortController().signal;
  const log: SchedulerEvent[] = [];
  const permits: number[] = [];
  const parents = new Map<string, string | null>();
  let serving = 0;
  let finishing = 0;
  let maxServing = 0;
  let maxFinishing = 0;
  const servedOn = new Map<string, string>();
  const onServer = new Map<string, number>();
  const maxOnServer = new Map<string, number>();
  const outcomes = await runSchedule<string>(
    jobs,
    {
      async serve(job, ctx) {
        serving++;
        maxServing = Math.max(maxServing, serving);
        parents.set(job.id, ctx.parent);
        servedOn.set(job.id, ctx.server);
        onServer.set(ctx.server, (onServer.get(ctx.server) ?? 0) + 1);
        maxOnServer.set(ctx.server, Math.max(maxOnServer.get(ctx.server) ?? 0, onServer.get(ctx.server)!));
        try {
          for (let i = 0; i < (script.creates?.[job.id] ?? (job.resume ? 0 : 1)); i++) {
            await ctx.permit();
            permits.push(clock.now());
          }
          await clock.sleep(script.serveMs?.[job.id] ?? 10 * SECOND, script.ignoreAbort === true ? new AbortController().signal : ctx.signal);
          if (script.failServe?.includes(job.id)) throw new Error(`${job.id} failed on the server`);
          return `video-${job.id}`;
        } finally {
          serving--;
          onServer.set(ctx.server, onServer.get(ctx.server)! - 1);
        }
      },
      async finish(job, _result, finishSignal) {
        finishing++;
        maxFinishing = Math.max(maxFinishing, finishing);
        try {
          await clock.sleep(script.finishMs?.[job.id] ?? 0, finishSignal);
          if (script.failFinish?.includes(job.id)) throw new Error(`${job.id} download failed`);
        } finally {
          finishing--;
        }
      },
      onEvent: (event) => log.push(event),
    },
    { inFlight: 2, createsPerMinute: null, downloads: 4, ...options, clock, signal },
  );
  const at = (type: SchedulerEvent['type'], id: string, stage?: 'serve' | 'finish') =>
    log.find((e) => e.type === type && e.id === id && (stage === undefined || ('stage' in e && e.stage === stage)))?.at;
  const startOrder = log.filter((e) => e.type === 'started' && e.stage === 'serve').map((e) => e.id);
  return { outcomes, log, permits, parents, maxServing, maxFinishing, servedOn, maxOnServer, clock, at, startOrder, endedAt: clock.now() };
}

/** The largest number of permits in any half-open window [t, t + 60 s). */
function busiestMinute(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return Math.max(0, ...sorted.map((start) => sorted.filter((t) => t >= start && t < start + MINUTE).length));
}

const statuses = (outcomes: Map<string, JobOutcome<unknown>>) => Object.fromEntries([...outcomes].map(([id, o]) => [id, o.status]));

/** Jobs from the benchmark generator, as the scheduler sees them, with critical-path priorities. */
function randomJobs(seed: number) {
  const dag = generateDag(seed);
  const remaining = remainingWork(dag);
  const jobs = dag.map((d) => job(d.id, d.index, { parentId: d.parentId, priority: remaining.get(d.id)! }));
  const serveMs = Object.fromEntries(dag.map((d) => [d.id, d.duration]));
  return { dag, jobs, serveMs };
}

describe('runSchedule: hard limits', () => {
  it('never runs more than inFlight serves at once, and uses every slot', async () => {
    const { jobs, serveMs } = randomJobs(7);
    for (const inFlight of [1, 2, 3]) {
      const run = await simulate(jobs, { serveMs }, { inFlight });
      expect(run.maxServing).toBe(inFlight);
      expect(Object.values(statuses(run.outcomes)).every((s) => s === 'completed')).toBe(true);
    }
  });

  it('never grants more than createsPerMinute permits in any rolling minute, retries included', async () => {
    const jobs = Array.from({ length: 9 }, (_, i) => job(`j${i}`, i));
    // j1 and j4 retry their create (a 429, say): every attempt needs a permit.
    const run = await simulate(
      jobs,
      { creates: { j1: 3, j4: 2 }, serveMs: Object.fromEntries(jobs.map((j) => [j.id, 5 * SECOND])) },
      { inFlight: 3, createsPerMinute: 2 },
    );
    expect(run.permits).toHaveLength(12);
    expect(busiestMinute(run.permits)).toBe(2);
    // ...and the limit is used, not just respected: two permits at the start of every minute.
    expect(run.permits).toEqual([0, 0, 60, 60, 120, 120, 180, 180, 240, 240, 300, 300].map((s) => s * SECOND));
  });

  it('keeps both limits on random storyboards (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        async (seed, inFlight, perMinute) => {
          const { jobs, serveMs } = randomJobs(seed);
          const run = await simulate(jobs, { serveMs }, { inFlight, createsPerMinute: perMinute });
          expect(run.maxServing).toBeLessThanOrEqual(inFlight);
          expect(busiestMinute(run.permits)).toBeLessThanOrEqual(perMinute);
          for (const j of jobs) {
            expect(run.outcomes.get(j.id)?.status).toBe('completed');
            // A remix starts only after its parent's server job completed.
            if (j.parentId !== null) expect(run.at('started', j.id, 'serve')!).toBeGreaterThanOrEqual(run.at('served', j.parentId)!);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('runs at most `downloads` finishes at once, and they hold no server slot', async () => {
    const jobs = Array.from({ length: 8 }, (_, i) => job(`j${i}`, i));
    const finishMs = Object.fromEntries(jobs.map((j) => [j.id, 100 * SECOND]));
    const run = await simulate(jobs, { finishMs }, { inFlight: 2, downloads: 3 });
    expect(run.maxFinishing).toBe(3);
    // Serving went on while downloads ran: the last serve started long before the first download ended.
    expect(run.at('started', 'j7', 'serve')).toBe(30 * SECOND);
  });
});

describe('runSchedule: order', () => {
  it('starts the head of the longest remix chain before short independent jobs', async () => {
    // Storyboard order puts the chain last; 4 × 100 s of chain against 8 × 20 s of shots.
    const shots = Array.from({ length: 8 }, (_, i) => job(`shot${i}`, i, { priority: 20 }));
    const chain = [0, 1, 2, 3].map((i) => job(`c${i}`, 8 + i, { parentId: i === 0 ? null : `c${i - 1}`, priority: (4 - i) * 100 }));
    const serveMs = { ...Object.fromEntries(shots.map((s) => [s.id, 20 * SECOND])), c0: 100 * SECOND, c1: 100 * SECOND, c2: 100 * SECOND, c3: 100 * SECOND };
    const run = await simulate([...shots, ...chain], { serveMs });
    expect(run.startOrder[0]).toBe('c0');
    // The chain runs back to back, so the run takes exactly the critical path: 400 s.
    expect(run.endedAt).toBe(400 * SECOND);

    const fifo = await simulate(
      [...shots, ...chain].map((j) => ({ ...j, priority: 0 })),
      { serveMs },
    );
    expect(fifo.startOrder.slice(0, 2)).toEqual(['shot0', 'shot1']);
    expect(fifo.endedAt).toBeGreaterThan(400 * SECOND);
  });

  it('picks resume jobs first, then higher priority, then storyboard order', async () => {
    const jobs = [job('a', 0, { priority: 5 }), job('b', 1, { priority: 9 }), job('c', 2, { priority: 5 }), job('r', 3, { priority: 1, resume: true })];
    const run = await simulate(jobs, {}, { inFlight: 1 });
    expect(run.startOrder).toEqual(['r', 'b', 'a', 'c']);
    // A resume takes no create permit.
    expect(run.permits).toHaveLength(3);
  });

  it('starts a remix the moment its parent is served, not after its download', async () => {
    const jobs = [job('parent', 0, { priority: 2 }), job('child', 1, { parentId: 'parent', priority: 1 })];
    const run = await simulate(jobs, { serveMs: { parent: 30 * SECOND }, finishMs: { parent: 500 * SECOND } });
    expect(run.at('served', 'parent')).toBe(30 * SECOND);
    expect(run.at('started', 'child', 'serve')).toBe(30 * SECOND);
    expect(run.at('finished', 'parent')).toBe(530 * SECOND);
    expect(run.parents.get('child')).toBe('video-parent');
  });

  it('sends download-only jobs straight to finish, without a slot; a download-only remix waits for its served parent', async () => {
    const jobs = [
      job('served', 0),
      job('cached', 1, { needsServer: false }),
      job('cached-remix', 2, { needsServer: false, parentId: 'served' }),
      job('remix-of-cached', 3, { parentId: 'cached' }),
    ];
    const run = await simulate(jobs, { finishMs: { cached: 50 * SECOND } }, { inFlight: 1 });
    expect(statuses(run.outcomes)).toEqual({ served: 'completed', cached: 'completed', 'cached-remix': 'completed', 'remix-of-cached': 'completed' });
    expect(run.at('started', 'cached', 'finish')).toBe(0);
    expect(run.at('started', 'cached', 'serve')).toBeUndefined();
    expect(run.at('started', 'cached-remix', 'finish')).toBe(10 * SECOND);
    // The remix of an already rendered video needs neither its parent's download nor a result from this run.
    expect(run.at('started', 'remix-of-cached', 'serve')).toBe(10 * SECOND);
    expect(run.parents.get('remix-of-cached')).toBeNull();
    expect(run.outcomes.get('cached')).toEqual({ status: 'completed', result: null });
  });

  it("starts a continuation only once its parent's file is downloaded, whether the parent is served here or only downloads", async () => {
    const jobs = [
      job('parent', 0, { priority: 2 }),
      job('continuation', 1, { parentId: 'parent', priority: 1, waitsForFile: true }),
      job('remix', 2, { parentId: 'parent', priority: 1 }),
      job('cached', 3, { needsServer: false }),
      job('continues-cached', 4, { parentId: 'cached', waitsForFile: true }),
    ];
    const run = await simulate(jobs, { serveMs: { parent: 30 * SECOND }, finishMs: { parent: 50 * SECOND, cached: 20 * SECOND } }, { inFlight: 3 });
    expect(Object.values(statuses(run.outcomes)).every((s) => s === 'completed')).toBe(true);
    expect(run.at('started', 'remix', 'serve')).toBe(30 * SECOND);
    expect(run.at('finished', 'parent')).toBe(80 * SECOND);
    expect(run.at('started', 'continuation', 'serve')).toBe(80 * SECOND);
    expect(run.parents.get('continuation')).toBe('video-parent');
    expect(run.at('started', 'continues-cached', 'serve')).toBe(20 * SECOND);
  });

  it("skips a continuation (and what follows it) when its parent's download fails; the parent's remixes still run", async () => {
    const jobs = [
      job('parent', 0),
      job('continuation', 1, { parentId: 'parent', waitsForFile: true }),
      job('after', 2, { parentId: 'continuation' }),
      job('remix', 3, { parentId: 'parent' }),
    ];
    const run = await simulate(jobs, { failFinish: ['parent'] });
    expect(statuses(run.outcomes)).toEqual({ parent: 'failed', continuation: 'skipped', after: 'skipped', remix: 'completed' });
    expect(run.outcomes.get('continuation')).toEqual({ status: 'skipped', because: 'parent' });
  });

  it('treats a parent outside the job list as done', async () => {
    const run = await simulate([job('remix', 0, { parentId: 'rendered-last-week' })]);
    expect(run.outcomes.get('remix')).toEqual({ status: 'completed', result: 'video-remix' });
    expect(run.parents.get('remix')).toBeNull();
  });

  it('is deterministic for a given virtual clock', async () => {
    const { jobs, serveMs } = randomJobs(3);
    const first = await simulate(jobs, { serveMs, creates: { [jobs[0]!.id]: 2 } }, { createsPerMinute: 3 });
    const second = await simulate(jobs, { serveMs, creates: { [jobs[0]!.id]: 2 } }, { createsPerMinute: 3 });
    expect(second.log).toEqual(first.log);
    expect(second.permits).toEqual(first.permits);
  });
});

describe('runSchedule: failures', () => {
  it('a failed serve skips exactly its descendants, transitively; the rest goes on', async () => {
    const jobs = [
      job('a', 0),
      job('b', 1, { parentId: 'a' }),
      job('c', 2, { parentId: 'b' }),
      job('d', 3, { parentId: 'c' }),
      job('sibling', 4, { parentId: 'a' }),
      job('other', 5),
      job('cached-under-b', 6, { parentId: 'b', needsServer: false }),
    ];
    const run = await simulate(jobs, { failServe: ['b'] });
    expect(statuses(run.outcomes)).toEqual({
      a: 'completed',
      b: 'failed',
      c: 'skipped',
      d: 'skipped',
      sibling: 'completed',
      other: 'completed',
      'cached-under-b': 'skipped',
    });
    expect(run.outcomes.get('d')).toEqual({ status: 'skipped', because: 'b' });
    expect(run.outcomes.get('b')).toMatchObject({ status: 'failed', stage: 'serve', error: new Error('b failed on the server') });
    expect(run.at('started', 'c')).toBeUndefined();
    expect(
      run.log
        .filter((e) => e.type === 'skipped')
        .map((e) => e.id)
        .sort(),
    ).toEqual(['c', 'cached-under-b', 'd']);
  });

  it('a failed finish fails that job only: its remixes still run', async () => {
    const jobs = [job('a', 0), job('b', 1, { parentId: 'a' })];
    const run = await simulate(jobs, { failFinish: ['a'] });
    expect(run.outcomes.get('a')).toMatchObject({ status: 'failed', stage: 'finish' });
    expect(run.outcomes.get('b')).toEqual({ status: 'completed', result: 'video-b' });
  });

  it('a serve that throws synchronously fails its job like a rejection', async () => {
    const clock = createVirtualClock();
    const outcomes = await runSchedule(
      [job('x', 0), job('y', 1)],
      {
        serve: (j) => {
          if (j.id === 'x') throw new Error('boom');
          return Promise.resolve('ok');
        },
        finish: () => Promise.resolve(),
      },
      { inFlight: 1, createsPerMinute: null, downloads: 1, clock, signal: new AbortController().signal },
    );
    expect(statuses(outcomes)).toEqual({ x: 'failed', y: 'completed' });
  });

  it('refuses a remix cycle and duplicate ids instead of hanging', async () => {
    const options = { inFlight: 1, createsPerMinute: null, downloads: 1, clock: createVirtualClock(), signal: new AbortController().signal };
    const effects = { serve: () => Promise.resolve(''), finish: () => Promise.resolve() };
    await expect(runSchedule([job('a', 0, { parentId: 'b' }), job('b', 1, { parentId: 'a' })], effects, options)).rejects.toThrow(InternalError);
    await expect(runSchedule([job('a', 0), job('a', 1)], effects, options)).rejects.toThrow(/duplicate job id a/);
    await expect(runSchedule([], effects, { ...options, inFlight: 0 })).rejects.toThrow(RangeError);
  });
});

describe('runSchedule: Ctrl-C', () => {
  it('stops starting work, cancels what never started, waits for running serves, leaks nothing', async () => {
    const clock = createVirtualClock();
    const controller = new AbortController();
    // Ctrl-C at 25 s: a0 and a1 (0–30 s) are running; a2 and the remixes of a0 have not started.
    void clock.sleep(25 * SECOND).then(() => controller.abort());
    const jobs = [job('a0', 0, { priority: 2 }), job('a1', 1, { priority: 2 }), job('a2', 2), job('r0', 3, { parentId: 'a0', priority: 1 })];
    const run = await simulate(jobs, { serveMs: { a0: 30 * SECOND, a1: 30 * SECOND }, ignoreAbort: true }, { clock, signal: controller.signal });

    expect(run.endedAt).toBe(30 * SECOND); // resolved only once the running serves settled
    expect(run.startOrder).toEqual(['a0', 'a1']);
    // Served after the stop: no download started, but the result says one is due.
    expect(run.outcomes.get('a0')).toEqual({ status: 'cancelled', result: 'video-a0' });
    expect(run.outcomes.get('a2')).toEqual({ status: 'cancelled', result: null });
    expect(run.outcomes.get('r0')).toEqual({ status: 'cancelled', result: null });
    expect(run.log.filter((e) => e.type === 'started' && e.stage === 'finish')).toEqual([]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(clock.pending).toBe(0);
  });

  it('hands running serves the signal: one that stops polling is cancelled, not failed, and its remixes are not skipped', async () => {
    const clock = createVirtualClock();
    const controller = new AbortController();
    void clock.sleep(5 * SECOND).then(() => controller.abort(new Error('interrupted')));
    const run = await simulate([job('a', 0), job('b', 1, { parentId: 'a' })], {}, { clock, signal: controller.signal });
    expect(run.endedAt).toBe(5 * SECOND);
    expect(statuses(run.outcomes)).toEqual({ a: 'cancelled', b: 'cancelled' });
  });

  it('refuses create permits after the stop, so a serve still retrying cannot create again', async () => {
    const clock = createVirtualClock();
    const controller = new AbortController();
    const seen: string[] = [];
    void clock.sleep(59 * SECOND).then(() => controller.abort());
    await runSchedule(
      [job('a', 0), job('b', 1)],
      {
        async serve(j, ctx) {
          await ctx.permit(); // a: at 0; b: waits for the next minute, which comes after the stop
          seen.push(`${j.id} created`);
          await clock.sleep(120 * SECOND); // keeps polling through the stop
          await ctx.permit().catch(() => seen.push(`${j.id} refused`));
          return j.id;
        },
        finish: () => Promise.resolve(),
      },
      { inFlight: 2, createsPerMinute: 1, downloads: 1, clock, signal: controller.signal },
    ).then((outcomes) => expect(statuses(outcomes)).toEqual({ a: 'cancelled', b: 'cancelled' }));
    expect(seen).toEqual(['a created', 'a refused']);
    expect(clock.pending).toBe(0);
  });

  it('a download interrupted by the stop is cancelled with its result, so the next run downloads it', async () => {
    const clock = createVirtualClock();
    const controller = new AbortController();
    void clock.sleep(15 * SECOND).then(() => controller.abort());
    const run = await simulate([job('a', 0)], { finishMs: { a: 60 * SECOND } }, { clock, signal: controller.signal });
    expect(run.endedAt).toBe(15 * SECOND);
    expect(run.outcomes.get('a')).toEqual({ status: 'cancelled', result: 'video-a' });
  });

  it('removes its abort listener when the run ends normally', async () => {
    const controller = new AbortController();
    const run = await simulate([job('a', 0), job('b', 1, { parentId: 'a' })], {}, { signal: controller.signal });
    expect(statuses(run.outcomes)).toEqual({ a: 'completed', b: 'completed' });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(run.clock.pending).toBe(0);
  });

  it('resolves at once, all cancelled, when aborted before it starts', async () => {
    const controller = new AbortController();
    controller.abort();
    const run = await simulate([job('a', 0), job('b', 1, { needsServer: false })], {}, { signal: controller.signal });
    expect(statuses(run.outcomes)).toEqual({ a: 'cancelled', b: 'cancelled' });
    expect(run.log.map((e) => e.type)).toEqual(['cancelled', 'cancelled']);
  });
});

describe('makespan quality', () => {
  it('critical-path order comes within 5 % of the lower bound on average, and beats storyboard order', async () => {
    const critical = await summarizeMakespan(20, { order: 'critical-path' });
    const fifo = await summarizeMakespan(20, { order: 'fifo' });
    expect(critical.meanRatio).toBeLessThanOrEqual(1.05);
    expect(critical.meanRatio).toBeLessThan(fifo.meanRatio);
    expect(critical.worstRatio).toBeLessThan(fifo.worstRatio);
  });

  it('measures against max(longest chain, total work ÷ slots)', async () => {
    const dag = generateDag(11);
    const total = dag.reduce((sum, d) => sum + d.duration, 0);
    const chain = Math.max(...remainingWork(dag).values());
    expect(makespanLowerBound(dag, 2)).toBe(Math.max(chain, total / 2));
    const result = await measureMakespan(11, { order: 'critical-path' });
    expect(result.makespan).toBeGreaterThanOrEqual(result.lowerBound);
    for (const d of dag) if (d.parentId !== null) expect(dag.find((p) => p.id === d.parentId)!.index).toBeLessThan(d.index);
  });
});

describe('createRateWindow', () => {
  it('drops a cancelled reservation, so the next caller gets its slot', async () => {
    const clock = createVirtualClock({ autoAdvance: false });
    const window = createRateWindow({ limit: 1, clock });
    const never = new AbortController().signal;
    await window.acquire(never); // t = 0
    const controller = new AbortController();
    const cancelled = window.acquire(controller.signal); // reserved for t = 60 s
    controller.abort(new Error('stop'));
    await expect(cancelled).rejects.toThrow('stop');
    const next = window.acquire(never);
    await clock.advanceBy(60 * SECOND);
    await next;
    expect(clock.now()).toBe(60 * SECOND);
    expect(clock.pending).toBe(0);
  });

  it('grants at once when unlimited, and refuses when already aborted', async () => {
    const window = createRateWindow({ limit: null, clock: createVirtualClock() });
    await window.acquire(new AbortController().signal);
    await expect(window.acquire(AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
  });
});

describe('createReadyQueue', () => {
  it('pops in the order of `before`, like a sort', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), (values) => {
        const queue = createReadyQueue<number>((a, b) => a < b);
        for (const v of values) queue.push(v);
        const popped: number[] = [];
        for (let v = queue.pop(); v !== undefined; v = queue.pop()) popped.push(v);
        expect(popped).toEqual([...values].sort((a, b) => a - b));
      }),
    );
  });
});

describe('createVirtualClock', () => {
  it('jumps to the next timer once everything waits; equal times fire in the order set', async () => {
    const clock = createVirtualClock();
    const fired: string[] = [];
    await Promise.all([
      clock.sleep(3 * MINUTE).then(() => fired.push(`b@${clock.now()}`)),
      clock.sleep(MINUTE).then(() => fired.push(`a@${clock.now()}`)),
      clock.sleep(3 * MINUTE).then(() => fired.push(`c@${clock.now()}`)),
    ]);
    expect(fired).toEqual([`a@${MINUTE}`, `b@${3 * MINUTE}`, `c@${3 * MINUTE}`]);
  });

  it('drops an aborted timer and its listener', async () => {
    const clock = createVirtualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(MINUTE, controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(sleeping).rejects.toThrow('cancelled');
    expect(clock.pending).toBe(0);
    await clock.sleep(1, controller.signal).catch(() => undefined);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(clock.now()).toBe(0);
  });
});

describe('systemClock', () => {
  it("rejects with the caller's abort reason and leaves no listener behind", async () => {
    const controller = new AbortController();
    const sleeping = systemClock.sleep(60_000, controller.signal);
    controller.abort(new InternalError('interrupted'));
    await expect(sleeping).rejects.toBeInstanceOf(InternalError);
    const quiet = new AbortController();
    await systemClock.sleep(1, quiet.signal);
    expect(getEventListeners(quiet.signal, 'abort')).toHaveLength(0);
  });
});

describe('drain (watch mode: the storyboard changed while rendering)', () => {
  it('starts nothing new, lets running jobs finish and download, and cancels the rest', async () => {
    const clock = createVirtualClock();
    const drain = new AbortController();
    const jobs = ['a', 'b', 'c', 'd'].map((id, index) => ({ id, parentId: null, priority: 0, index, resume: false, needsServer: true }));
    const finished: string[] = [];
    const outcomes = await runSchedule(
      jobs,
      {
        serve: async (job, ctx) => {
          if (job.id === 'a') drain.abort();
          await clock.sleep(1000, ctx.signal);
          return job.id;
        },
        finish: async (job) => {
          finished.push(job.id);
        },
      },
      { inFlight: 2, createsPerMinute: null, downloads: 2, clock, signal: new AbortController().signal, drain: drain.signal },
    );
    expect(finished.sort()).toEqual(['a', 'b']);
    expect(outcomes.get('a')).toEqual({ status: 'completed', result: 'a' });
    expect(outcomes.get('b')).toEqual({ status: 'completed', result: 'b' });
    expect(outcomes.get('c')).toEqual({ status: 'cancelled', result: null });
    expect(outcomes.get('d')).toEqual({ status: 'cancelled', result: null });
  });
});

describe('runSchedule: a pool of servers', () => {
  const pool = [
    { name: 'a', inFlight: 2 },
    { name: 'b', inFlight: 1 },
    { name: 'c', inFlight: 1 },
  ];

  it('holds every server to its own cap and fills them all', async () => {
    const jobs = Array.from({ length: 20 }, (_, i) => job(`j${i}`, i));
    const run = await simulate(jobs, {}, { inFlight: 4, servers: pool });
    expect(Object.fromEntries(run.maxOnServer)).toEqual({ a: 2, b: 1, c: 1 });
    expect(run.maxServing).toBe(4);
    // 20 jobs of 10 s on 4 slots: 5 rounds, no slot ever idle.
    expect(run.endedAt).toBe(50 * SECOND);
    expect(Object.values(statuses(run.outcomes)).every((s) => s === 'completed')).toBe(true);
  });

  it('holds the whole pool to the run-wide cap (--concurrency) too', async () => {
    const jobs = Array.from({ length: 8 }, (_, i) => job(`j${i}`, i));
    const run = await simulate(jobs, {}, { inFlight: 2, servers: pool });
    expect(run.maxServing).toBe(2);
    // Each start goes to the server with the most room: both slots on different servers.
    expect(new Set([run.servedOn.get('j0'), run.servedOn.get('j1')]).size).toBe(2);
  });

  it('sends a remix to the server its parent rendered on, however long the chain', async () => {
    // `long`, bound to p's server, keeps it the busiest while p's chain runs: a remix placed by
    // load alone would go to an idle server instead.
    const jobs = [
      job('p', 0, { priority: 30 }),
      job('q', 1, { priority: 30 }),
      job('p1', 2, { parentId: 'p', priority: 20 }),
      job('p2', 3, { parentId: 'p1', priority: 10 }),
      job('q1', 4, { parentId: 'q', priority: 10 }),
      job('long', 5, { server: 'a' }),
    ];
    const run = await simulate(jobs, { serveMs: { long: 60 * SECOND } }, { inFlight: 4, servers: pool });
    expect(run.servedOn.get('p')).toBe('a');
    expect(run.at('started', 'p2', 'serve')).toBeLessThan(run.at('served', 'long')!);
    expect(run.servedOn.get('p1')).toBe(run.servedOn.get('p'));
    expect(run.servedOn.get('p2')).toBe(run.servedOn.get('p'));
    expect(run.servedOn.get('q1')).toBe(run.servedOn.get('q'));
  });

  it('runs a bound job (a resume, a remix of an older video) only on its server, waiting for a slot there', async () => {
    const jobs = [job('resume', 0, { server: 'b', resume: true }), job('remix-of-older', 1, { server: 'b', priority: 5 }), job('free', 2)];
    const run = await simulate(jobs, { serveMs: { resume: 30 * SECOND } }, { inFlight: 4, servers: pool });
    expect(run.servedOn.get('resume')).toBe('b');
    expect(run.servedOn.get('remix-of-older')).toBe('b');
    expect(run.servedOn.get('free')).not.toBe('b');
    // b has one slot, so the bound job waits for the resume, though a and c stay free.
    expect(run.at('started', 'remix-of-older', 'serve')).toBe(30 * SECOND);
  });

  it('refuses a job bound to a server outside the pool, and a pool without a server', async () => {
    const effects = { serve: async () => 'x', finish: async () => {} };
    const options = { inFlight: 2, createsPerMinute: null, downloads: 1, clock: systemClock, signal: new AbortController().signal };
    await expect(runSchedule([job('a', 0, { server: 'z' })], effects, { ...options, servers: pool })).rejects.toThrow(InternalError);
    await expect(runSchedule([job('a', 0)], effects, { ...options, servers: [] })).rejects.toThrow(RangeError);
  });

  it('any DAG on any pool: no server over its cap, every remix beside its parent, everything completes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }), async (seed, caps) => {
        const { dag, jobs, serveMs } = randomJobs(seed);
        const servers = caps.map((inFlight, i) => ({ name: `s${i}`, inFlight }));
        const total = caps.reduce((a, b) => a + b, 0);
        const run = await simulate(jobs, { serveMs }, { inFlight: total, servers });
        for (const server of servers) expect(run.maxOnServer.get(server.name) ?? 0).toBeLessThanOrEqual(server.inFlight);
        for (const d of dag) if (d.parentId !== null) expect(run.servedOn.get(d.id)).toBe(run.servedOn.get(d.parentId));
        expect(Object.values(statuses(run.outcomes)).every((s) => s === 'completed')).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
