import type { CutPlan, PlannedCut } from '../plan/plan-cuts.js';
import type { Plan, PlannedJob } from '../plan/plan.js';

/** What changed between two plans: for "3 jobs added, 1 changed, cost +$2.40" while authoring. */
export interface PlanDiff {
  readonly added: readonly PlannedJob[];
  /** Jobs whose request (fingerprint) or action changed. */
  readonly changed: readonly PlannedJob[];
  readonly removed: readonly string[];
  /** Cost of the new plan minus the old one, USD. */
  readonly costDeltaUsd: number;
}

export function diffPlans(before: Plan, after: Plan): PlanDiff {
  const old = new Map(before.jobs.map((job) => [job.id, job]));
  const now = new Set(after.jobs.map((job) => job.id));
  const added: PlannedJob[] = [];
  const changed: PlannedJob[] = [];
  for (const job of after.jobs) {
    const previous = old.get(job.id);
    if (!previous) added.push(job);
    else if (previous.action !== job.action || previous.fingerprint !== job.fingerprint || previous.request.prompt !== job.request.prompt) changed.push(job);
  }
  const removed = before.jobs.filter((job) => !now.has(job.id)).map((job) => job.id);
  return { added, changed, removed, costDeltaUsd: Math.round((after.totals.costUsd - before.totals.costUsd) * 100) / 100 };
}

export function isEmptyDiff(diff: PlanDiff): boolean {
  return diff.added.length === 0 && diff.changed.length === 0 && diff.removed.length === 0;
}

/** What changed between two plans' films: added, changed (action, what it is made of, or reason), removed. */
export interface CutDiff {
  readonly added: readonly PlannedCut[];
  readonly changed: readonly PlannedCut[];
  readonly removed: readonly string[];
}

export function diffCuts(before: CutPlan, after: CutPlan): CutDiff {
  const old = new Map(before.cuts.map((cut) => [cut.id, cut]));
  const now = new Set(after.cuts.map((cut) => cut.id));
  const added: PlannedCut[] = [];
  const changed: PlannedCut[] = [];
  for (const cut of after.cuts) {
    const previous = old.get(cut.id);
    if (!previous) added.push(cut);
    else if (
      previous.action !== cut.action ||
      previous.shape !== cut.shape ||
      JSON.stringify(previous.reason) !== JSON.stringify(cut.reason) ||
      previous.seconds !== cut.seconds
    )
      changed.push(cut);
  }
  return { added, changed, removed: before.cuts.filter((cut) => !now.has(cut.id)).map((cut) => cut.id) };
}
