import type { ResolvedJob } from '../storyboard/job.js';

/**
 * The jobs as a DAG: a remix, an edit, an extension or a continuation depends on the job whose
 * video it starts from (`job.parent`, whatever its kind). The scheduler runs the
 * job that heads the longest remaining chain first, so it needs, for each job, the work left
 * along the longest path from it to the end.
 */
export interface JobGraph {
  /** Job ids, parents before children; among ready jobs, storyboard order. */
  readonly order: readonly string[];
  readonly parentOf: ReadonlyMap<string, string | null>;
  readonly childrenOf: ReadonlyMap<string, readonly string[]>;
  /** Work on the longest chain starting at the job, itself included (in the unit of `weight`). */
  readonly remaining: ReadonlyMap<string, number>;
}

/**
 * Builds the graph. `weight` estimates a job's time on the server; seconds of video by default,
 * since generation time grows with duration.
 */
export function buildGraph(jobs: readonly ResolvedJob[], weight: (job: ResolvedJob) => number = (job) => Number(job.seconds.value)): JobGraph {
  const parentOf = new Map<string, string | null>();
  const childrenOf = new Map<string, string[]>();
  for (const job of jobs) {
    parentOf.set(job.id, job.parent?.job ?? null);
    childrenOf.set(job.id, []);
  }
  for (const job of jobs) if (job.parent !== null) childrenOf.get(job.parent.job)?.push(job.id);

  const order = topologicalOrder(jobs, parentOf, childrenOf);
  const weights = new Map(jobs.map((job) => [job.id, weight(job)]));
  const remaining = new Map<string, number>();
  for (let i = order.length - 1; i >= 0; i--) {
    const id = order[i]!;
    const longestChild = Math.max(0, ...childrenOf.get(id)!.map((child) => remaining.get(child) ?? 0));
    remaining.set(id, weights.get(id)! + longestChild);
  }
  return { order, parentOf, childrenOf, remaining };
}

/** Kahn's algorithm; roots in storyboard order, children right after their parents are placed. */
function topologicalOrder(
  jobs: readonly ResolvedJob[],
  parentOf: ReadonlyMap<string, string | null>,
  childrenOf: ReadonlyMap<string, readonly string[]>,
): string[] {
  const order: string[] = [];
  const queue = jobs.filter((job) => job.parent === null || !parentOf.has(job.parent.job)).map((job) => job.id);
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head]!;
    order.push(id);
    queue.push(...childrenOf.get(id)!);
  }
  return order;
}

/** Every job that starts from this one's video (remixes it, ...), directly or down a chain. */
export function descendantsOf(graph: JobGraph, id: string): string[] {
  const found: string[] = [];
  const stack = [...(graph.childrenOf.get(id) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    found.push(next);
    stack.push(...(graph.childrenOf.get(next) ?? []));
  }
  return found;
}
