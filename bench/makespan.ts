/**
 * How close the scheduler's order gets to the best possible total time. Random storyboards (a
 * few long remix chains among many short independent shots) run on a virtual clock, so the
 * figures are exact and the same on every machine.
 */
import { runSchedule, type ScheduledJob } from '../src/run/scheduler.js';
import { createVirtualClock } from '../test/helpers/virtual-clock.js';
import { mulberry32 } from '../src/emulator/prng.js';

export interface DagJob {
  readonly id: string;
  readonly parentId: string | null;
  /** Server time in ms. */
  readonly duration: number;
  /** Storyboard order; parents come before their remixes. */
  readonly index: number;
}

export interface DagShape {
  /** Default [2, 4]. */
  readonly chains?: readonly [number, number];
  /** Jobs per chain. Default [3, 7]. */
  readonly chainLength?: readonly [number, number];
  /** Chance that a remix branches off an earlier job of its chain instead of the last one. Default 0.2. */
  readonly branching?: number;
  /** Default [10, 30]. */
  readonly independent?: readonly [number, number];
  /** Seconds of server time for a chain job. Default [60, 240]. */
  readonly chainSeconds?: readonly [number, number];
  /** Seconds of server time for an independent job. Default [20, 120]. */
  readonly independentSeconds?: readonly [number, number];
}

/** A random storyboard: chains and independent shots shuffled together, parents before children. */
export function generateDag(seed: number, shape: DagShape = {}): DagJob[] {
  const random = mulberry32(seed);
  const between = ([low, high]: readonly [number, number]): number => low + Math.floor(random() * (high - low + 1));
  const jobs: { id: string; parentId: string | null; duration: number; group: string }[] = [];

  for (let c = 0, chains = between(shape.chains ?? [2, 4]); c < chains; c++) {
    const ids: string[] = [];
    for (let i = 0, length = between(shape.chainLength ?? [3, 7]); i < length; i++) {
      const id = `chain${c}-${i}`;
      const branch = ids.length > 1 && random() < (shape.branching ?? 0.2);
      const parentId = ids.length === 0 ? null : branch ? ids[Math.floor(random() * (ids.length - 1))]! : ids[ids.length - 1]!;
      jobs.push({ id, parentId, duration: between(shape.chainSeconds ?? [60, 240]) * 1000, group: `chain${c}` });
      ids.push(id);
    }
  }
  for (let i = 0, count = between(shape.independent ?? [10, 30]); i < count; i++) {
    jobs.push({ id: `shot${i}`, parentId: null, duration: between(shape.independentSeconds ?? [20, 120]) * 1000, group: `shot${i}` });
  }

  // Shuffle the storyboard positions, then hand each chain its positions in creation order so
  // a parent always precedes its remixes (as in a real storyboard).
  const positions = jobs.map((_, i) => i);
  for (let i = positions.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [positions[i], positions[j]] = [positions[j]!, positions[i]!];
  }
  const byGroup = new Map<string, number[]>();
  jobs.forEach((job, i) => byGroup.set(job.group, [...(byGroup.get(job.group) ?? []), positions[i]!]));
  for (const list of byGroup.values()) list.sort((a, b) => a - b);
  const placed = jobs.map((job) => ({ id: job.id, parentId: job.parentId, duration: job.duration, index: byGroup.get(job.group)!.shift()! }));
  return placed.sort((a, b) => a.index - b.index);
}

/** Work on the longest chain from each job, itself included (what `JobGraph.remaining` gives). */
export function remainingWork(jobs: readonly DagJob[]): Map<string, number> {
  const remaining = new Map<string, number>();
  // Children have larger indexes, so one pass from the end sees every child before its parent.
  for (const job of [...jobs].sort((a, b) => b.index - a.index)) {
    const longestChild = Math.max(0, ...jobs.filter((child) => child.parentId === job.id).map((child) => remaining.get(child.id)!));
    remaining.set(job.id, job.duration + longestChild);
  }
  return remaining;
}

/** No schedule can beat max(longest chain, total work ÷ slots). */
export function makespanLowerBound(jobs: readonly DagJob[], inFlight: number): number {
  const total = jobs.reduce((sum, job) => sum + job.duration, 0);
  return Math.max(Math.max(0, ...remainingWork(jobs).values()), total / inFlight);
}

export interface MakespanOptions {
  /** `critical-path`: the scheduler's order; `fifo`: storyboard order among ready jobs. */
  readonly order: 'critical-path' | 'fifo';
  /** Default 2 (Sora). */
  readonly inFlight?: number;
  /** A pool instead: each server's cap (remixes then stay on their parent's server). */
  readonly pool?: readonly number[];
  readonly shape?: DagShape;
}

export interface MakespanResult {
  readonly jobs: number;
  readonly makespan: number;
  readonly lowerBound: number;
  /** makespan ÷ lower bound; 1 is optimal. */
  readonly ratio: number;
}

/** Runs one random storyboard through `runSchedule` on a virtual clock. */
export async function measureMakespan(seed: number, options: MakespanOptions): Promise<MakespanResult> {
  const inFlight = options.pool ? options.pool.reduce((a, b) => a + b, 0) : (options.inFlight ?? 2);
  const servers = options.pool?.map((cap, i) => ({ name: `server-${i}`, inFlight: cap }));
  const dag = generateDag(seed, options.shape);
  const remaining = remainingWork(dag);
  const durations = new Map(dag.map((job) => [job.id, job.duration]));
  const jobs: ScheduledJob[] = dag.map((job) => ({
    id: job.id,
    parentId: job.parentId,
    priority: options.order === 'critical-path' ? remaining.get(job.id)! : 0,
    index: job.index,
    resume: false,
    needsServer: true,
  }));
  const clock = createVirtualClock();
  const signal = new AbortController().signal;
  let end = 0;
  await runSchedule(
    jobs,
    {
      serve: (job, ctx) => clock.sleep(durations.get(job.id)!, ctx.signal),
      finish: async () => {
        end = Math.max(end, clock.now());
      },
    },
    { inFlight, ...(servers ? { servers } : {}), createsPerMinute: null, downloads: 4, clock, signal },
  );
  const lowerBound = makespanLowerBound(dag, inFlight);
  return { jobs: dag.length, makespan: end, lowerBound, ratio: end / lowerBound };
}

export interface MakespanSummary {
  readonly runs: number;
  readonly meanRatio: number;
  readonly worstRatio: number;
}

/** The figure `npm run bench` reports: mean and worst ratio over seeds 1..runs. */
export async function summarizeMakespan(runs: number, options: MakespanOptions): Promise<MakespanSummary> {
  const ratios: number[] = [];
  for (let seed = 1; seed <= runs; seed++) ratios.push((await measureMakespan(seed, options)).ratio);
  return { runs, meanRatio: ratios.reduce((a, b) => a + b, 0) / runs, worstRatio: Math.max(...ratios) };
}
